"""`rulebook lsp`: how long after a change the editor shows its diagnostics (issue 17: 150 ms
for douyin.yaml on this machine).

Starts `python cli.py lsp` over stdio with pygls's own client, opens the rulebook, then types
a new condition into the first rule, one character per change (incremental edits, as an
editor sends them): every text is new (no cached check helps), most are broken mid-word
(E201, E102, E108...) and some are whole again. The time is taken from sending `didChange`
to receiving the `publishDiagnostics` it brings. `check_text` of the same texts in this
process is timed too: the floor the server cannot beat, so the difference is what the
protocol and the server add.

    python bench/lsp_latency.py                       # rulebooks/douyin.yaml, 60 changes
    python bench/lsp_latency.py --rulebook FILE --changes 200 --strict   # exit 2 over the target
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = 0.150


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(text: str, changes: int) -> tuple[list[float], float | None]:
    """Seconds from each didChange to its diagnostics, and the server's CPU seconds per change
    (what a change costs whatever else the machine runs)."""
    client = LanguageClient("bench", "1")
    arrived: asyncio.Queue[float] = asyncio.Queue()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        arrived.put_nowait(time.perf_counter())

    await client.start_io(sys.executable, str(ROOT / "cli.py"), "lsp", env=dict(os.environ, PYTHONPATH=str(ROOT)))
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                       initialization_options={"lang": "zh"}))
    client.initialized(lsp.InitializedParams())
    uri = "file:///bench/douyin.yaml"
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    await arrived.get()
    row, col = _typing_place(text)
    pid = client._server.pid if client._server is not None else None   # noqa: SLF001 - the server's process
    cpu_before = cpu_seconds(pid) if pid else None
    times = []
    for n, char in enumerate(_typed(changes)):
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(row, col + n), lsp.Position(row, col + n)), text=char)
        sent = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=n + 2), content_changes=[change]))
        times.append(await arrived.get() - sent)
    cpu_after = cpu_seconds(pid) if pid else None
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    cpu = (cpu_after - cpu_before) / changes if cpu_before is not None and cpu_after is not None else None
    return times, cpu


_CONDITIONS = ("order.paid_amount > 0", "order.status == 'completed'", "aftersale.reason in params.lightning_reasons",
               "days_between(order.signed_at, aftersale.applied_at) <= 7", "not order.special_goods")


def _typed(changes: int) -> str:
    """What is typed: conditions joined by ` and `, as long as the number of changes."""
    text = "".join(" and " + c for c in _CONDITIONS)
    while len(text) < changes:
        text += text
    return text[:changes]


def _typing_place(text: str) -> tuple[int, int]:
    """Where typing starts: the end of the first condition (0-based line, UTF-16 column),
    after which ` and ` and the typed text go."""
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if line.strip() == "when:") + 1
    return row, len(lines[row].encode("utf-16-le")) // 2


def _with_typed(text: str, typed: str) -> str:
    row, _ = _typing_place(text)
    lines = text.split("\n")
    lines[row] += typed
    return "\n".join(lines)


def check_floor(text: str, changes: int) -> float:
    """The median of `check_text` of the texts the server checked, in this process."""
    from dsl.book.checking import check_text

    out = []
    typed = _typed(changes)
    for n in range(1, changes + 1, max(1, changes // 20)):
        changed = _with_typed(text, typed[:n])
        start = time.perf_counter()
        check_text(changed, "douyin.yaml")
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rulebook", type=Path, default=ROOT / "rulebooks" / "douyin.yaml")
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--strict", action="store_true", help="exit 2 when the p95 misses the target")
    args = parser.parse_args()
    text = args.rulebook.read_text(encoding="utf-8")
    measured, cpu = asyncio.run(measure(text, args.changes))
    times = sorted(measured)
    median, p95 = statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]
    floor = check_floor(text, args.changes)
    print(f"{args.rulebook.name}: {len(text.splitlines())} lines, {args.changes} changes")
    print(f"change -> diagnostics: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms (target {TARGET * 1000:.0f} ms)")
    if cpu is not None:
        print(f"server CPU per change: {cpu * 1000:.0f} ms (independent of other load)")
    print(f"check_text of the same texts in this process: median {floor * 1000:.0f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    missed = p95 > TARGET
    print("MISSED the target" if missed else "within the target")
    return 2 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
