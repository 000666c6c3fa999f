"""Chapter 8's figures, drawn from the data `snippets/ch08_data_loaders.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

BATCH_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]


def epochs(data: dict[str, Any]) -> Figure:
    """Which batch each example lands in, epoch by epoch, and which are dropped.

    `data`: `assignment` (one row per epoch, one column per example: the number
    of its batch from 0, or -1 where the example was dropped that epoch) and
    `batch_size`. There are at most four batches per epoch (one colour each).
    """
    assignment = np.array(data["assignment"])
    n_epochs, n_examples = assignment.shape
    colors = BATCH_COLORS
    fig, ax = plt.subplots(figsize=(9.6, 2.6))
    for epoch in range(n_epochs):
        for i in range(n_examples):
            k = assignment[epoch, i]
            face = colors[k] if k >= 0 else "white"
            ax.add_patch(Rectangle((i, n_epochs - 1 - epoch), 0.92, 0.88, facecolor=face,
                                   edgecolor=face if k >= 0 else "#999999",
                                   hatch=None if k >= 0 else "///", linewidth=0.8))
            ax.text(i + 0.46, n_epochs - 1 - epoch + 0.44, str(k + 1) if k >= 0 else "–",
                    ha="center", va="center", fontsize=8,
                    color="white" if k >= 0 else "#666666")
    ax.set_xlim(-0.1, n_examples)
    ax.set_ylim(-0.1, n_epochs)
    ax.set_xticks(np.arange(n_examples) + 0.46, [str(i) for i in range(n_examples)], fontsize=8)
    ax.set_yticks(np.arange(n_epochs) + 0.44, [f"epoch {n_epochs - e}" for e in range(n_epochs)])
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("example index")
    ax.set_title(f"{n_examples} examples, batches of {data['batch_size']}, shuffled, "
                 "drop_last=True: the batch each example lands in")
    handles = [Patch(facecolor=c, label=f"batch {k + 1}") for k, c in enumerate(colors)]
    handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="///", label="dropped"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=5,
              frameon=False)
    return fig


def batch_means(data: dict[str, Any]) -> Figure:
    """Mean rentals and working-day share per batch over one epoch, in file order and shuffled.

    `data`: `means` and `shares` (each two lists, one value per batch: in file
    order, then shuffled), `overall_mean` and `overall_share` (over all hours).
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9.6, 5.4), sharex=True)
    steps = np.arange(1, len(data["means"][0]) + 1)
    styles = (("tab:red", "in file order (shuffle=False)"), ("tab:blue", "shuffled (shuffle=True)"))
    for (color, label), means, shares in zip(styles, data["means"], data["shares"]):
        top.plot(steps, means, color=color, linewidth=1.2, label=label)
        bottom.plot(steps, shares, ".", color=color, markersize=4, label=label)
    top.axhline(data["overall_mean"], color="black", linestyle="--", linewidth=1,
                label=f"all hours: {data['overall_mean']:.0f}")
    bottom.axhline(data["overall_share"], color="black", linestyle="--", linewidth=1,
                   label=f"all hours: {data['overall_share']:.2f}")
    top.set_ylabel("mean rentals\nin the batch")
    bottom.set_ylabel("share of working-\nday hours")
    bottom.set_xlabel("batch number within one epoch (batches of 64 hours)")
    top.set_title("Batches of the bike-sharing data, one epoch")
    top.legend(loc="upper left", fontsize=8)
    bottom.legend(handles=bottom.get_lines()[-1:], loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  fontsize=8, frameon=False)
    return fig
