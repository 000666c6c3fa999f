"""Run every benchmark side by side with its reference, and report ratios.

Usage: ``make bench`` (or ``python benchmarks/run.py [name-substring]``).

Each ``benchmarks/bench_*.py`` defines ``CASES``: a list of ``Case`` objects, each
pairing our implementation with a reference on the same inputs. Both are timed in
the same process, interleaved, and the best of several repeats is kept, so the
ratio is robust to a busy machine in a way absolute seconds are not. Results go to
the terminal and, per benchmark file, to ``benchmarks/results/<file>.json`` with a
description of the machine, and ``benchmarks/results/<file>.md``: the table the book's
pages include. The tables are generated, never typed: a test re-renders each from
its JSON and compares.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


@dataclass
class Case:
    name: str
    ours: Callable[[], object]
    reference: Callable[[], object]
    reference_name: str
    repeats: int = 5
    number: int = 1
    warmup: bool = True
    # Called with the last results of ours and of the reference: both must agree
    # before their times mean anything.
    check: Callable[[object, object], None] | None = None
    # Work done by one call (tokens, say): the table then shows throughput too.
    items: int | None = None
    item_name: str = ""


def timed(fn: Callable[[], object], number: int) -> tuple[float, object]:
    start = time.perf_counter()
    for _ in range(number):
        result = fn()
    return (time.perf_counter() - start) / number, result


def measure(case: Case) -> dict:
    ours, ref = [], []
    if case.warmup:
        case.ours(), case.reference()
    for _ in range(case.repeats):  # interleave so both see the same machine state
        t, ours_result = timed(case.ours, case.number)
        ours.append(t)
        t, ref_result = timed(case.reference, case.number)
        ref.append(t)
    if case.check is not None:
        case.check(ours_result, ref_result)
    return {
        "name": case.name,
        "reference": case.reference_name,
        "ours_s": min(ours),
        "reference_s": min(ref),
        "speedup": min(ref) / min(ours),
        **({"items": case.items, "item_name": case.item_name} if case.items else {}),
    }


def machine() -> dict:
    import numpy

    try:
        import torch

        extra = {"torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    except ImportError:
        extra = {}
    return {
        **extra,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def bench_files(pattern: str) -> list[Path]:
    return [p for p in sorted(HERE.glob("bench_*.py")) if pattern in p.stem]


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_columns(report: dict) -> list[str]:
    """A table of rows with named columns (for benchmarks that are whole runs, not Cases)."""
    lines = [
        "| " + " | ".join(h for h, _, _ in report["columns"]) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(report["columns"]))) + "|",
    ]
    for row in report["rows"]:
        lines.append("| " + " | ".join(fmt.format(row[key]) for _, key, fmt in report["columns"]) + " |")
    return lines


def render_table(report: dict) -> str:
    """The Markdown table a page includes, made only from a results file."""
    m = report["machine"]
    if "columns" in report:
        lines = render_columns(report)
        lines.append("")
        lines.append(
            f"Measured by `make bench` on {m['processor']}, {m['platform']}, "
            f"Python {m['python']}, numpy {m['numpy']}, PyTorch {m['torch']}. "
            f"{report.get('note', '')}".rstrip()
        )
        return "\n".join(lines) + "\n"
    rate = any("items" in r for r in report["results"])
    lines = [
        "| benchmark | ours | reference | reference time | ours ÷ reference | speed-up |"
        + (" throughput, ours / reference |" if rate else ""),
        "|---|---:|---|---:|---:|---:|" + ("---:|" if rate else ""),
    ]
    for r in report["results"]:
        row = (
            f"| {r['name']} | {r['ours_s'] * 1e3:.2f} ms | {r['reference']} | "
            f"{r['reference_s'] * 1e3:.2f} ms | {r['ours_s'] / r['reference_s']:.2f} | "
            f"{r['speedup']:.1f}× |"
        )
        if rate:
            row += (
                f" {r['items'] / r['ours_s']:,.0f} / {r['items'] / r['reference_s']:,.0f} "
                f"{r['item_name']}/s |"
                if "items" in r
                else " |"
            )
        lines.append(row)
    lines.append("")
    torch = f", PyTorch {m['torch']} ({m['torch_threads']} threads)" if "torch" in m else ""
    lines.append(
        f"Measured by `make bench` on {m['processor']}, {m['platform']}, "
        f"Python {m['python']}, numpy {m['numpy']}{torch}."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    files = bench_files(pattern)
    if not files:
        print(f"no benchmark file matches {pattern!r}", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"{'benchmark':48s} {'ours':>10s} {'reference':>10s} {'speedup':>8s}  reference")
    for path in files:
        module = load_module(path)
        if hasattr(module, "REPORT"):  # a whole-run benchmark with its own columns
            report = {"machine": machine(), **module.REPORT()}
            out = RESULTS / path.stem
            out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
            out.with_suffix(".md").write_text(render_table(report))
            print(render_table(report))
            continue
        results = []
        for case in module.CASES:
            r = measure(case)
            results.append(r)
            print(
                f"{r['name']:48s} {r['ours_s'] * 1e3:8.2f}ms {r['reference_s'] * 1e3:8.2f}ms "
                f"{r['speedup']:7.1f}x  {r['reference']}"
            )
        report = {"machine": machine(), "results": results}
        out = RESULTS / path.stem
        out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        out.with_suffix(".md").write_text(render_table(report))
    print(f"\nresults in {RESULTS.relative_to(HERE.parent)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
