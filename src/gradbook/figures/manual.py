"""Chapter 1's figures, drawn from the data `snippets/ch01_manual_gradients.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def loss(data: dict[str, Any]) -> Figure:
    """The MSE loss of gradient descent on the line, per epoch, on a log scale.

    `data`: `losses` (the loss before each epoch's step, then after the last),
    `lr` (the learning rate, for the title).
    """
    fig, ax = plt.subplots()
    ax.semilogy(data["losses"])
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE loss (log scale)")
    ax.set_title(f"Gradient descent on y = 2x + 1, learning rate {data['lr']}")
    return fig


def fit(data: dict[str, Any]) -> Figure:
    """The fitted line at a few epochs of training, over the data points.

    `data`: `x` and `y` (the points), `x_range` (where to draw the lines, two
    numbers), `snapshots` (a list of `{"epoch", "w", "b"}`, one line each).
    """
    fig, ax = plt.subplots()
    ends = np.array(data["x_range"], dtype=float)
    for snap in data["snapshots"]:
        label = f"epoch {snap['epoch']}: w={snap['w']:.2f}, b={snap['b']:.2f}"
        ax.plot(ends, snap["w"] * ends + snap["b"], label=label)
    ax.scatter(data["x"], data["y"], color="black", zorder=3, label="data")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("The fitted line during training")
    ax.legend()
    return fig
