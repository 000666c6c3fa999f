"""Chapter 9: the target run, the MLP language model with BatchNorm on names.txt, timed.

One real run of ``gradbook names train`` with its defaults (context 3, the
configuration in ``gradbook.names.mlp``: ``MLPConfig`` and ``TrainConfig``), started as
a reader would start it, on one thread: for a model this small, a second thread costs
more in hand-offs than it gains. The chapter's target is a dev loss of at most 2.10
nats per character in at most two minutes of training on a 2-core machine. Train,
dev and test losses are over the whole of each split, in eval mode (BatchNorm's
running statistics); the test set is scored only here, once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THREADS = 1
TARGET_DEV, TARGET_SECONDS = 2.10, 120.0


def _run(out: Path) -> dict:
    from gradbook.names.checkpoint import load_model
    from gradbook.names.metrics import bits_per_char, perplexity

    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS)}
    cmd = [sys.executable, "-m", "gradbook.cli", "names", "train", "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    model, info = load_model(out)
    c = model.config
    return {
        "model": f"MLP + BatchNorm: context {c.block_size}, embedding {c.emb_dim}, "
        f"{c.layers} × {c.hidden} tanh",
        "steps": int(info["steps"]),
        "seconds": info["seconds"],
        "wall": wall,
        "train": info["train_loss"],
        "dev": info["dev_loss"],
        "test": info["test_loss"],
        "dev_bits": bits_per_char(info["dev_loss"]),
        "dev_ppl": perplexity(info["dev_loss"]),
        "met": "yes" if info["dev_loss"] <= TARGET_DEV and info["seconds"] <= TARGET_SECONDS else "NO",
    }


def REPORT() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        row = _run(Path(tmp) / "names-model")
    return {
        "columns": [
            ["model", "model", "{}"],
            ["steps", "steps", "{:,}"],
            ["training s", "seconds", "{:.0f}"],
            ["whole command s", "wall", "{:.0f}"],
            ["train nats/char", "train", "{:.3f}"],
            ["dev nats/char", "dev", "{:.3f}"],
            ["test nats/char", "test", "{:.3f}"],
            ["dev bits/char", "dev_bits", "{:.3f}"],
            ["dev perplexity", "dev_ppl", "{:.2f}"],
            [f"target met (dev ≤ {TARGET_DEV:.2f}, ≤ {TARGET_SECONDS:.0f} s)", "met", "{}"],
        ],
        "rows": [row],
        "note": f"Command: `OMP_NUM_THREADS={THREADS} gradbook names train` (its defaults: Adam, "
        "cosine decay, seed 0); training seconds exclude loading the data and scoring the splits.",
    }
