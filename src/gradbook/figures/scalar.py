"""Chapters 2 and 3's figures, drawn from the data their scripts save.

`snippets/ch02_scalar_autograd.py` saves the tangent and tanh figures (its
expression graph and its network are drawn by `gradbook.scalar.draw.draw_graph`
and `gradbook.scalar.draw.draw_network`); `snippets/ch03_scalar_nn.py`
saves the moons, the training curves and the decision boundary.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

UPPER, LOWER = "#3949ab", "#e65100"  # colours of the y = +1 and y = -1 moons
SECANTS = ("#90a4ae", "#5c6bc0")     # colours of the secants, widest step first
TANGENT = "#e65100"


def tangent(data: dict[str, Any]) -> Figure:
    """A parabola, its tangent at one point and secants through that point.

    `data`: `x` and `f` (the curve), `x0` and `f0` (the point of tangency),
    `slope` (the derivative there), `secants` (a list of `{"h", "slope", "f"}`:
    the step, the secant's slope, and f at `x0 + h`), `line_x` (where the straight
    lines start and end).
    """
    x0, f0 = data["x0"], data["f0"]
    near = np.array(data["line_x"], dtype=float)
    fig, ax = plt.subplots()
    ax.plot(data["x"], data["f"], color="black", label="f(x) = 3x² − 4x + 5")
    for secant, color in zip(data["secants"], SECANTS):
        ax.plot(near, f0 + secant["slope"] * (near - x0), color=color, linestyle="--",
                label=f"secant, h = {secant['h']}: slope {secant['slope']:.2f}")
        ax.plot([x0 + secant["h"]], [secant["f"]], "o", color=color)
    ax.plot(near, f0 + data["slope"] * (near - x0), color=TANGENT, linewidth=2,
            label=f"tangent at x = {x0:g}: slope f′({x0:g}) = {data['slope']:.0f}")
    ax.plot([x0], [f0], "o", color=TANGENT, zorder=3)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_ylim(-5, 65)
    ax.set_title("The derivative is the slope of the tangent")
    ax.legend(loc="upper left")
    return fig


def _scatter_moons(ax: Axes, points: np.ndarray, labels: np.ndarray, **kwargs: Any) -> None:
    for label, colour, marker in ((1, UPPER, "o"), (-1, LOWER, "s")):
        mine = points[labels == label]
        ax.scatter(mine[:, 0], mine[:, 1], c=colour, marker=marker, s=22,
                   edgecolors="white", linewidths=0.5, label=f"y = {label:+d}", **kwargs)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def moons(data: dict[str, Any]) -> Figure:
    """The two moons, one colour and marker per label.

    `data`: `points` (n rows of two coordinates), `labels` (+1 or -1 each),
    `noise` and `seed` (how they were made, for the title).
    """
    points, labels = np.array(data["points"]), np.array(data["labels"])
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    _scatter_moons(ax, points, labels)
    ax.set_title(f"make_moons({len(points)}, noise={data['noise']}, seed={data['seed']})")
    ax.legend(loc="upper right")
    return fig


def training(data: dict[str, Any]) -> Figure:
    """Loss (log scale) and training accuracy of the scalar MLP, per step.

    `data`: `losses` and `accuracies` (fractions, 0 to 1), one per step.
    """
    steps = np.arange(len(data["losses"]))
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.0, 3.2))
    ax_loss.semilogy(steps, data["losses"], color=UPPER)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.set_title("Max-margin loss + L2")
    ax_acc.plot(steps, 100 * np.array(data["accuracies"]), color=LOWER)
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel("training accuracy (%)")
    ax_acc.set_ylim(0, 102)
    ax_acc.set_title("Accuracy")
    fig.tight_layout()
    return fig


def boundary(data: dict[str, Any]) -> Figure:
    """The trained model's score over the plane: its sign, the 0 and ±1 contours, the points.

    `data`: `xs` and `zs` (the grid's coordinates along each axis), `scores`
    (one row per `zs`, one column per `xs`), `points` and `labels` (the
    training moons), `test_points` and `test_labels` (the held-out moons, drawn
    hollow), `steps`, `accuracy` and `test_accuracy` (for the title).
    """
    grid_x, grid_z = np.meshgrid(np.array(data["xs"]), np.array(data["zs"]))
    scores = np.array(data["scores"])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    limit = np.abs(scores).max()
    ax.contourf(grid_x, grid_z, scores, levels=[-limit, 0, limit],
                colors=["#ffe0cc", "#dfe3f5"])
    ax.contour(grid_x, grid_z, scores, levels=[-1, 0, 1], colors="#37474f",
               linestyles=["dashed", "solid", "dashed"], linewidths=[0.8, 1.4, 0.8])
    test_points, test_labels = np.array(data["test_points"]), np.array(data["test_labels"])
    for label, colour, marker in ((1, UPPER, "o"), (-1, LOWER, "s")):
        mine = test_points[test_labels == label]
        ax.scatter(mine[:, 0], mine[:, 1], marker=marker, s=18, facecolors="none",
                   edgecolors=colour, linewidths=0.8, zorder=3, label=f"test, y = {label:+d}")
    _scatter_moons(ax, np.array(data["points"]), np.array(data["labels"]), zorder=4)
    ax.set_title(f"Decision boundary after {data['steps']} steps (accuracy: "
                 f"training {data['accuracy']:.0%}, test {data['test_accuracy']:.0%})")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def tanh_curve(data: dict[str, Any]) -> Figure:
    """tanh and its derivative, with one point marked and the tangent there.

    `data`: `x`, `tanh` and `slope` (the curve and its derivative
    1 − tanh² x on a grid), `n` and `o` (the marked point,
    o = tanh n) and `do_dn` (the derivative there).
    """
    x = np.array(data["x"], dtype=float)
    n, o, do_dn = data["n"], data["o"], data["do_dn"]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.axhline(0, color="#90a4ae", linewidth=0.8)
    for level in (-1, 1):
        ax.axhline(level, color="#90a4ae", linewidth=0.8, linestyle=":")
    ax.plot(x, data["tanh"], color=UPPER, linewidth=2, label="tanh(x)")
    ax.plot(x, data["slope"], color=SECANTS[0], linestyle="--",
            label="its slope, 1 − tanh²(x)")
    near = np.array([n - 1.2, n + 1.2])
    ax.plot(near, o + do_dn * (near - n), color=TANGENT,
            label=f"tangent at n = {n:g}: slope {do_dn:.4f}")
    ax.plot([n], [o], "o", color=TANGENT, zorder=3)
    ax.annotate(f"o = tanh({n:g}) = {o:.4f}", (n, o), xytext=(n + 1.0, o - 0.95),
                fontsize=9, arrowprops={"arrowstyle": "-", "color": "#78909c"})
    ax.set_xlabel("x")
    ax.set_ylim(-1.25, 1.25)
    ax.set_title("tanh squashes every number into (−1, 1)")
    ax.legend(loc="upper left", fontsize=9)
    return fig
