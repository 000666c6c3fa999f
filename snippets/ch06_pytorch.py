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
# # Lab 6 — PyTorch
#
# The ideas of Chapters 1–5, written with PyTorch: autograd on Chapter 1's line,
# `nn.Linear` with `torch.optim`, a hidden layer that bends, XOR, saving weights
# safely, choosing a device, and our own engine racing PyTorch from identical
# weights. Run it as a script (`python snippets/ch06_pytorch.py`) or open it as a
# notebook; it prints the numbers Chapter 6 quotes and draws its three figures.

# %%
import copy
import pickle
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

import gradbook.figures.pytorch as drawings
from gradbook.data import load_digits
from gradbook.device import pick
from gradbook.errors import CheckpointError
from gradbook.figures import save_figure
from gradbook.manual import fit, line_data, make_memory_data
from gradbook.pytorch.classify import XOR_X, XOR_Y, load_weights, mlp, save_weights, train, train_xor
from gradbook.pytorch.memory import Scaler, line_in_units, make_sessions, memory_mb, rmse
from gradbook.pytorch.regression import as_tensors, fit_by_hand, fit_module
from gradbook.pytorch.side_by_side import train_ours, train_torch, twin_models

_ = torch.manual_seed(0)   # the few random draws below are the same on every run

# %% [markdown]
# ## 1. Autograd on Chapter 1's line
#
# Tensors created with `requires_grad=True` record every operation done with them;
# `loss.backward()` walks that record backwards and leaves $\partial L/\partial w$
# in `w.grad`. At $w = b = 0$ we should get Chapter 1's hand-derived $-35$ and $-12$.

# %%
x, y = as_tensors(*line_data())          # float64, like Chapter 1's numpy arrays
w = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
loss = ((x @ w + b - y) ** 2).mean()
loss.backward()
print(f"loss {loss.item():.1f}, dL/dw = {w.grad.item():.1f}, dL/db = {b.grad.item():.1f}")

# %% [markdown]
# Now the whole of Chapter 1's training run, 500 epochs at learning rate 0.1, with
# autograd computing the gradients and us doing the update by hand. Chapter 1's
# numpy version runs beside it: the two loss curves should be the same numbers.

# %%
chapter1 = fit(*line_data(), lr=0.1, epochs=500)
w, b, by_hand = fit_by_hand(x, y, lr=0.1, epochs=500)
final = ((x @ w + b - y) ** 2).mean().item()
gap = np.max(np.abs(np.array(chapter1.losses[:500]) - np.array(by_hand)))
print(f"Chapter 1 (numpy):  w = {chapter1.params.w.item():.6f}, b = {chapter1.params.b:.6f}, "
      f"final loss {chapter1.losses[-1]:.3e}")
print(f"PyTorch (autograd): w = {w.item():.6f}, b = {b.item():.6f}, final loss {final:.3e}")
print(f"largest difference between the loss curves: {gap:.1e}")

# %% [markdown]
# ## 2. Modules and optimizers
#
# The same model as a module, trained by an optimizer. SGD retraces the by-hand
# loop; Adam, with the same learning rate, takes a different path.

# %%
line_models = {}
for name in ("sgd", "adam"):
    model, losses = fit_module(x, y, name, lr=0.1, epochs=500)
    line_models[name] = model
    print(f"{name:4s}: w = {model.weight.item():.4f}, b = {model.bias.item():.4f}, "
          f"loss at epoch 10 {losses[10]:.2e}, at epoch 499 {losses[-1]:.2e}")

# %% [markdown]
# ## 3. Two features: memory use
#
# Chapter 1's synthetic server data hide $w = (1.5, 0.8)$ and $b = 0.5$.

# %%
X_mem, y_mem = as_tensors(*make_memory_data(n=100, noise=0.1, seed=0))
memory_model, memory_losses = fit_module(X_mem, y_mem, "adam", lr=0.05, epochs=2000)
w1, w2 = memory_model.weight.detach().ravel().tolist()
print(f"Adam: w1 = {w1:.3f}, w2 = {w2:.3f}, b = {memory_model.bias.item():.3f}, "
      f"final loss {memory_losses[-1]:.3e}")

# %% [markdown]
# ### A server with a curve in it
#
# Memory in MB from session minutes and API calls, made by a rule with a curve:
# $120 + 600(1 - e^{-\text{minutes}/25}) + 0.4\,\text{calls}$, plus noise of 20 MB.
# 200 sessions to learn from and 200 new ones to measure the error. The inputs are
# standardised with the training statistics, so that plain gradient descent
# converges in a hundred steps. The line, memory ≈ w1·minutes + w2·calls + b, is
# trained twice: by hand (autograd, no optimizer) and as an `nn.Linear` with Adam.

# %%
X_s, y_s = as_tensors(*make_sessions(n=200, seed=0))
X_new, y_new = as_tensors(*make_sessions(n=200, seed=1))
sx, sy = Scaler.fit(X_s), Scaler.fit(y_s)


def curvature_ratio(A):
    """Largest over smallest eigenvalue of the loss's Hessian, (2/n) [A 1]^T [A 1]."""
    A1 = torch.cat([A, torch.ones(len(A), 1, dtype=A.dtype)], dim=1)
    eigenvalues = torch.linalg.eigvalsh(2 * A1.T @ A1 / len(A))
    return (eigenvalues[-1] / eigenvalues[0]).item()


print(f"curvature ratio: raw inputs {curvature_ratio(X_s):.3e}, "
      f"standardised {curvature_ratio(sx(X_s)):.3f}")
w_s, b_s, _ = fit_by_hand(sx(X_s), sy(y_s), lr=0.1, epochs=100)
line_s, _ = fit_module(sx(X_s), sy(y_s), "adam", lr=0.05, epochs=200)
for name, (w_, b_) in [("by hand:", (w_s, b_s)), ("nn.Linear, Adam:", (line_s.weight, line_s.bias))]:
    (w1, w2), b0 = line_in_units(w_, b_, sx, sy)
    print(f"{name:17s} memory = {w1:.4f} * minutes + {w2:.4f} * calls + {b0:.3f} MB")
with torch.no_grad():
    line_error = rmse(sy.undo(sx(X_new) @ w_s + b_s), y_new)
print(f"error of the line on the new sessions: {line_error:.2f} MB")

# %% [markdown]
# ## 4. A hidden layer and ReLU
#
# Two linear layers in a row are one linear layer in disguise:
# $W_2(W_1 x + b_1) + b_2 = (W_2 W_1)x + (W_2 b_1 + b_2)$.

# %%
stack = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2)).double()
W = stack[1].weight @ stack[0].weight
b_one = stack[1].weight @ stack[0].bias + stack[1].bias
inputs = torch.randn(4, 3, dtype=torch.float64)
with torch.no_grad():
    print("two layers equal one:", torch.allclose(stack(inputs), inputs @ W.T + b_one))

# %% [markdown]
# So a straight line is all a stack of linear layers can fit. A ReLU between them
# lets the network bend: fit $y = x^2$ on $[-1, 1]$.

# %%
x_curve = torch.linspace(-1, 1, 64).reshape(-1, 1)
y_curve = x_curve ** 2
line_model = mlp([1, 1])
line_losses = train(line_model, x_curve, y_curve, nn.MSELoss(), steps=500, lr=0.05)
curve_model = mlp([1, 32, 1])
curve_losses = train(curve_model, x_curve, y_curve, nn.MSELoss(), steps=500, lr=0.01)
print(f"final loss, linear model [1, 1]:        {line_losses[-1]:.4f}")
print(f"final loss, hidden layer [1, 32, 1]:    {curve_losses[-1]:.1e}")

# %%
grid = torch.linspace(-1.1, 1.1, 221, dtype=torch.float64).reshape(-1, 1)
with torch.no_grad():   # evaluate float64 copies, so the drawing does not hang on rounding
    line_pred = copy.deepcopy(line_model).double()(grid)
    curve_pred = copy.deepcopy(curve_model).double()(grid)
curve_data = {"x": x_curve.ravel(), "y": y_curve.ravel(), "grid": grid.ravel(),
              "line": line_pred.ravel(), "curve": curve_pred.ravel(),
              "line_losses": line_losses, "curve_losses": curve_losses}
print("saved", save_figure("ch06_curve", curve_data, drawings.curve).name)

# %% [markdown]
# ### Back to the server
#
# One hidden layer of 16 ReLU units on the same standardised sessions, trained with
# the same loop as the parabola. Its error on the new sessions, beside the line's,
# and the error of the noise-free rule itself: what no model can remove.

# %%
memory_net = mlp([2, 16, 1]).double()
train(memory_net, sx(X_s), sy(y_s), nn.MSELoss(), steps=300, lr=0.01)
with torch.no_grad():
    mlp_new = sy.undo(memory_net(sx(X_new)))
    line_new = sy.undo(sx(X_new) @ w_s + b_s)
rule_new = torch.as_tensor(memory_mb(*X_new.numpy().T)).reshape(-1, 1)
print(f"error on the new sessions: line {rmse(line_new, y_new):.2f} MB, "
      f"one hidden layer {rmse(mlp_new, y_new):.2f} MB, the noise alone {rmse(rule_new, y_new):.2f} MB")

# %%
grid_calls = 500.0
grid_minutes = torch.linspace(1, 120, 120, dtype=torch.float64)
grid = torch.stack([grid_minutes, torch.full_like(grid_minutes, grid_calls)], dim=1)
with torch.no_grad():
    line_grid = sy.undo(sx(grid) @ w_s + b_s)
    mlp_grid = sy.undo(memory_net(sx(grid)))
memory_data = {"minutes": X_new[:, 0], "calls": X_new[:, 1], "memory": y_new.ravel(),
               "grid_calls": grid_calls, "grid": grid_minutes,
               "rule": memory_mb(grid_minutes.numpy(), grid_calls),
               "line_grid": line_grid.ravel(), "mlp_grid": mlp_grid.ravel(),
               "line_new": line_new.ravel(), "mlp_new": mlp_new.ravel()}
print("saved", save_figure("ch06_memory", memory_data, drawings.memory).name)

# %% [markdown]
# ## 5. XOR
#
# Four points that no straight line separates. A hidden layer of 8 ReLU units
# learns them; `BCEWithLogitsLoss` turns the single output into a probability.

# %%
xor_model, xor_losses = train_xor()
with torch.no_grad():
    predictions = (xor_model(XOR_X) > 0).int().ravel().tolist()
print("predictions:", predictions, " targets:", XOR_Y.int().ravel().tolist())
print(f"loss: {xor_losses[0]:.3f} at the start, {xor_losses[-1]:.1e} after 500 steps")

# %%
steps = torch.linspace(-0.5, 1.5, 51, dtype=torch.float64)
gx, gy = torch.meshgrid(steps, steps, indexing="xy")
points = torch.stack([gx.ravel(), gy.ravel()], dim=1)
with torch.no_grad():
    probability = torch.sigmoid(copy.deepcopy(xor_model).double()(points)).reshape(gx.shape)
xor_data = {"steps": steps, "probability": probability,
            "points": XOR_X, "targets": XOR_Y.ravel().int()}
print("saved", save_figure("ch06_xor", xor_data, drawings.xor).name)


# %% [markdown]
# ## 6. Saving and loading, safely
#
# `save_weights` writes only the `state_dict` (names to tensors); `load_weights`
# reads it with `weights_only=True` into a fresh model: first Section 2's line
# y = 2x + 1, which then predicts x = 5, then the XOR network. A file whose pickle
# would call a function while loading is refused, and the function never runs.

# %%
class RunsCode:
    def __reduce__(self):
        return (print, ("this ran while loading!",))


with tempfile.TemporaryDirectory() as folder:
    line_path = save_weights(line_models["sgd"], Path(folder) / "line.pt")  # y = 2x + 1
    fresh_line = load_weights(nn.Linear(1, 1), line_path)
    with torch.no_grad():
        print("the line, loaded into a fresh nn.Linear: x = 5 ->",
              f"{fresh_line(torch.tensor([[5.0]])).item():.4f}")
    path = save_weights(xor_model, Path(folder) / "xor.pt")
    fresh = load_weights(mlp([2, 8, 1], seed=99), path)
    with torch.no_grad():
        print("same predictions after loading:", torch.equal(xor_model(XOR_X), fresh(XOR_X)))
    print("plain pickle runs the code:")
    pickle.loads(pickle.dumps(RunsCode()))
    evil = Path(folder) / "evil.pt"
    torch.save({"0.weight": RunsCode()}, evil)
    try:
        load_weights(mlp([2, 8, 1]), evil)
    except CheckpointError as err:
        print("load_weights refuses:", str(err).removeprefix(f"{evil}: "))

# %% [markdown]
# ## 7. Devices
#
# `pick()` chooses CUDA, then Apple's MPS, then the CPU; an argument or
# `$GRADBOOK_DEVICE` overrides it. What this machine would use:

# %%
print("pick() on this machine:", pick())
try:
    pick("gpu")
except ValueError as err:
    print("pick('gpu'):", err)

# %% [markdown]
# ## 8. Side by side: gradbook.tensor and PyTorch
#
# The same 64→32→10 network in both libraries, from identical weights, trained for
# 20 steps of SGD with momentum on the first 128 training digits.

# %%
digits = load_digits()
ours, theirs = twin_models([64, 32, 10], seed=0)
losses_ours = train_ours(ours, digits.X_train[:128], digits.y_train[:128], steps=20)
losses_torch = train_torch(theirs, digits.X_train[:128], digits.y_train[:128], steps=20)
gap = np.max(np.abs(np.array(losses_ours) - np.array(losses_torch)))
print(f"gradbook.tensor: {losses_ours[0]:.4f} -> {losses_ours[-1]:.4f}")
print(f"PyTorch:         {losses_torch[0]:.4f} -> {losses_torch[-1]:.4f}")
print(f"largest difference over 20 steps: {gap:.1e}")
