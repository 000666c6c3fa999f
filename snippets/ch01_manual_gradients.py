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

import numpy as np

from gradbook.figures import manual as drawings
from gradbook.figures import save_figure
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
#
# First the line of section 1: saved to `.npz`, loaded into a fresh `LinearParams`
# and asked about inputs it never saw. Then the memory model, the same way.

# %%
with tempfile.TemporaryDirectory() as tmp:
    fresh = load_params(save_params(Path(tmp) / "line.npz", result.params))
print(f"loaded: w = {fresh.w.item():.4f}, b = {fresh.b:.4f}")
new_x = np.array([[5.0], [10.0], [-2.5]])
for xi, yi in zip(new_x.ravel(), predict(new_x, fresh).ravel()):
    print(f"x = {xi:5.1f} -> y = {yi:6.3f}   (2x + 1 = {2 * xi + 1:5.1f})")

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = save_params(Path(tmp) / "memory_model.npz", memory.params)
    loaded = load_params(path)
new_sessions = np.array([[1.0, 0.5], [2.5, 1.5]])
for (hours, kcalls), pred in zip(new_sessions, predict(new_sessions, loaded).ravel()):
    print(f"{hours:.1f} h, {kcalls * 1000:4.0f} calls -> {pred:.2f} GB")

# %% [markdown]
# ## 5. Figures: the falling loss, and the line finding the points
#
# Each figure is two files: the numbers it shows (`ch01_*.json`) and their drawing
# (`ch01_*.svg`, by a function of `gradbook.figures.manual`).

# %%
loss_data = {"losses": result.losses, "lr": 0.1}
print("saved", save_figure("ch01_loss", loss_data, drawings.loss).name)

# %%
snapshots = [{"epoch": epoch, "w": params.w.item(), "b": params.b}
             for epoch, params in result.snapshots.items()]
fit_data = {"x": x.ravel(), "y": y.ravel(), "x_range": [0.0, 5.0], "snapshots": snapshots}
print("saved", save_figure("ch01_fit", fit_data, drawings.fit).name)
