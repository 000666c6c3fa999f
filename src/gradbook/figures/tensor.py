"""Chapters 4 and 5's figures, drawn from the data their scripts save.

`snippets/ch04_tensor_autograd.py` (graph sizes, broadcasting, the ReLU mask) and
`snippets/ch05_training_from_scratch.py` (optimizers, digits, validation curves).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def graph_sizes(data: dict[str, Any]) -> Figure:
    """Nodes in one loss evaluation's graph, scalar engine against tensor engine.

    `data`: `points` (training points in the batch), `scalar_nodes` and
    `tensor_nodes` (the graph's node count for each).
    """
    points, scalar_nodes, tensor_nodes = data["points"], data["scalar_nodes"], data["tensor_nodes"]
    fig, ax = plt.subplots()
    ax.loglog(points, scalar_nodes, "o-", label="scalar engine (one Value per number)")
    ax.loglog(points, tensor_nodes, "s-", label="tensor engine (one Tensor per array)")
    ax.annotate(f"{scalar_nodes[-1]:,} nodes", (points[-1], scalar_nodes[-1]),
                textcoords="offset points", xytext=(-80, 6))
    ax.annotate(f"{tensor_nodes[-1]} nodes", (points[-1], tensor_nodes[-1]),
                textcoords="offset points", xytext=(-60, 8))
    ax.set_xlabel("training points in the batch")
    ax.set_ylabel("nodes in the graph")
    ax.set_title("One loss evaluation of MLP(2, [16, 16, 1])")
    ax.set_ylim(20, 2e4)
    ax.legend(loc="center left", bbox_to_anchor=(0.2, 0.38))
    return fig


def _draw_matrix(ax: Axes, values: Any, left: float, top: float, cmap: str) -> None:
    """Draw a matrix as coloured unit squares with their numbers, top-left at (left, top)."""
    values = np.atleast_2d(np.array(values, dtype=float))
    colours = plt.get_cmap(cmap)
    low, high = values.min(), values.max()
    for (i, j), v in np.ndenumerate(values):
        shade = 0.15 + 0.6 * (v - low) / (high - low if high > low else 1.0)
        ax.add_patch(plt.Rectangle((left + j, top - i - 1), 1, 1, facecolor=colours(shade),
                                   edgecolor="white", linewidth=2))
        ax.text(left + j + 0.5, top - i - 0.5, f"{v:g}", ha="center", va="center", fontsize=11)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], label: str) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", lw=1.5, mutation_scale=16, color="0.25"))
    ax.text((start[0] + end[0]) / 2, start[1] + 0.25, label, ha="center", va="bottom", fontsize=9)


def broadcast(data: dict[str, Any]) -> Figure:
    """A bias broadcast over rows (forward), and its gradient summed back (backward).

    `data`: `bias` (shape (3,)), `copies` (the bias broadcast to (4, 3)),
    `upstream` (the (4, 3) gradient from above) and `bias_grad` (shape (3,)).
    """
    fig, ax = plt.subplots(figsize=(7.6, 5.6))
    # Forward, left to right: b is copied into every row of a (4, 3) block.
    _draw_matrix(ax, data["bias"], 0, 9.5, "Blues")
    _draw_matrix(ax, data["copies"], 7.2, 11, "Blues")
    _arrow(ax, (3.4, 9.0), (6.8, 9.0), "copy into each row")
    ax.text(1.5, 11.4, "b, shape (3,)", ha="center", fontsize=10)
    ax.text(8.7, 11.4, "b broadcast to (4, 3)", ha="center", fontsize=10)
    # Backward, right to left: the upstream gradient is summed back over the rows.
    _draw_matrix(ax, data["upstream"], 7.2, 5, "Oranges")
    _draw_matrix(ax, data["bias_grad"], 0, 3.5, "Oranges")
    _arrow(ax, (6.8, 3.0), (3.4, 3.0), "sum over the rows")
    ax.text(1.5, 5.4, "b.grad, shape (3,)", ha="center", fontsize=10)
    ax.text(8.7, 5.4, "upstream gradient, shape (4, 3)", ha="center", fontsize=10)
    ax.text(-0.3, 12.3, "forward", fontsize=12, fontweight="bold")
    ax.text(-0.3, 6.3, "backward", fontsize=12, fontweight="bold")
    ax.set_xlim(-0.4, 10.5)
    ax.set_ylim(0.8, 12.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def relu_mask(data: dict[str, Any]) -> Figure:
    """Pre-activations, the upstream gradient, and what ReLU lets through to dL/dz.

    `data`: `z` (pre-activations, examples by hidden units), `grad_h` (the
    upstream gradient dL/dh) and `grad_z` (dL/dz: exactly 0 where ReLU stopped it).
    """
    z, grad_h, grad_z = (np.array(data[k], dtype=float) for k in ("z", "grad_h", "grad_z"))
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.2))
    limit = float(np.abs(z).max())
    panels: list[tuple[np.ndarray, str, dict[str, Any]]] = [
        (z, "pre-activations z", dict(cmap="RdBu_r", vmin=-limit, vmax=limit)),
        (grad_h, "upstream gradient dL/dh", dict(cmap="viridis", vmin=0, vmax=1)),
        (np.ma.masked_equal(grad_z, 0), "dL/dz = dL/dh · (z > 0)",
         dict(cmap="viridis", vmin=0, vmax=1)),
    ]
    for ax, (values, title, style) in zip(axes, panels):
        cmap = plt.get_cmap(style.pop("cmap")).with_extremes(bad="white")
        image = ax.imshow(values, cmap=cmap, **style)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("hidden unit")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        fig.colorbar(image, ax=ax, shrink=0.8)
    axes[0].set_ylabel("example")
    for i, j in zip(*np.nonzero(grad_z == 0)):
        axes[2].text(j, i, "0", ha="center", va="center", fontsize=8, color="0.4")
    return fig


def digits(data: dict[str, Any]) -> Figure:
    """A row or two of 8×8 digit images, each with its label.

    `data`: `grey_levels` (one 8×8 grid of whole numbers from 0 to 16 per image,
    the counts of inked dots) and `labels`.
    """
    fig, axes = plt.subplots(2, 10, figsize=(8, 2.2))
    for ax, image, label in zip(axes.ravel(), data["grey_levels"], data["labels"]):
        ax.imshow(np.array(image), cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
        ax.set_title(str(label), fontsize=10)
        ax.set_axis_off()
    fig.suptitle(f"The first {len(data['labels'])} training images and their labels", fontsize=11)
    return fig


def optimizers(data: dict[str, Any]) -> Figure:
    """Smoothed training loss against the epoch, one curve per optimizer.

    `data`: `names` (one per optimizer), `smoothed` (for each, the moving
    average of its per-batch losses over `window` batches) and `steps_per_epoch`.
    The k-th average ends at batch `k + window`, which is where it is drawn.
    """
    window, steps_per_epoch = data["window"], data["steps_per_epoch"]
    fig, ax = plt.subplots()
    for name, smooth in zip(data["names"], data["smoothed"]):
        epochs = (np.arange(len(smooth)) + window) / steps_per_epoch
        ax.semilogy(epochs, smooth, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training loss (moving average of {window} batches)")
    ax.set_title("Digits MLP: the same start, four update rules")
    ax.legend(loc="upper right")
    return fig


def validation(data: dict[str, Any]) -> Figure:
    """Validation accuracy after each epoch, one curve per network.

    `data`: `names`, `validation_accuracy` (for each network, its accuracy on
    the validation images after epochs 1, 2, ...), `threshold` (drawn as a dashed
    line; a marker shows the first epoch at or above it) and `validation_images`.
    """
    threshold = data["threshold"]
    fig, ax = plt.subplots()
    for name, history in zip(data["names"], data["validation_accuracy"]):
        history = np.array(history, dtype=float)
        epochs = np.arange(1, len(history) + 1)
        (line,) = ax.plot(epochs, 100 * history, "o-", markersize=3, label=name)
        reached = np.nonzero(history >= threshold)[0]
        if reached.size:
            first = reached[0]
            ax.plot(epochs[first], 100 * history[first], "o", markersize=10,
                    markerfacecolor="none", color=line.get_color())
            ax.annotate(f"epoch {epochs[first]}", (epochs[first], 100 * history[first]),
                        textcoords="offset points", xytext=(8, -14), fontsize=9,
                        color=line.get_color())
    ax.axhline(100 * threshold, linestyle="--", color="0.5", linewidth=1)
    ax.text(0.7, 100 * threshold, f"{threshold:.0%}", ha="left", va="bottom", fontsize=9,
            color="0.4")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"validation accuracy, % (of {data['validation_images']} images)")
    ax.set_title("Digits: accuracy on the validation images after each epoch")
    ax.set_xticks(range(0, len(data["validation_accuracy"][0]) + 1, 5))
    ax.legend(loc="lower right")
    return fig
