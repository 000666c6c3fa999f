"""How far a fresh run of chapter scripts moves each figure's data from the committed data.

    python tools/figure_deviations.py snippets/ch06_pytorch.py ...   # in this environment
    make figure-deviations                                           # every script, foreign kernels

Runs each script with its figures sent to a temporary folder, then prints, for each
figure and each top-level key of its data, the largest absolute and relative deviation
from ``docs/assets/figures/<name>.json`` and how much of the stated tolerance
(``tests/figure_tolerances.py``) it uses. Use it to choose a tolerance: several times
what you measure on two or three kernel settings, and no looser than the figure needs.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

from gradbook.figures.compare import Tol, compare

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "assets" / "figures"
# The tolerances the tests hold each figure to, read from the test suite's file (the
# `tests` package is not on this script's path, and need not be).
TOLERANCES = runpy.run_path(str(ROOT / "tests" / "figure_tolerances.py"))["TOLERANCES"]


def _numbers(tree):
    if isinstance(tree, dict):
        for v in tree.values():
            yield from _numbers(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _numbers(v)
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield float(tree)


def key_deviations(fresh: dict, committed: dict) -> dict[str, tuple[float, float]]:
    """Top-level key -> (largest |diff|, largest |diff| / |committed|) over its numbers."""
    out = {}
    for key in committed:
        a, b = list(_numbers(fresh.get(key))), list(_numbers(committed[key]))
        if len(a) != len(b):
            out[key] = (float("inf"), float("inf"))
            continue
        gaps = [
            (abs(x - y), abs(x - y) / abs(y) if y else (0.0 if x == y else float("inf")))
            for x, y in zip(a, b)
        ]
        out[key] = (max((g[0] for g in gaps), default=0.0), max((g[1] for g in gaps), default=0.0))
    return out


def main(argv: list[str]) -> int:
    scripts = [Path(a) for a in argv] or sorted((ROOT / "snippets").glob("ch[0-9][0-9]_*.py"))
    worst = 0.0
    for script in scripts:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "GRADBOOK_FIGURES_DIR": tmp, "MPLBACKEND": "Agg"}
            proc = subprocess.run(
                [sys.executable, str(script.resolve())], cwd=tmp, env=env, capture_output=True, text=True
            )
            if proc.returncode:
                print(f"{script.name}: failed\n{proc.stderr}", file=sys.stderr)
                return 1
            for fresh_path in sorted(Path(tmp).glob("*.json")):
                kept = FIGURES / fresh_path.name
                if not kept.exists():
                    print(f"{fresh_path.stem}: no committed data")
                    continue
                fresh = json.loads(fresh_path.read_text(encoding="utf-8"))["data"]
                committed = json.loads(kept.read_text(encoding="utf-8"))["data"]
                spec = TOLERANCES.get(kept.stem, {"*": Tol(1e-5, 1e-12, "none stated yet")})
                report = compare(fresh, committed, spec)
                worst = max(worst, report.worst_ratio)
                print(
                    f"{kept.stem}: worst {report.worst_ratio:.3g} of its tolerance "
                    f"(at {report.worst_where or '-'}), {len(report.problems)} over"
                )
                for key, (gap, rel) in key_deviations(fresh, committed).items():
                    print(f"    {key:24s} max |diff| {gap:.3g}   max rel {rel:.3g}")
    print(f"worst of all: {worst:.3g} of its tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
