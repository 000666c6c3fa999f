"""Checking hand-derived gradients against finite differences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


# --8<-- [start:numerical_gradient]
def numerical_gradient(
    f: Callable[[np.ndarray], float], theta: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Estimate ∇f(θ) one coordinate at a time.

    The central difference

        ∂f/∂θᵢ ≈ (f(θ + ε eᵢ) − f(θ − ε eᵢ)) / 2ε

    has error O(ε²), against O(ε) for the
    one-sided difference. It needs two evaluations of `f` per coordinate, which is
    why we only use it to *check* gradients, never to train.
    """
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step.flat[i] = eps
        grad.flat[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad
# --8<-- [end:numerical_gradient]


# --8<-- [start:relative_error]
def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max over i of |aᵢ − bᵢ| / max(|aᵢ| + |bᵢ|, 10⁻¹²): scale-free agreement."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / denom))
# --8<-- [end:relative_error]
