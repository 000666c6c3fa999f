"""Chapter 4: why vectorise — the same MLP step on the scalar engine and the tensor engine.

The moons MLP(2, [16, 16, 1]) with the max-margin loss over all 100 points:
100 steps of forward, backward and an SGD update, first with one `Value` per number
(Chapter 3), then with one `Tensor` per layer (Chapter 4). Same initial weights,
same data; the two must produce the same loss before their times are compared.
"""

from __future__ import annotations

import numpy as np
from run import Case

from gradbook.data import make_moons
from gradbook.scalar.nn import MLP
from gradbook.scalar.train import max_margin_loss
from gradbook.tensor import Tensor

X, Y = make_moons(100, noise=0.1, seed=0)
ALPHA, LR = 1e-4, 0.1
scalar_model = MLP(2, [16, 16, 1], seed=0)

# The same weights as float64 matrices: column j of W holds neuron j's weights.
weights = []
for layer in scalar_model.layers:
    W = np.array([[w.data for w in n.w] for n in layer.neurons]).T
    b = np.array([n.b.data for n in layer.neurons])
    weights += [Tensor(W, True, np.float64), Tensor(b, True, np.float64)]
X_t, Y_t = Tensor(X, dtype=np.float64), Tensor(Y.reshape(-1, 1), dtype=np.float64)


def scalar_step() -> float:
    loss, _ = max_margin_loss(scalar_model, X.tolist(), Y.tolist(), ALPHA)
    scalar_model.zero_grad()
    loss.backward()
    for p in scalar_model.parameters():
        p.data -= LR * p.grad
    return loss.data


def tensor_step() -> float:
    h = X_t
    for i in range(0, len(weights), 2):
        h = h @ weights[i] + weights[i + 1]
        if i < len(weights) - 2:
            h = h.relu()
    data_loss = (1.0 - Y_t * h).relu().mean()
    reg = sum((w * w).sum() for w in weights) * ALPHA
    loss = data_loss + reg
    for w in weights:
        w.grad = None
    loss.backward()
    for w in weights:
        w.data -= LR * w.grad
    return loss.item()


def same_loss(tensor_loss: float, scalar_loss: float) -> None:
    if abs(tensor_loss - scalar_loss) > 1e-6:  # same steps; sums round differently
        raise AssertionError(f"losses differ: tensor {tensor_loss!r}, scalar {scalar_loss!r}")


# Timed as Chapter 3 times its training against micrograd: one run of 100 steps on
# each engine, every step counted (the garbage collector's pauses included), reported
# per step. The scalar time is then Chapter 3's run divided by 100, up to the noise
# of one run, where the fastest of a few single steps would be well below it.
STEPS = 100

CASES = [
    Case(
        name=f"ch04 moons MLP step, tensor vs scalar engine (mean of {STEPS})",
        ours=tensor_step,
        reference=scalar_step,
        reference_name="gradbook.scalar (one Value per number)",
        repeats=1,
        number=STEPS,
        warmup=False,
        check=same_loss,
    ),
]
