"""Chapters 2 and 3's figures, drawn from the data their scripts save.

``snippets/ch02_scalar_autograd.py`` saves the tangent figure (its expression graph
is drawn by :func:`gradbook.scalar.draw.draw_graph`); ``snippets/ch03_scalar_nn.py``
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

    ``data``: ``x`` and ``f`` (the curve), ``x0`` and ``f0`` (the point of tangency),
    ``slope`` (the derivative there), ``secants`` (a list of ``{"h", "slope", "f"}``:
    the step, the secant's slope, and f at ``x0 + h``), ``line_x`` (where the straight
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

    ``data``: ``points`` (n rows of two coordinates), ``labels`` (+1 or -1 each),
    ``noise`` and ``seed`` (how they were made, for the title).
    """
    points, labels = np.array(data["points"]), np.array(data["labels"])
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    _scatter_moons(ax, points, labels)
    ax.set_title(f"make_moons({len(points)}, noise={data['noise']}, seed={data['seed']})")
    ax.legend(loc="upper right")
    return fig


def training(data: dict[str, Any]) -> Figure:
    """Loss (log scale) and training accuracy of the scalar MLP, per step.

    ``data``: ``losses`` and ``accuracies`` (fractions, 0 to 1), one per step.
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
    ax_acc.set_ylim(45, 102)
    ax_acc.set_title("Accuracy")
    fig.tight_layout()
    return fig


def boundary(data: dict[str, Any]) -> Figure:
    """The trained model's score over the plane: its sign, the 0 and ±1 contours, the points.

    ``data``: ``xs`` and ``zs`` (the grid's coordinates along each axis), ``scores``
    (one row per ``zs``, one column per ``xs``), ``points`` and ``labels`` (the
    moons), ``steps`` and ``accuracy`` (for the title).
    """
    grid_x, grid_z = np.meshgrid(np.array(data["xs"]), np.array(data["zs"]))
    scores = np.array(data["scores"])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    limit = np.abs(scores).max()
    ax.contourf(grid_x, grid_z, scores, levels=[-limit, 0, limit],
                colors=["#ffe0cc", "#dfe3f5"])
    ax.contour(grid_x, grid_z, scores, levels=[-1, 0, 1], colors="#37474f",
               linestyles=["dashed", "solid", "dashed"], linewidths=[0.8, 1.4, 0.8])
    _scatter_moons(ax, np.array(data["points"]), np.array(data["labels"]), zorder=3)
    ax.set_title(f"Decision boundary after {data['steps']} steps "
                 f"(accuracy {data['accuracy']:.0%})")
    ax.legend(loc="lower right")
    return fig
