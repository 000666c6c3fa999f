"""Chapter 8: data-loader throughput — PyTorch's DataLoader with 0 and 2 workers, and ours.

Each example is parsed from a line of text, a stand-in for the per-example work
(decoding, augmenting) that worker processes exist to overlap. Two sizes: light
examples (64 numbers) and heavy ones (the same line parsed and smoothed 16 times
over, about ten times the work per example). One shuffled epoch in batches of 64;
every loader must serve every example before the times are compared.
"""

from __future__ import annotations

import numpy as np
import torch
from run import Case
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import Dataset

from gradbook.data.loader import DataLoader

N, WIDTH, BATCH = 20_000, 64, 64
_rng = np.random.default_rng(0)
LINES = [",".join(f"{v:.5f}" for v in row) for row in _rng.standard_normal((N, WIDTH))]
LABELS = _rng.integers(0, 10, N)


class CsvLines(Dataset):
    def __init__(self, repeats: int = 1):
        self.repeats = repeats  # how much work one example costs

    def __len__(self) -> int:
        return N

    def __getitem__(self, i: int):
        x = np.zeros(WIDTH, dtype=np.float32)
        for _ in range(self.repeats):
            x += np.array([float(v) for v in LINES[i].split(",")], dtype=np.float32)
            x = np.convolve(x, np.ones(3, dtype=np.float32) / 3, mode="same")
        return x, LABELS[i]


def epoch(loader) -> int:
    return sum(len(y) for _, y in loader)


def torch_loader(workers: int, repeats: int = 1):
    return TorchLoader(
        CsvLines(repeats),
        batch_size=BATCH,
        shuffle=True,
        num_workers=workers,
        generator=torch.Generator().manual_seed(0),
        persistent_workers=workers > 0,
    )


def same_count(a: int, b: int) -> None:
    if a != b or a != N:
        raise AssertionError(f"loaders served {a} and {b} examples, expected {N}")


two_workers, no_workers = torch_loader(2), torch_loader(0)
two_heavy, no_heavy = torch_loader(2, repeats=16), torch_loader(0, repeats=16)
ours = DataLoader(CsvLines(), batch_size=BATCH, shuffle=True, rng=0)

CASES = [
    Case(
        name="ch08 light examples: 2 workers vs 0",
        ours=lambda: epoch(two_workers),
        reference=lambda: epoch(no_workers),
        reference_name="torch DataLoader, num_workers=0",
        repeats=3,
        check=same_count,
    ),
    Case(
        name="ch08 heavy examples: 2 workers vs 0",
        ours=lambda: epoch(two_heavy),
        reference=lambda: epoch(no_heavy),
        reference_name="torch DataLoader, num_workers=0",
        repeats=2,
        check=same_count,
    ),
    Case(
        name="ch08 light examples: gradbook DataLoader vs torch",
        ours=lambda: epoch(ours),
        reference=lambda: epoch(no_workers),
        reference_name="torch DataLoader, num_workers=0",
        repeats=3,
        check=same_count,
    ),
]
