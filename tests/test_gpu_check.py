"""The GPU check (`tools/gpu_check.py`): its table, drawn from its records, and what it flags.

The whole script runs in smoke mode on the CPU in `make test`'s second pass
(`make test-foreign` ends with `tools/gpu_check.py --smoke`); the tests here check the
parts that need no run: the table the pages include, and how a record is read.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from tests.helpers import ROOT, import_script


def _tool():
    return import_script(ROOT / "tools" / "gpu_check.py")


# A record as a GPU run writes it (numbers made up for the test, never shown on a page).
RECORD = {
    "date": "2026-12-01 00:00 UTC",
    "smoke": False,
    "environment": {"gpu": "NVIDIA H200", "torch": "2.11.0", "cuda": "13.0", "driver": "580.1"},
    "stages_done": ["environment", "tests", "train", "torchrun", "generation"],
    "errors": {},
    "seconds": 400.0,
    "tests": {"command": "pytest -m gpu", "exit": 0, "counts": {"passed": 6}},
    "train": {
        "command": "gradbook gpt train --preset gpu --device cuda --compile",
        "exit": 0,
        "wall_seconds": 150.0,
        "summary": {"final": {"val": 1.46}, "tokens_per_second": 1e6, "mfu": 0.2, "peak_flops": 989e12},
    },
    "torchrun": {"command": "torchrun ...", "exit": 0, "wall_seconds": 30.0},
    "generation": {
        "with_cache": {"tokens_per_second": 900.0},
        "without_cache": {"tokens_per_second": 300.0},
        "identical": True,
    },
}


def test_the_pages_include_the_table_drawn_from_the_records():
    tool = _tool()
    assert tool.TABLE.read_text(encoding="utf-8") == tool.render(tool.gpu_records()), (
        "run `python tools/gpu_check.py --render`"
    )
    for page in ("docs/chapters/12-scaling-up.md", "docs/appendix/benchmarks.md"):
        assert '--8<-- "docs/assets/runs/gpu_table.md"' in (ROOT / page).read_text(encoding="utf-8")


def test_with_no_record_the_table_says_so_plainly():
    assert _tool().render([]).startswith("*No GPU record yet.*")


def test_a_record_becomes_a_table_row_per_measurement():
    table = _tool().render([RECORD])
    assert "| | NVIDIA H200 |" in table and "| validation loss (200 batches) | 1.4600 |" in table
    assert "| MFU | 20.0% of 989 TFLOP/s |" in table and "| problems | none |" in table


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        (lambda r: r["tests"]["counts"].update(failed=1), "tests"),
        (lambda r: r["tests"].update(counts={"skipped": 6}), "tests"),
        (lambda r: r["train"].update(exit=124), "train"),
        (lambda r: r["torchrun"].update(exit=1), "torchrun"),
        (lambda r: r["generation"].update(identical=False), "generation"),
        (lambda r: r["errors"].update(generation="RuntimeError: CUDA out of memory"), "generation"),
    ],
)
def test_what_went_wrong_is_flagged(change, flagged):
    tool = _tool()
    broken = copy.deepcopy(RECORD)
    change(broken)
    found = tool.problems(broken)
    assert found and found[0].startswith(flagged)
    assert "| problems | none |" not in tool.render([broken])


def test_a_cut_off_record_still_renders():
    tool = _tool()
    partial = {k: v for k, v in copy.deepcopy(RECORD).items() if k not in ("train", "torchrun", "generation")}
    table = tool.render([partial])
    assert "| validation loss (200 batches) | — |" in table


def test_without_cuda_it_says_so_in_one_line_and_exits_0():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gpu_check.py")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.count("\n") == 1 and "no CUDA device" in done.stdout
