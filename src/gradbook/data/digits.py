"""The 8×8 handwritten digits that ship with scikit-learn, split and scaled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    """Train and test arrays: images as ``float32`` in [0, 1], labels as ``int64``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


# --8<-- [start:digits]
def load_digits(test_fraction: float = 0.2, seed: int = 0, images: bool = False) -> Split:
    """1,797 handwritten digits (8×8 pixels, each a count from 0 to 16), split train/test.

    The data are the UCI "Optical Recognition of Handwritten Digits" test set,
    shipped inside scikit-learn. Pixels are scaled to [0, 1]. A seeded shuffle
    puts ``test_fraction`` of the images in the test set. With ``images=True``
    the inputs have shape ``(N, 1, 8, 8)`` (for convolutions), else ``(N, 64)``.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    from sklearn.datasets import load_digits as sklearn_digits

    X, y = sklearn_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    y = y.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = round(len(X) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    if images:
        X = X.reshape(-1, 1, 8, 8)
    return Split(X[train], y[train], X[test], y[test])
# --8<-- [end:digits]
