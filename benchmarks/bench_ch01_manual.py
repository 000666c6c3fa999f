"""Chapter 1: the vectorised gradient against the same formula in plain Python loops."""

from __future__ import annotations

import numpy as np
from run import Case

from gradbook.manual import LinearParams, gradients, make_memory_data

X, Y = make_memory_data(n=10_000, seed=0)
PARAMS = LinearParams(w=np.array([[0.3], [-0.2]]), b=0.1)
ROWS, TARGETS = X.tolist(), Y.ravel().tolist()
W, B = PARAMS.w.ravel().tolist(), PARAMS.b


def loop_gradients():
    """dL/dw and dL/db one example at a time, as you would write it by hand."""
    n = len(ROWS)
    dw = [0.0] * len(W)
    db = 0.0
    for row, target in zip(ROWS, TARGETS):
        error = sum(wj * xj for wj, xj in zip(W, row)) + B - target
        for j, xj in enumerate(row):
            dw[j] += 2.0 * error * xj / n
        db += 2.0 * error / n
    return dw, db


def check_same_answer():
    ours = gradients(X, Y, PARAMS)
    dw, db = loop_gradients()
    np.testing.assert_allclose(ours.w.ravel(), dw, rtol=1e-9)
    np.testing.assert_allclose(ours.b, db, rtol=1e-9)


check_same_answer()

CASES = [
    Case(
        name="ch01 MSE gradient, n=10,000, d=2",
        ours=lambda: gradients(X, Y, PARAMS),
        reference=loop_gradients,
        reference_name="the same formula in Python loops",
        number=20,
    ),
]
