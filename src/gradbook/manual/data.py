"""The small data sets of Chapter 1, made by code so every reader gets the same numbers."""

from __future__ import annotations

import numpy as np


# --8<-- [start:line_data]
def line_data() -> tuple[np.ndarray, np.ndarray]:
    """Four points on the line y = 2x + 1, as columns of shape `(4, 1)`."""
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)
    y = 2 * x + 1
    return x, y
# --8<-- [end:line_data]


#: The weights `make_memory_data` hides in its data: GB per hour of session,
#: GB per thousand API calls, and the base memory in GB.
MEMORY_TRUE_W = (1.5, 0.8)
MEMORY_TRUE_B = 0.5


# --8<-- [start:memory_data]
def make_memory_data(
    n: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A server's memory use (GB) from session length (hours) and API calls (thousands).

    `memory = 1.5 * hours + 0.8 * kcalls + 0.5 + noise`, with Gaussian noise of
    standard deviation `noise`. Returns `X` of shape `(n, 2)` and `y` of
    shape `(n, 1)`. The same `seed` always gives the same data.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.0, 3.0, size=n)
    kcalls = rng.uniform(0.0, 2.0, size=n)
    X = np.column_stack([hours, kcalls])
    w = np.array(MEMORY_TRUE_W).reshape(-1, 1)
    y = X @ w + MEMORY_TRUE_B + rng.normal(0.0, noise, size=(n, 1))
    return X, y
# --8<-- [end:memory_data]
