# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 3 — Neural nets from scalars
#
# Build neurons, layers and a multi-layer perceptron out of the scalar `Value`
# engine, train it to separate the two moons with a max-margin loss, draw its
# decision boundary, score it on a held-out test set, and count what the n-ary
# nodes save. Run it as a script (`python snippets/ch03_scalar_nn.py`) or open it
# as a notebook; it prints the numbers Chapter 3 quotes and draws its figures and
# diagrams.

# %%
import numpy as np

from gradbook.data import make_moons
from gradbook.figures import save_figure, save_text
from gradbook.figures import scalar as drawings
from gradbook.scalar import Value, topological_order
from gradbook.scalar.draw import to_mermaid
from gradbook.scalar.nn import MLP, Neuron
from gradbook.scalar.train import accuracy_of, fit, max_margin_loss

# %% [markdown]
# ## 1. One neuron, drawn by the engine
#
# A neuron with two inputs computes $\mathrm{relu}(b + w_1 x_1 + w_2 x_2)$. We
# make the inputs `Value`s too, so that the picture shows their gradients, run
# the neuron forward and backward, and let the library draw the graph. The
# weighted sum is a single `wsum` node with five children.

# %%
neuron = Neuron(2, rng=0)  # weights drawn from random.Random(0), bias 0
for w, name in zip(neuron.w, ("w1", "w2")):
    w.label = name
neuron.b.label = "b"
x = [Value(2.0, label="x1"), Value(-1.0, label="x2")]
out = neuron(x)
out.label, out.children[0].label = "out", "z"
out.backward()
print(f"out = {out.data:.4f}; dout/dw1 = {neuron.w[0].grad:.4f}, "
      f"dout/dx1 = {x[0].grad:.4f}")
print("saved", save_text(to_mermaid(out), "ch03_neuron.mmd").name)

# %% [markdown]
# The same neuron written the naive way, $((b + w_1 x_1) + w_2 x_2)$ with binary
# `+` and `*`, makes a longer chain: one `*` and one `+` node per input.

# %%
for v in (*neuron.parameters(), *x):
    v.grad = 0.0
act = neuron.b
for w, xi in zip(neuron.w, x):
    act = act + w * xi
naive_out = act.relu()
naive_out.label = "out"
naive_out.backward()
print(f"naive out = {naive_out.data:.4f}; dout/dw1 = {neuron.w[0].grad:.4f}, "
      f"dout/dx1 = {x[0].grad:.4f}")
print("saved", save_text(to_mermaid(naive_out), "ch03_neuron_naive.mmd").name)

# %% [markdown]
# ## 2. The two moons, and a test set
#
# 100 training points, labels $y = \pm 1$, noise 0.1, seed 0. The test set comes
# from the same generator with another seed: 200 points the model never trains on.
# The generator spaces its points evenly along each arc, so with another size they
# also sit at other places on the arcs, not only under other noise.

# %%
X, y = make_moons(100, noise=0.1, seed=0)
X_test, y_test = make_moons(200, noise=0.1, seed=1)
print("X:", X.shape, " y:", y.shape, " points per label:",
      {int(label): int((y == label).sum()) for label in (1, -1)})
print("X_test:", X_test.shape, " y_test:", y_test.shape)
moons = {"points": X, "labels": y.astype(int), "noise": 0.1, "seed": 0}
print("saved", save_figure("ch03_moons", moons, drawings.moons).name)

# %% [markdown]
# ## 3. The model: MLP(2, [16, 32, 1])
#
# Hidden layers of 16 and 32 ReLU neurons and one linear output, weights from seed 0.
# Parameters: $(2 \cdot 16 + 16) + (16 \cdot 32 + 32) + (32 \cdot 1 + 1) = 625$.

# %%
model = MLP(2, [16, 32, 1], seed=0)
print(model)
print(f"Number of parameters: {len(model.parameters())}")

# %% [markdown]
# ## 4. Training
#
# Max-margin loss with L2 regularisation ($\alpha = 10^{-4}$), full-batch gradient
# descent for 100 steps, learning rate falling linearly from 1.0 to 0.1. Each
# logged accuracy is measured before that step's update. Then the trained model
# scores the test set once.

# %%
Xs, ys = X.tolist(), y.tolist()  # plain Python floats for the scalar engine


def report(step: int, loss: float, accuracy: float) -> None:
    if step % 10 == 0:
        print(f"Step {step} loss {loss:.4f}, accuracy {accuracy:.0%}")


history = fit(model, Xs, ys, steps=100, lr_start=1.0, lr_end=0.1, alpha=1e-4,
              log=report)
final_loss, final_accuracy = max_margin_loss(model, Xs, ys, alpha=1e-4)
test_accuracy = accuracy_of(model, X_test.tolist(), y_test.tolist())
penalty = 1e-4 * sum(p.data ** 2 for p in model.parameters())
closest = min(yi * model(x).data for x, yi in zip(Xs, ys))
print(f"after training: loss {final_loss.data:.4f} (L2 penalty {penalty:.4f})")
print(f"training accuracy {final_accuracy:.0%}, test accuracy {test_accuracy:.0%}")
print(f"smallest y*s: {closest:.4f} (every training point at least a margin away)")

# %%
curves = {"losses": history.losses, "accuracies": history.accuracies}
print("saved", save_figure("ch03_training", curves, drawings.training).name)

# %% [markdown]
# ## 5. The decision boundary
#
# Evaluate the trained model on a 60 × 60 grid. The solid line is where the score
# is 0; the dashed lines, where it is $\pm 1$, are the edges of the margin. The
# test points are drawn hollow.

# %%
xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 60)
zs = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 60)
scores = np.array([[model([float(a), float(b)]).data for a in xs] for b in zs])
print(f"grid: {scores.size} points, "
      f"{np.mean(scores > 0):.0%} of them classified +1")
boundary = {"xs": xs, "zs": zs, "scores": scores, "points": X, "labels": y.astype(int),
            "test_points": X_test, "test_labels": y_test.astype(int),
            "steps": len(history.losses), "accuracy": final_accuracy,
            "test_accuracy": test_accuracy}
print("saved", save_figure("ch03_boundary", boundary, drawings.boundary).name)

# %% [markdown]
# ## 6. What the n-ary nodes save
#
# Count the nodes of the graph for one forward pass and for the whole loss, built
# with our `wsum`/`sum` nodes and with pairwise binary operations. Same numbers,
# same gradients, far fewer nodes.

# %%
def naive_neuron(neuron: Neuron, x: list) -> Value:
    act = neuron.b
    for w, xi in zip(neuron.w, x):
        act = act + w * xi
    return act.relu() if neuron.activation == "relu" else act


def naive_mlp(model: MLP, x: list) -> Value:
    for layer in model.layers:
        x = [naive_neuron(n, x) for n in layer.neurons]
    return x[0]


def naive_loss(model: MLP, X: list, y: list, alpha: float = 1e-4) -> Value:
    margins = [(1 - yi * naive_mlp(model, x)).relu() for x, yi in zip(X, y)]
    penalty = alpha * sum(p * p for p in model.parameters())
    return sum(margins) * (1.0 / len(margins)) + penalty


fresh = MLP(2, [16, 32, 1], seed=0)
pairs = [
    ("one input", fresh(Xs[0]), naive_mlp(fresh, Xs[0])),
    ("the loss over 100 points",
     max_margin_loss(fresh, Xs, ys)[0], naive_loss(fresh, Xs, ys)),
]
for name, ours, naive in pairs:
    print(f"{name}: ours {len(topological_order(ours)):,} nodes, "
          f"naive {len(topological_order(naive)):,} nodes")
