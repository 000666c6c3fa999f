"""Training a scalar-engine classifier: the max-margin loss and SGD, step by step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gradbook.scalar.engine import Value
from gradbook.scalar.nn import MLP


# --8<-- [start:loss]
def score(model: MLP, x: Sequence[float]) -> Value:
    """The model's one output for the point `x`: its score."""
    out = model(list(x))
    if isinstance(out, list):
        raise ValueError(f"a classifier gives one score, but this model has {len(out)} outputs")
    return out


def max_margin_loss(model: MLP, X: Sequence[Sequence[float]], y: Sequence[float],
                    alpha: float = 1e-4) -> tuple[Value, float]:
    """The SVM ("hinge") loss plus L2 regularisation, and the accuracy.

        L = (1/n) Σ_i max(0, 1 − y_i s_i) + α Σ_j p_j²

    with labels y_i = ±1, scores s_i and parameters p_j. A point costs nothing
    once it is on the right side with a margin of at least 1.
    """
    scores = [score(model, x) for x in X]
    margins = [(1 - float(yi) * s).relu() for yi, s in zip(y, scores)]
    data_loss = Value.sum_of(margins) * (1.0 / len(margins))
    reg_loss = alpha * Value.sum_of(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(scores)
    return data_loss + reg_loss, accuracy
# --8<-- [end:loss]


# --8<-- [start:accuracy]
def accuracy_of(model: MLP, X: Sequence[Sequence[float]], y: Sequence[float]) -> float:
    """The fraction of points whose score has the sign of their label (no graph kept)."""
    scores = [score(model, x).data for x in X]
    return sum((yi > 0) == (s > 0) for yi, s in zip(y, scores)) / len(scores)
# --8<-- [end:accuracy]


# --8<-- [start:schedule]
def linear_decay(step: int, steps: int, start: float = 1.0, end: float = 0.1) -> float:
    """Learning rate falling in a straight line from `start` (first step) to `end` (last)."""
    if steps < 2:
        return start
    return start + (end - start) * step / (steps - 1)
# --8<-- [end:schedule]


@dataclass
class History:
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)


# --8<-- [start:fit]
def fit(model: MLP, X: Sequence[Sequence[float]], y: Sequence[float], steps: int = 100,
        lr_start: float = 1.0, lr_end: float = 0.1, alpha: float = 1e-4,
        log: Callable[[int, float, float], None] | None = None) -> History:
    """Full-batch gradient descent on `max_margin_loss`."""
    history = History()
    for step in range(steps):
        loss, accuracy = max_margin_loss(model, X, y, alpha)   # forward
        model.zero_grad()                                      # forget the last step
        loss.backward()                                        # backward
        lr = linear_decay(step, steps, lr_start, lr_end)
        for p in model.parameters():                           # update
            p.data -= lr * p.grad
        history.losses.append(loss.data)
        history.accuracies.append(accuracy)
        if log is not None:
            log(step, loss.data, accuracy)
    return history
# --8<-- [end:fit]
