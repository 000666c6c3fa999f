"""Mini-batches: the simplest data loader, one shuffled pass at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


# --8<-- [start:batches]
def batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
            rng: np.random.Generator | int | None = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    With ``shuffle``, the order is a fresh permutation on every call: pass the
    same ``Generator`` each epoch to get different but reproducible orders. The
    last batch may be smaller.
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.arange(len(X))
    if shuffle:
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
# --8<-- [end:batches]
