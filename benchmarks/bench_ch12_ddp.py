"""Chapter 12: the Tiny GPT's cpu preset on one process and on two (torchrun, Gloo), on this CPU.

Each row is a real run of ``gradbook gpt train`` for the same number of steps with
the same global batch (12 blocks of 64 characters per step), started as a reader
would start it. Throughput is measured by the training loop (evaluations
excluded); the validation loss is the final one over 200 batches. On a machine
with only a couple of cores, two processes share the same cores one process
would use, so this table measures the cost of the machinery (a gradient
all-reduce every step), not a speed-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS = 500


def _run(processes: int, threads: int, out: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    args = [
        "gpt",
        "train",
        "--preset",
        "cpu",
        "--device",
        "cpu",
        "--max-iters",
        str(STEPS),
        "--out",
        str(out),
    ]
    if processes == 1:
        cmd = [sys.executable, "-m", "gradbook.cli", *args]
    else:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            str(processes),
            "-m",
            "gradbook.cli",
            *args,
        ]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    summary = json.loads((out / "summary.json").read_text())
    launch = (
        "gradbook gpt train"
        if processes == 1
        else f"torchrun --standalone --nproc_per_node {processes} -m gradbook.cli gpt train"
    )
    return {
        "setup": f"{processes} process{'es' if processes > 1 else ''} × {threads} "
        f"thread{'s' if threads > 1 else ''}",
        "command": f"`OMP_NUM_THREADS={threads} {launch} --preset cpu --device cpu "
        f"--max-iters {STEPS} --out {out.name}`",
        "processes": processes,
        "grad_accum": summary["grad_accum"],
        "tokens_per_second": summary["tokens_per_second"],
        "val": summary["final"]["val"],
        "mfu": summary["mfu"],
    }


def REPORT() -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (processes, threads) in enumerate([(1, 2), (1, 1), (2, 1)]):
            rows.append(_run(processes, threads, Path(tmp) / f"run{i}"))
    base = rows[0]["tokens_per_second"]
    for row in rows:
        row["relative"] = row["tokens_per_second"] / base
    return {
        "columns": [
            ["setup", "setup", "{}"],
            ["micro-batches per step", "grad_accum", "{}"],
            ["training tokens/s", "tokens_per_second", "{:,.0f}"],
            ["vs. first row", "relative", "{:.2f}×"],
            [f"val loss after {STEPS} steps", "val", "{:.3f}"],
            ["MFU (of measured matmul peak)", "mfu", "{:.0%}"],
        ],
        "rows": rows,
        "note": f"Every run: {STEPS} steps of the cpu preset, 12 blocks per step. Commands, "
        "row by row: " + "; ".join(row["command"] for row in rows) + ".",
    }
