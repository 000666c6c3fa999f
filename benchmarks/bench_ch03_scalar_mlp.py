"""Chapter 3: training the moons MLP with our engine against PyPI's micrograd 0.1.0.

Same data, same initial weights (copied from ours into micrograd's model), same
loss, same 100 full-batch steps with the same learning-rate schedule. Both runs
must end at the same loss (to 1e-6) before their times are compared.
"""

from __future__ import annotations

from micrograd.engine import Value as MGValue
from micrograd.nn import MLP as MGMLP
from run import Case

from gradbook.data import make_moons
from gradbook.scalar.nn import MLP
from gradbook.scalar.train import fit, linear_decay

STEPS, ALPHA, SEED = 100, 1e-4, 0
X, Y = make_moons(100, noise=0.1, seed=0)
X, Y = X.tolist(), Y.tolist()


def ours() -> float:
    model = MLP(2, [16, 16, 1], seed=SEED)
    return fit(model, X, Y, steps=STEPS, alpha=ALPHA).losses[-1]


def micrograd_model() -> MGMLP:
    model = MGMLP(2, [16, 16, 1])
    for theirs, mine in zip(model.parameters(), MLP(2, [16, 16, 1], seed=SEED).parameters(), strict=True):
        theirs.data = mine.data
    return model


def micrograd() -> float:
    """The same training loop, written against micrograd's API."""
    model = micrograd_model()
    loss = None
    for step in range(STEPS):
        scores = [model([MGValue(a), MGValue(b)]) for a, b in X]
        margins = [(1 + -yi * s).relu() for yi, s in zip(Y, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        lr = linear_decay(step, STEPS)
        for p in model.parameters():
            p.data -= lr * p.grad
    return loss.data


def same_final_loss(ours_loss: float, theirs_loss: float) -> None:
    if abs(ours_loss - theirs_loss) > 1e-6:
        raise AssertionError(f"final losses differ: ours {ours_loss!r}, micrograd {theirs_loss!r}")
    print(f"  final loss: ours {ours_loss:.9f}, micrograd {theirs_loss:.9f}")


CASES = [
    Case(
        name="ch03 moons MLP(2,[16,16,1]), 100 SGD steps",
        ours=ours,
        reference=micrograd,
        reference_name="micrograd 0.1.0, same data, weights and steps",
        # micrograd needs about 1.5 minutes per run on a laptop-class core: one run each.
        repeats=1,
        warmup=False,
        check=same_final_loss,
    ),
]
