"""The 8×8 handwritten digits that ship with scikit-learn, split and scaled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    """Images as `float32` in [0, 1], labels as `int64`: training, test, and
    (when one was asked for) validation arrays; `X_val` and `y_val` are `None`
    otherwise."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None


# --8<-- [start:digits]
def load_digits(test_fraction: float = 0.2, seed: int = 0, images: bool = False,
                validation_fraction: float = 0.0) -> Split:
    """1,797 handwritten digits (8×8 pixels, each a count from 0 to 16), split.

    The data are the UCI "Optical Recognition of Handwritten Digits" test set,
    shipped inside scikit-learn. Pixels are scaled to [0, 1]. A seeded shuffle
    puts `test_fraction` of the images in the test set and, if
    `validation_fraction` is above 0, that share of all the images in a
    validation set, taken from what would otherwise be training images: the test
    set is the same with or without one. With `images=True` the inputs have
    shape `(N, 1, 8, 8)` (for convolutions), else `(N, 64)`.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    if not 0 <= validation_fraction < 1 - test_fraction:
        raise ValueError(f"validation_fraction must be at least 0 and leave training images "
                         f"beside test_fraction={test_fraction}, got {validation_fraction}")
    from sklearn.datasets import load_digits as sklearn_digits

    X, y = sklearn_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    y = y.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = round(len(X) * test_fraction)
    n_val = round(len(X) * validation_fraction)
    test, val, train = np.split(order, [n_test, n_test + n_val])
    if images:
        X = X.reshape(-1, 1, 8, 8)
    if not n_val:
        return Split(X[train], y[train], X[test], y[test])
    return Split(X[train], y[train], X[test], y[test], X[val], y[val])
# --8<-- [end:digits]
