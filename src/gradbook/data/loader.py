"""A data loader written from scratch: batching, shuffling, and collating.

`torch.utils.data.DataLoader` does this job (and more: worker processes,
pinned memory); Chapter 8 builds the core of it first, so that nothing it does is
magic, then checks that both produce the same batches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from gradbook.rng import as_generator


# --8<-- [start:dataset]
class ArrayDataset:
    """Rows of equally long arrays, served one example at a time: `ds[i] = (x_i, y_i)`."""

    def __init__(self, *arrays: np.ndarray):
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"arrays have different lengths: {[len(a) for a in arrays]}")
        self.arrays = arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: int) -> tuple:
        return tuple(a[i] for a in self.arrays)
# --8<-- [end:dataset]


# --8<-- [start:collate]
def default_collate(examples: list[Any]) -> Any:
    """Stack a list of examples into a batch, field by field.

    `[(x0, y0), (x1, y1)]` becomes `(stack([x0, x1]), stack([y0, y1]))`; numbers
    and arrays are stacked with numpy; tuples and dicts are collated recursively.
    """
    first = examples[0]
    if isinstance(first, tuple | list):
        fields = [default_collate(list(field)) for field in zip(*examples)]
        return type(first)(*fields) if hasattr(first, "_fields") else type(first)(fields)
    if isinstance(first, dict):
        return {key: default_collate([e[key] for e in examples]) for key in first}
    return np.stack([np.asarray(e) for e in examples])
# --8<-- [end:collate]


# --8<-- [start:loader]
class DataLoader:
    """Iterate over a dataset in batches; a new shuffled order every epoch.

    `dataset` is anything with `len()` and `[i]`. With `shuffle`, each
    `iter()` draws a fresh permutation from `rng` (a seed or a numpy
    `Generator`), so epochs differ from one another but a run is reproducible.
    `drop_last` drops a final batch smaller than `batch_size`.
    """

    def __init__(self, dataset: Sequence, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable[[list], Any] = default_collate,
                 rng: np.random.Generator | int | None = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.collate_fn = shuffle, drop_last, collate_fn
        self.rng = as_generator(rng)

    def order(self) -> np.ndarray:
        """The indices of one epoch, in the order they will be served."""
        n = len(self.dataset)
        return self.rng.permutation(n) if self.shuffle else np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        order = self.order()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            batch = order[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in batch])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
# --8<-- [end:loader]
