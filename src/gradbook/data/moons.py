"""Two interleaving half circles: the classic small data set a line cannot separate."""

from __future__ import annotations

import numpy as np


# --8<-- [start:moons]
def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """`n_samples` points on two half circles, labels `+1` and `-1`.

    The upper moon is the half circle of radius 1 around (0, 0); the lower one is
    the same arc flipped and shifted to (1, 0.5). Gaussian noise of standard
    deviation `noise` is added to every coordinate. Returns `X` of shape
    `(n_samples, 2)` and `y` of shape `(n_samples,)`, shuffled; the same
    `seed` always gives the same points.
    """
    if n_samples < 2:
        raise ValueError(f"need at least 2 samples, one per moon; got {n_samples}")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and cannot be negative; got {noise}")
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.ones(n_upper), -np.ones(n_lower)])
    order = rng.permutation(n_samples)
    X = X[order] + rng.normal(0.0, noise, size=X.shape)
    return X, y[order]
# --8<-- [end:moons]
