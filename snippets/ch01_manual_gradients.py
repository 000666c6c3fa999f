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
# # Lab 1 — Manual gradients
#
# Learn the line $y = 2x + 1$ from four points with gradients derived by hand,
# check those gradients numerically, fit a two-feature model, and save, load and
# predict. Run it as a script (`python snippets/ch01_manual_gradients.py`) or open
# it as a notebook; it prints the numbers Chapter 1 quotes and draws its figures.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from gradbook.figures import save_svg
from gradbook.manual import (
    LinearParams,
    fit,
    gradients,
    line_data,
    load_params,
    make_memory_data,
    mse_loss,
    numerical_gradient,
    predict,
    relative_error,
    save_params,
)

# %% [markdown]
# ## 1. Fit $y = wx + b$ by gradient descent
#
# Learning rate 0.1, 500 epochs, starting from $w = b = 0$.

# %%
x, y = line_data()
SNAPSHOTS = (0, 2, 10, 500)


def report(epoch: int, loss: float) -> None:
    if epoch % 100 == 0:
        print(f"epoch {epoch:3d}  loss {loss:.3e}")


result = fit(x, y, lr=0.1, epochs=500, snapshot_epochs=SNAPSHOTS, log=report)
w, b = result.params.w.item(), result.params.b
print(f"learned w = {w:.4f}, b = {b:.4f}")

# %% [markdown]
# ## 2. Check the hand-derived gradients numerically
#
# At an arbitrary point $(w, b) = (0.5, -0.3)$, compare the formula with central
# differences.

# %%
point = np.array([0.5, -0.3])


def loss_at(theta: np.ndarray) -> float:
    params = LinearParams(w=theta[:1].reshape(1, 1), b=theta[1])
    return mse_loss(predict(x, params), y)


analytic = gradients(x, y, LinearParams(w=point[:1].reshape(1, 1), b=point[1]))
analytic = np.array([analytic.w.item(), analytic.b])
numeric = numerical_gradient(loss_at, point)
print("analytic gradient:", np.round(analytic, 6))
print("numerical gradient:", np.round(numeric, 6))
print(f"relative error: {relative_error(analytic, numeric):.1e}")

# %% [markdown]
# ## 3. Two inputs: memory from session length and API calls
#
# The same code, now with a matrix of features. The data hide the weights
# $w = (1.5, 0.8)$ and $b = 0.5$; least squares gives the best any linear model
# can do on this noisy sample.

# %%
X, Y = make_memory_data(n=100, noise=0.1, seed=0)
memory = fit(X, Y, lr=0.1, epochs=1000)
w1, w2 = memory.params.w.ravel()
print(f"gradient descent: w1 = {w1:.3f}, w2 = {w2:.3f}, b = {memory.params.b:.3f}")
A = np.column_stack([X, np.ones(len(X))])
best = np.linalg.lstsq(A, Y, rcond=None)[0].ravel()
print(f"least squares:    w1 = {best[0]:.3f}, w2 = {best[1]:.3f}, b = {best[2]:.3f}")

# %% [markdown]
# ## 4. Save, load, predict

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = save_params(Path(tmp) / "memory_model.npz", memory.params)
    loaded = load_params(path)
new_sessions = np.array([[1.0, 0.5], [2.5, 1.5]])
for (hours, kcalls), pred in zip(new_sessions, predict(new_sessions, loaded).ravel()):
    print(f"{hours:.1f} h, {kcalls * 1000:4.0f} calls -> {pred:.2f} GB")

# %% [markdown]
# ## 5. Figures: the falling loss, and the line finding the points

# %%
fig, ax = plt.subplots()
ax.semilogy(result.losses)
ax.set_xlabel("epoch")
ax.set_ylabel("MSE loss (log scale)")
ax.set_title("Gradient descent on y = 2x + 1, learning rate 0.1")
print("saved", save_svg(fig, "ch01_loss.svg").name)

# %%
fig, ax = plt.subplots()
grid = np.linspace(0, 5, 50).reshape(-1, 1)
for epoch, params in result.snapshots.items():
    label = f"epoch {epoch}: w={params.w.item():.2f}, b={params.b:.2f}"
    ax.plot(grid.ravel(), predict(grid, params).ravel(), label=label)
ax.scatter(x.ravel(), y.ravel(), color="black", zorder=3, label="data")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("The fitted line during training")
ax.legend()
print("saved", save_svg(fig, "ch01_fit.svg").name)
