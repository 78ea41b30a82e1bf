"""Deterministic synthetic Douyin case documents for the benchmarks.

`generate(n, seed)` returns `n` plain dicts shaped like `json.loads` gives them
(facts.md): amounts are strings such as "129.90", timestamps ISO 8601 strings, written
with `+08:00` (most), as UTC with `Z`, or without an offset (Beijing time). The mix is
built so that every rule of rulebooks/douyin.yaml matches on some cases and fails at each
of its conditions on others (including nulls: `signed_at: null`, `aftersale: null` for
order-level questions, a missing or null field here and there).

`write_jsonl(path, n, seed)` writes the same cases as JSON Lines, streaming.

All cases are judged at `AT` (the cases carry it as `now`, so `rulebook eval` without
`--at` judges them at the same moment as the Python benchmark).
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 10, 12, 0, tzinfo=BEIJING)
AT_TEXT = AT.isoformat()
DEFAULT_SEED = 20261122

_SUBJECTIVE = ("seven_day_no_reason", "dislike", "wrong_order")
_REASONS = ("seven_day_no_reason", "dislike", "wrong_order", "not_received", "missing_items",
            "quality_issue", "damaged", "spoiled", "allergy", "other")
_CATEGORIES = ("apparel", "apparel", "apparel", "smart_home", "fresh", "fruit", "beauty", "books", "digital")
_ORDER_LEVEL_STATUSES = ("pending_payment", "preparing", "partially_shipped", "shipped", "completed", "closed")

# Fields that may be set to null or left out in the "sprinkled nulls" cases.
_NULLABLE = (
    ("order", "paid_amount"), ("order", "refunded_amount"), ("order", "signed_at"), ("order", "status"),
    ("order", "supports_7day_return"), ("order", "category"), ("order", "aftersale_count"),
    ("order", "goods_kind"), ("order", "domestic"), ("order", "shipped_at"),
    ("buyer", "credit_good"), ("shop", "return_address_count"), ("shop", "shipping_address_count"),
    ("shop", "return_equals_shipping"), ("shop", "services"),
    ("aftersale", "type"), ("aftersale", "reason"), ("aftersale", "status"), ("aftersale", "applied_at"),
    ("aftersale", "merchant_agreed_at"), ("aftersale", "merchant_rejected_at"),
    ("aftersale", "waybill_uploaded_at"), ("aftersale", "return_received_at"),
    ("aftersale", "receipt_extended"),
)


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # ------------------------------------------------------------------ values
    def ts(self, moment: datetime | None) -> str | None:
        """A Beijing-time moment as text: +08:00 (70 %), UTC with Z (20 %), naive Beijing (10 %)."""
        if moment is None:
            return None
        r = self.rng.random()
        if r < 0.70:
            return moment.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        if r < 0.90:
            return (moment - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.strftime("%Y-%m-%dT%H:%M:%S")

    def minutes(self, low_h: float, high_h: float) -> timedelta:
        return timedelta(minutes=self.rng.randint(int(low_h * 60), int(high_h * 60)))

    def amount(self) -> str:
        r = self.rng.random()
        if r < 0.08:
            return self.rng.choice(("300.00", "300.01", "299.99", "300", "0.01", "300.1"))
        if r < 0.70:
            cents = self.rng.randint(100, 30000)         # 1.00 .. 300.00
        elif r < 0.95:
            cents = self.rng.randint(30001, 200000)      # above the lightning limit
        else:
            cents = self.rng.randint(200001, 2000000)
        return f"{cents // 100}.{cents % 100:02d}"

    def refunded(self, paid: str) -> str:
        r = self.rng.random()
        if r < 0.70:
            return "0.00"
        if r < 0.80:
            return paid                                  # fully refunded
        if r < 0.85:
            return "0.01"
        cents = int(round(float(paid) * 100))
        part = self.rng.randint(1, max(1, cents - 1))
        return f"{part // 100}.{part % 100:02d}"

    def pick(self, weights: dict[Any, float]) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # ------------------------------------------------------------------ cases
    def case(self, i: int) -> dict[str, Any]:
        rng = self.rng
        scenario = self.pick({"lightning": 34, "order_level": 9, "pre_shipment": 6, "reship": 16,
                              "after_approval": 17, "fresh": 6, "beauty": 6, "other": 6})
        paid_at = AT - timedelta(days=rng.randint(3, 40)) + self.minutes(-12, 12)
        shipped_at = paid_at + self.minutes(2, 60)
        signed_at = shipped_at + self.minutes(12, 96)
        confirmed_at = None
        status = self.pick({"shipped": 6, "completed": 3, "partially_shipped": 1})
        if status == "completed" and rng.random() < 0.8:
            confirmed_at = signed_at + self.minutes(1, 240)
        category = rng.choice(_CATEGORIES)
        paid = self.amount()
        services = ["fast_refund"] if rng.random() < 0.8 else []
        if rng.random() < 0.25:
            services.append("fresh_bad_claim")
        if rng.random() < 0.25:
            services.append("beauty_allergy_return")

        atype = self.pick({"return_refund": 6, "refund_only": 2, "exchange": 1, "reship": 1})
        reason = rng.choice(_REASONS)
        astatus = "awaiting_merchant"
        applied_at = signed_at + self.minutes(-6, 24 * 9)
        agreed = rejected = waybill = received = reship_shipped = None
        extended = False

        if scenario == "lightning":
            atype = self.pick({"return_refund": 20, "refund_only": 1, "exchange": 1})
            reason = rng.choice(_SUBJECTIVE) if rng.random() < 0.85 else rng.choice(_REASONS)
            # calendar days after sign-off 0..9, at any time of that Beijing day
            day = (signed_at.replace(hour=0, minute=0, second=0) + timedelta(days=rng.randint(0, 9)))
            applied_at = day + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            if applied_at < signed_at:
                applied_at = signed_at + timedelta(minutes=rng.randint(1, 120))
            if rng.random() < 0.05:
                signed_at = None
        elif scenario == "order_level":
            status = rng.choice(_ORDER_LEVEL_STATUSES)
            if status in ("pending_payment", "preparing"):
                shipped_at = signed_at = None
                if status == "pending_payment":
                    paid_at = None
        elif scenario == "pre_shipment":
            status = rng.choice(("pending_payment", "preparing", "preparing"))
            shipped_at = signed_at = None
            if status == "pending_payment":
                paid_at = None
            atype = self.pick({"refund_only": 6, "return_refund": 1, "reship": 1})
            applied_at = AT - self.minutes(1, 72)
        elif scenario == "reship":
            atype = "reship" if rng.random() < 0.9 else rng.choice(("refund_only", "exchange"))
            category = "smart_home" if rng.random() < 0.75 else rng.choice(_CATEGORIES)
            reason = rng.choice(("not_received", "missing_items", "other", "not_received", "quality_issue"))
            if rng.random() < 0.3:
                status = "completed"
                confirmed_at = signed_at + self.minutes(1, 48)
                applied_at = confirmed_at + self.minutes(24 * 13, 24 * 17)
            else:
                applied_at = AT - self.minutes(1, 24 * 4)
            if rng.random() < 0.05:
                shipped_at = signed_at = None
                status = "preparing"
            astatus = self.pick({"awaiting_merchant": 4, "merchant_agreed": 4, "merchant_rejected": 3,
                                 "refunded": 1, "closed": 1})
            if astatus == "merchant_agreed":
                agreed = applied_at + self.minutes(1, 48)
                if rng.random() < 0.3:
                    reship_shipped = agreed + self.minutes(1, 60)
            elif astatus == "merchant_rejected":
                rejected = applied_at + self.minutes(1, 48)
        elif scenario == "after_approval":
            atype = "return_refund" if rng.random() < 0.85 else rng.choice(("exchange", "refund_only", "reship"))
            reason = rng.choice(_REASONS)
            applied_at = AT - self.minutes(24 * 2, 24 * 20)
            astatus = self.pick({"merchant_agreed": 2, "buyer_returned": 5, "return_received": 3,
                                 "merchant_rejected": 3, "refunded": 1})
            agreed = applied_at + self.minutes(0, 48)
            if astatus != "merchant_agreed":
                waybill = agreed + self.minutes(1, 72)
                extended = rng.random() < 0.3
            if astatus in ("return_received", "merchant_rejected", "refunded") and rng.random() < 0.85:
                received = waybill + self.minutes(12, 24 * 6)
            if astatus == "merchant_rejected":
                rejected = (received or agreed) + self.minutes(1, 72)
                if received is None:
                    agreed = None
        elif scenario in ("fresh", "beauty"):
            fresh = scenario == "fresh"
            if rng.random() < 0.85:
                category = rng.choice(("fresh", "fruit")) if fresh else "beauty"
            if rng.random() < 0.85:
                services.append("fresh_bad_claim" if fresh else "beauty_allergy_return")
            reason = ("spoiled" if fresh else "allergy") if rng.random() < 0.85 else rng.choice(_REASONS)
            atype = rng.choice(("refund_only", "return_refund"))
            window_h = 24 if fresh else 24 * 60
            applied_at = signed_at + self.minutes(0, window_h * 1.3)
            if rng.random() < 0.1:
                applied_at = signed_at + timedelta(hours=window_h) + timedelta(minutes=rng.choice((-1, 0, 1)))
            if rng.random() < 0.05:
                signed_at = None

        order = {
            "id": f"DY-O-{i:07d}",
            "status": status,
            "paid_amount": paid,
            "refunded_amount": self.refunded(paid),
            "paid_at": self.ts(paid_at),
            "shipped_at": self.ts(shipped_at),
            "signed_at": self.ts(signed_at),
            "confirmed_at": self.ts(confirmed_at),
            "group_formed_at": None,
            "aftersale_valid_until": None,
            "goods_kind": "physical" if rng.random() < 0.93 else "virtual",
            "domestic": rng.random() < 0.93,
            "category": category,
            "special_goods": category in ("fresh", "fruit"),
            "supports_7day_return": rng.random() < 0.9,
            "fast_refund_tag": rng.random() < 0.3,
            "aftersale_count": self.pick({0: 10, 1: 5, 2: 3, 3: 2, 4: 2, 5: 1, 6: 1}),
        }
        one = lambda: 1 if rng.random() < 0.88 else rng.choice((0, 2, 3))  # noqa: E731
        shop = {
            "return_address_count": one(),
            "shipping_address_count": one(),
            "return_equals_shipping": rng.random() < 0.9,
            "services": services,
            "auto_refund_policy": None,
        }
        case: dict[str, Any] = {
            "id": f"DY-{i:07d}",
            "now": AT_TEXT,
            "order": order,
            "buyer": {"credit_good": rng.random() < 0.9},
            "shop": shop,
        }
        if scenario == "order_level" or (scenario == "other" and rng.random() < 0.3):
            case["aftersale"] = None
        else:
            case["aftersale"] = {
                "id": f"DY-A-{i:07d}",
                "type": atype,
                "reason": reason,
                "status": astatus,
                "applied_at": self.ts(applied_at),
                "merchant_agreed_at": self.ts(agreed),
                "merchant_rejected_at": self.ts(rejected),
                "waybill_uploaded_at": self.ts(waybill),
                "return_received_at": self.ts(received),
                "receipt_extended": extended,
                "reship_shipped_at": self.ts(reship_shipped),
            }
        if rng.random() < 0.03:      # a null or a missing field here and there
            section, key = rng.choice(_NULLABLE)
            holder = case.get(section)
            if holder is not None:
                if rng.random() < 0.5:
                    holder[key] = None
                else:
                    holder.pop(key, None)
        return case


def iter_cases(n: int, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    gen = _Gen(seed)
    for i in range(n):
        yield gen.case(i)


def generate(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """`n` synthetic Douyin cases, the same for the same `n` prefix and seed."""
    return list(iter_cases(n, seed))


def write_jsonl(path: str, n: int, seed: int = DEFAULT_SEED) -> int:
    """Write `n` cases as JSON Lines to `path`; returns the number of bytes written."""
    size = 0
    dumps = json.dumps
    with open(path, "w", encoding="utf-8") as out:
        lines: list[str] = []
        for case in iter_cases(n, seed):
            lines.append(dumps(case, ensure_ascii=False, separators=(",", ":")))
            if len(lines) >= 10_000:
                text = "\n".join(lines) + "\n"
                out.write(text)
                size += len(text)
                lines.clear()
        if lines:
            text = "\n".join(lines) + "\n"
            out.write(text)
            size += len(text)
    return size


if __name__ == "__main__":
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Write synthetic Douyin cases as JSON Lines.")
    ap.add_argument("path", help="output file ('-' for stdout)")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    if args.path == "-":
        for c in iter_cases(args.n, args.seed):
            sys.stdout.write(json.dumps(c, ensure_ascii=False) + "\n")
    else:
        write_jsonl(args.path, args.n, args.seed)
