"""Chapter 9: the chapter's models on the dev names, and the target run, timed.

One real run of ``gradbook names train`` with its defaults (context 3, the
configuration in ``gradbook.names.mlp``: ``MLPConfig`` and ``TrainConfig``), started as
a reader would start it, on one thread: for a model this small, a second thread costs
more in hand-offs than it gains. The chapter's target is a dev loss of at most 2.10
nats per character in at most two minutes of training on a 2-core machine. Train,
dev and test losses are over the whole of each split, in eval mode (BatchNorm's
running statistics); the test set is scored only here, once, for the full run. Before
it: the counting and neural bigrams on all training names, and shorter runs of the
same command with other sizes, with and without BatchNorm.
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


def _cli(*args: str) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS)}
    cmd = [sys.executable, "-m", "gradbook.cli", "names", *args]
    return subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout


def _mlp_row(out: Path, label: str, *options: str, final: bool = False) -> dict:
    """One `gradbook names train` run; train and dev loss (test only for the final run)."""
    from gradbook.names.checkpoint import load_model
    from gradbook.names.metrics import bits_per_char

    start = time.perf_counter()
    _cli("train", "--out", str(out), *options)
    wall = time.perf_counter() - start
    _, info = load_model(out)
    dev = info["dev_loss"]
    met = dev <= TARGET_DEV and info["seconds"] <= TARGET_SECONDS
    return {
        "model": label,
        "steps": f"{int(info['steps']):,}",
        "seconds": f"{info['seconds']:.0f}",
        "wall": f"{wall:.0f}",
        "train": info["train_loss"],
        "dev": dev,
        "test": f"{info['test_loss']:.3f}" if final else "—",
        "dev_bits": bits_per_char(dev),
        "met": ("yes" if met else "NO") if final else "—",
    }


def _bigram_rows() -> list[dict]:
    """The counting model and the one-hot network, on all training names, scored on dev."""
    import torch

    from gradbook.names import bigram
    from gradbook.names.data import find_names, load_names, split_names
    from gradbook.names.metrics import bits_per_char

    torch.set_num_threads(THREADS)
    split = split_names(load_names(find_names()))
    start = time.perf_counter()
    P = bigram.bigram_probs(bigram.count_bigrams(split.train), smoothing=1)
    counted = time.perf_counter() - start
    start = time.perf_counter()
    W, losses = bigram.train_neural_bigram(split.train, steps=NEURAL_STEPS, lr=50.0)
    trained = time.perf_counter() - start
    rows = []
    for label, probs, steps, seconds in (
        ("counting bigram, add-one smoothing", P, "—", counted),
        (
            "neural bigram (one-hot × W), gradient descent at 50",
            bigram.neural_bigram_probs(W),
            f"{NEURAL_STEPS:,}",
            trained,
        ),
    ):
        dev = bigram.bigram_nll(probs, split.dev)
        rows.append(
            {
                "model": label,
                "steps": steps,
                "seconds": f"{seconds:.0f}",
                "wall": "—",
                "train": bigram.bigram_nll(probs, split.train),
                "dev": dev,
                "test": "—",
                "dev_bits": bits_per_char(dev),
                "met": "—",
            }
        )
    return rows


# Shorter runs of the same command at other sizes, with and without BatchNorm: how
# train and dev losses move with the size of the model.
SWEEP_STEPS = 10_000
SWEEP = [
    ("MLP + BatchNorm: embedding 2, 1 × 50 tanh", "--emb-dim", "2", "--hidden", "50"),
    ("MLP + BatchNorm: embedding 10, 1 × 200 tanh", "--emb-dim", "10", "--hidden", "200"),
    ("MLP, no BatchNorm: embedding 10, 1 × 200 tanh", "--emb-dim", "10", "--hidden", "200", "--no-batchnorm"),
]
NEURAL_STEPS = 300
SAMPLES = 8


def REPORT() -> dict:
    rows = _bigram_rows()
    with tempfile.TemporaryDirectory() as tmp:
        for label, *options in SWEEP:
            rows.append(
                _mlp_row(
                    Path(tmp) / "sweep",
                    f"{label}, {SWEEP_STEPS:,} steps",
                    "--steps",
                    str(SWEEP_STEPS),
                    *options,
                )
            )
        out = Path(tmp) / "names-model"
        from gradbook.names.mlp import MLPConfig

        c = MLPConfig()
        rows.append(
            _mlp_row(
                out,
                f"MLP + BatchNorm: context {c.block_size}, embedding "
                f"{c.emb_dim}, {c.layers} × {c.hidden} tanh (the full run)",
                final=True,
            )
        )
        samples = _cli("sample", "--checkpoint", str(out), "--num", str(SAMPLES), "--seed", "0").split()
    return {
        "columns": [
            ["model", "model", "{}"],
            ["steps", "steps", "{}"],
            ["training s", "seconds", "{}"],
            ["whole command s", "wall", "{}"],
            ["train nats/char", "train", "{:.3f}"],
            ["dev nats/char", "dev", "{:.3f}"],
            ["test nats/char", "test", "{}"],
            ["dev bits/char", "dev_bits", "{:.3f}"],
            [f"target met (dev ≤ {TARGET_DEV:.2f}, ≤ {TARGET_SECONDS:.0f} s)", "met", "{}"],
        ],
        "rows": rows,
        "note": f"MLP rows: `OMP_NUM_THREADS={THREADS} gradbook names train` with the options "
        "named (defaults otherwise: context 3, batch 128, Adam with cosine decay, seed 0); "
        "training seconds exclude loading the data and scoring the splits; the test names "
        f"are scored for the full run only. `gradbook names sample --num {SAMPLES} --seed 0` "
        f"on the full run's model printed: {', '.join(samples)}.",
    }
