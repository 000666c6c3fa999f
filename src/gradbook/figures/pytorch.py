"""Chapter 6's figures, drawn from the data `snippets/ch06_pytorch.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def curve(data: dict[str, Any]) -> Figure:
    """What a linear model and a one-hidden-layer network learn of y = x², and their losses.

    `data`: `x`, `y` (the training points), `grid` with `line` and `curve`
    (each model's prediction on it), `line_losses` and `curve_losses` (per step).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8))
    left.scatter(data["x"], data["y"], s=12, color="black", zorder=3, label="data: y = x²")
    left.plot(data["grid"], data["line"], label="linear, [1, 1]")
    left.plot(data["grid"], data["curve"], label="hidden layer, [1, 32, 1]")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title("What each model learned")
    left.legend()
    right.semilogy(data["line_losses"], label="linear, [1, 1]")
    right.semilogy(data["curve_losses"], label="hidden layer, [1, 32, 1]")
    right.set_xlabel("step")
    right.set_ylabel("MSE loss (log scale)")
    right.set_title("Training loss, Adam")
    right.legend()
    return fig


def xor(data: dict[str, Any]) -> Figure:
    """The XOR network's predicted probability over the plane, its 0.5 boundary, the points.

    `data`: `steps` (the grid's coordinates on both axes), `probability` (rows
    follow the second input, columns the first), `points` and `targets`.
    """
    steps = np.array(data["steps"])
    gx, gy = np.meshgrid(steps, steps, indexing="xy")
    probability = np.array(data["probability"])
    points, targets = np.array(data["points"]), np.array(data["targets"])
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    filled = ax.contourf(gx, gy, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
    ax.contour(gx, gy, probability, levels=[0.5], colors="black", linewidths=1.5)
    for label, marker, color in ((0, "o", "tab:blue"), (1, "^", "tab:red")):
        mask = targets == label
        ax.scatter(points[mask, 0], points[mask, 1], s=120, marker=marker, color=color,
                   edgecolor="black", zorder=3, label=f"target {label}")
    fig.colorbar(filled, ax=ax, label="predicted probability of 1")
    ax.set_xlabel("first input")
    ax.set_ylabel("second input")
    ax.set_title("XOR, as a [2, 8, 1] network sees it")
    ax.grid(False)
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    return fig


def memory(data: dict[str, Any]) -> Figure:
    """The memory model: what a line and a one-hidden-layer network learn of a curve.

    `data`: `minutes`, `calls` and `memory` of the new sessions; `grid`
    (session minutes) with `rule`, `line_grid` and `mlp_grid`, memory at
    `grid_calls` API calls by the noise-free rule and by each model; `line_new`
    and `mlp_new`, each model's predictions for the new sessions.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.4, 4.0), layout="constrained")
    dots = left.scatter(data["minutes"], data["memory"], c=data["calls"], s=10,
                        cmap="viridis", alpha=0.7)
    fig.colorbar(dots, ax=left, label="API calls")
    calls = data["grid_calls"]
    left.plot(data["grid"], data["rule"], color="black", linestyle="--",
              label=f"the rule, {calls:.0f} calls")
    left.plot(data["grid"], data["line_grid"], label=f"line, {calls:.0f} calls")
    left.plot(data["grid"], data["mlp_grid"], label=f"hidden layer, {calls:.0f} calls")
    left.set_xlabel("session minutes")
    left.set_ylabel("memory (MB)")
    left.set_title("New sessions, and what each model learned")
    left.legend(fontsize="small")
    measured = np.array(data["memory"])
    right.scatter(measured, data["line_new"], s=10, alpha=0.7, label="line")
    right.scatter(measured, data["mlp_new"], s=10, alpha=0.7, label="hidden layer, [2, 16, 1]")
    ends = [measured.min(), measured.max()]
    right.plot(ends, ends, color="black", linewidth=1, label="perfect prediction")
    right.set_xlabel("measured memory (MB)")
    right.set_ylabel("predicted memory (MB)")
    right.set_title("Predictions for the new sessions")
    right.legend(fontsize="small")
    return fig
