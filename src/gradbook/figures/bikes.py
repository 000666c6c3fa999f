"""Chapter 7's figures, drawn from the data `snippets/ch07_real_data.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

COLORS = ("tab:blue", "tab:orange")


def hourly(data: dict[str, Any]) -> Figure:
    """Mean rentals by hour of the day, one curve per kind of day, with quartile bands.

    `data`: `hours` (0 to 23), `labels` (one per kind of day: working days first),
    and for each kind of day, in the same order, `mean`, `low` and `high` (the
    mean, 25th and 75th percentile of the rentals in each hour).
    """
    hours = data["hours"]
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    for label, color, mean, low, high in zip(data["labels"], COLORS, data["mean"],
                                             data["low"], data["high"]):
        ax.fill_between(hours, low, high, color=color, alpha=0.15, linewidth=0)
        ax.plot(hours, mean, marker="o", markersize=3.5, color=color, label=label)
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlim(-0.5, 23.5)
    ax.set_xlabel("hour of the day")
    ax.set_ylabel("rentals in that hour")
    ax.set_title("Mean rentals by hour, 2011–2012 (bands: middle 50%)")
    ax.legend(loc="upper left")
    return fig


def losses(data: dict[str, Any]) -> Figure:
    """Training and validation loss per epoch of each model, against predicting the mean (1.0).

    `data`: `models` (names: linear first, then mlp), and for each, in the same
    order, `train` and `val` (mean squared error per epoch, normalised target).
    """
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    for kind, color, train, val in zip(data["models"], ("tab:blue", "tab:red"),
                                       data["train"], data["val"]):
        epochs = range(1, len(train) + 1)
        ax.plot(epochs, train, color=color, label=f"{kind}, training batches")
        ax.plot(epochs, val, color=color, linestyle="--", label=f"{kind}, validation set")
    ax.axhline(1.0, color="gray", linewidth=1, linestyle=":", label="predicting the mean")
    ax.set_xticks([1, 5, 10, 15, 20])
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE, normalised target")
    ax.set_title("Training and validation loss (hour as a number)")
    ax.legend(loc="upper right", fontsize=9)
    return fig


def predictions(data: dict[str, Any]) -> Figure:
    """Predicted against actual rentals for some validation hours, one panel per model.

    `data`: `actual` (rentals in each shown validation hour), `models` (names),
    and for each model, in the same order, `predicted` (its prediction for each hour)
    and `val_rmse` (over the whole validation set, bikes per hour).
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.4), sharex=True, sharey=True)
    for ax, kind, guess, error in zip(axes, data["models"], data["predicted"], data["val_rmse"]):
        ax.scatter(data["actual"], guess, s=7, alpha=0.5, color="tab:blue")
        ax.plot([0, 1000], [0, 1000], color="black", linewidth=1)
        ax.set_title(f"{kind}: validation RMSE {error:.0f} bikes/hour")
        ax.set_xlabel("actual rentals")
        ax.set_xlim(0, 1000)
        ax.set_ylim(0, 1000)
        ax.set_aspect("equal")
    axes[0].set_ylabel("predicted rentals")
    return fig
