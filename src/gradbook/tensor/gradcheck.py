"""Finite-difference gradient checking for the tensor engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradbook.tensor.tensor import Tensor


# --8<-- [start:gradcheck]
def gradcheck(f: Callable[..., Tensor], inputs: Sequence[np.ndarray], eps: float = 1e-6,
              tol: float = 1e-6) -> float:
    """Compare backward's gradient of `f(*inputs).sum()` with central differences.

    Everything runs in float64: in float32 the rounding error of the difference
    quotient (about 10⁻⁷/ε) would swamp the comparison.
    Returns the worst relative error; raises `AssertionError` above `tol`.
    """
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    tensors = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    f(*tensors).sum().backward()
    worst = 0.0
    for k, (a, t) in enumerate(zip(arrays, tensors)):
        analytic = np.zeros_like(a) if t.grad is None else t.grad
        numeric = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            plus = f(*[Tensor(x, dtype=np.float64) for x in arrays]).data.sum()
            a[i] = old - eps
            minus = f(*[Tensor(x, dtype=np.float64) for x in arrays]).data.sum()
            a[i] = old
            numeric[i] = (plus - minus) / (2 * eps)
        scale = np.maximum(1.0, np.abs(analytic) + np.abs(numeric))
        error = float(np.max(np.abs(analytic - numeric) / scale, initial=0.0))
        if error > tol:
            raise AssertionError(f"gradcheck: input {k} has relative error {error:.2e} > {tol:.0e}")
        worst = max(worst, error)
    return worst
# --8<-- [end:gradcheck]
