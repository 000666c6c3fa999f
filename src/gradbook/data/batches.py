"""Mini-batches: the simplest data loader, one shuffled pass at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from gradbook.rng import Seed, as_generator


# --8<-- [start:batches]
def batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
            rng: Seed = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield `(X_batch, y_batch)` pairs covering the data once (one epoch).

    With `shuffle`, each call draws a new order from `rng`: pass the same
    generator every epoch for orders that differ from epoch to epoch but repeat
    from run to run (a seed repeats one order every epoch; `None` draws fresh
    ones). The last batch may be smaller.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.arange(len(X))
    if shuffle:
        order = as_generator(rng).permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
# --8<-- [end:batches]
