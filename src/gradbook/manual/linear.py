"""A linear model trained by gradient descent, with every derivative written by hand.

The model maps a batch of inputs `X` (shape `(n, d)`: `n` examples, `d`
features) to predictions

    ŷ = X w + b,

with weights `w` of shape `(d, 1)` and a scalar bias `b`. With `d = 1` this
is the familiar line ŷ = w x + b.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LinearParams:
    """The two things a linear model learns: weights `w` (`(d, 1)`) and bias `b`."""

    w: np.ndarray
    b: float

    @classmethod
    def zeros(cls, n_features: int) -> LinearParams:
        """Start from `w = 0, b = 0`: gradient descent needs no cleverer start here."""
        return cls(w=np.zeros((n_features, 1)), b=0.0)


def _check_shapes(X: np.ndarray, y: np.ndarray | None, params: LinearParams) -> None:
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (examples, features), got shape {X.shape}")
    if params.w.shape != (X.shape[1], 1):
        raise ValueError(
            f"w has shape {params.w.shape} but X has {X.shape[1]} feature(s); "
            f"expected w of shape ({X.shape[1]}, 1)"
        )
    if y is not None and y.shape != (X.shape[0], 1):
        raise ValueError(f"y must have shape ({X.shape[0]}, 1) to match X, got {y.shape}")


# --8<-- [start:predict]
def predict(X: np.ndarray, params: LinearParams) -> np.ndarray:
    """Predictions ŷ = Xw + b, one row per example, shape `(n, 1)`."""
    return X @ params.w + params.b
# --8<-- [end:predict]


# --8<-- [start:loss]
def mse_loss(y_pred: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error L = (1/n) Σᵢ (ŷᵢ − yᵢ)²."""
    return float(np.mean((y_pred - y) ** 2))
# --8<-- [end:loss]


# --8<-- [start:gradients]
def gradients(X: np.ndarray, y: np.ndarray, params: LinearParams) -> LinearParams:
    """The gradient of the MSE loss with respect to `w` and `b`.

    With the error e = ŷ − y, the chain rule gives

        ∂L/∂w = (2/n) Xᵀ e,    ∂L/∂b = (2/n) Σᵢ eᵢ.

    The result is returned as a `LinearParams` so that it lines up, entry for
    entry, with the parameters it will update.
    """
    _check_shapes(X, y, params)
    n = X.shape[0]
    error = predict(X, params) - y          # e, shape (n, 1)
    dw = (2.0 / n) * (X.T @ error)          # shape (d, 1), like w
    db = (2.0 / n) * float(np.sum(error))   # a number, like b
    return LinearParams(w=dw, b=db)
# --8<-- [end:gradients]


@dataclass
class FitResult:
    """What `fit` returns: the learned parameters and the story of training."""

    params: LinearParams
    losses: list[float] = field(default_factory=list)
    snapshots: dict[int, LinearParams] = field(default_factory=dict)


# --8<-- [start:fit]
def fit(
    X: np.ndarray,
    y: np.ndarray,
    lr: float = 0.1,
    epochs: int = 500,
    params: LinearParams | None = None,
    snapshot_epochs: tuple[int, ...] = (),
    log: Callable[[int, float], None] | None = None,
) -> FitResult:
    """Full-batch gradient descent: `epochs` times, step against the gradient.

    Each step is w ← w − η ∂L/∂w and b ← b − η ∂L/∂b, with learning rate
    η = `lr`. `losses[k]` is the loss *before* step `k`;
    `snapshots[k]` keeps a copy of the parameters at the epochs you ask for
    (epoch 0 is the starting point); `log(epoch, loss)` is called every epoch.
    """
    if lr <= 0:
        raise ValueError(f"learning rate must be positive, got {lr}")
    if epochs < 0:
        raise ValueError(f"epochs must be zero or more, got {epochs}")
    params = params or LinearParams.zeros(X.shape[1])
    _check_shapes(X, y, params)
    params = LinearParams(w=params.w.copy(), b=float(params.b))
    result = FitResult(params=params)
    for epoch in range(epochs + 1):
        if epoch in snapshot_epochs:
            result.snapshots[epoch] = LinearParams(w=params.w.copy(), b=params.b)
        with np.errstate(over="ignore", invalid="ignore"):  # we check the result below
            loss = mse_loss(predict(X, params), y)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"loss became {loss} at epoch {epoch}: the learning rate {lr} is too large"
            )
        result.losses.append(loss)
        if log is not None:
            log(epoch, loss)
        if epoch == epochs:
            break                              # the last entry only measures
        grad = gradients(X, y, params)
        params.w -= lr * grad.w
        params.b -= lr * grad.b
    return result
# --8<-- [end:fit]
