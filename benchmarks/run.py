"""Run every benchmark side by side with its reference, and report ratios.

Usage: ``make bench`` (or ``python benchmarks/run.py [name-substring]``).

Each ``benchmarks/bench_*.py`` defines ``CASES``: a list of ``Case`` objects, each
pairing our implementation with a reference on the same inputs. Both are timed in
the same process, interleaved, and the best of several repeats is kept, so the
ratio is robust to a busy machine in a way absolute seconds are not. Results go to
the terminal and to ``benchmarks/results/latest.json`` with a description of the
machine.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"


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
    }


def machine() -> dict:
    import numpy

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def load_cases(pattern: str) -> list[Case]:
    cases = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases += [c for c in module.CASES if pattern in c.name]
    return cases


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    cases = load_cases(pattern)
    if not cases:
        print(f"no benchmark matches {pattern!r}", file=sys.stderr)
        return 2
    results = []
    print(f"{'benchmark':44s} {'ours':>10s} {'reference':>10s} {'speedup':>8s}  reference")
    for case in cases:
        r = measure(case)
        results.append(r)
        print(f"{r['name']:44s} {r['ours_s'] * 1e3:8.2f}ms {r['reference_s'] * 1e3:8.2f}ms "
              f"{r['speedup']:7.1f}x  {r['reference']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
