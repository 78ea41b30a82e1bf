"""A shop overlay keeps its base's holiday notices: a shop that lengthens a timer still has its
deadline moved by the platform's announcement (the notice is the base's, the window the
shop's parameter)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import ROOT

NOTICES = ROOT / "examples" / "notices"


def _shop(tmp_path: Path, window: str) -> Path:
    shutil.copytree(NOTICES, tmp_path / "notices")
    shop = tmp_path / "shop.yaml"
    shop.write_text("rulebook: sf_shop\nextends: notices/spring-festival-2026.yaml\n"
                    "name: {zh: 春节示例店铺, en: Spring Festival example shop}\n"
                    f"parameters:\n  ship_window: {window}\n", encoding="utf-8")
    return shop


def _deadlines(invoke: Any, book: Path, case: Path) -> dict[str, str | None]:
    result = invoke("eval", "--rulebook", book, case, "--format", "json", "--lang", "en")
    data = json.loads(result.stdout)
    data = data[0] if isinstance(data, list) else data
    return {r["rule"]: r["deadline"] for r in data["results"]}


def test_an_overlay_keeps_the_bases_notices(invoke: Any, tmp_path: Path) -> None:
    shop = _shop(tmp_path, "72h")
    case = NOTICES / "case-paid-0210.json"      # paid 02-10, inside the notice's window
    assert _deadlines(invoke, shop, case)["ship_timeout"] == "2026-02-25T23:59:59+08:00"
    tested = invoke("test", shop, "--lang", "en")
    assert tested.exit_code == 0
    assert "notice 'spring_festival_2026'" in tested.stdout          # the explanation names it
    # the 72 h window changes only the examples outside the notice's window
    assert "3 example(s) of the base changed by the overlay" in tested.stdout


def test_an_overlays_own_notice_naming_no_timer_is_refused(invoke: Any, tmp_path: Path) -> None:
    shop = _shop(tmp_path, "48h")
    text = shop.read_text(encoding="utf-8") + (
        "notices:\n  - id: shop_notice\n    name: {zh: 店铺公告, en: shop notice}\n    source: {ref: 店铺公告}\n"
        "    window: {by: order.paid_at, from: 2026-02-01T00:00:00+08:00, until: 2026-02-02T00:00:00+08:00}\n"
        "    effects:\n      ship_timout: {extend_by: 1d}\n")
    shop.write_text(text, encoding="utf-8")
    checked = invoke("check", shop, "--lang", "en")
    assert checked.exit_code == 1
    assert "E330" in checked.stdout + checked.stderr and "ship_timeout" in checked.stdout + checked.stderr
