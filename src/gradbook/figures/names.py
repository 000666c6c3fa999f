"""Chapter 9's figures, drawn from the data `snippets/ch09_language_models.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

BEFORE_AFTER = ("before the fixes", "after the fixes")
LAYER_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def bigram_heatmap(data: dict[str, Any]) -> Figure:
    """The 27×27 bigram counts as a labelled heat map.

    `data`: `vocab` (27 characters, '.' first) and `counts` (27 rows of 27 whole
    numbers: row = previous character, column = next). Each cell shows its pair and
    its count; the colour is the count on a square-root scale.
    """
    counts = np.array(data["counts"], dtype=float)
    vocab = data["vocab"]
    n = len(vocab)
    fig, ax = plt.subplots(figsize=(12, 12))
    ax.imshow(np.sqrt(counts), cmap="Blues")
    for i in range(n):
        for j in range(n):
            dark = counts[i, j] > 0.35 * counts.max()
            color = "white" if dark else "#333333"
            ax.text(j, i - 0.17, vocab[i] + vocab[j], ha="center", va="center", fontsize=6.5, color=color)
            ax.text(j, i + 0.22, f"{int(counts[i, j])}", ha="center", va="center", fontsize=5.5,
                    color=color)
    ax.set_xticks(range(n), vocab)
    ax.set_yticks(range(n), vocab)
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_xlabel("next character")
    ax.set_ylabel("previous character")
    ax.set_title(f"Bigram counts over the {int(counts.sum()):,} pairs of the training names")
    fig.tight_layout()
    return fig


def lr_range(data: dict[str, Any]) -> Figure:
    """The learning-rate range test: mini-batch loss against a rate raised step by step.

    `data`: `rates` and `losses` (one per step), `smoothed` (a running mean of the
    losses, one per step) and `chosen` (the rate the chapter picks).
    """
    rates, losses = np.array(data["rates"]), np.array(data["losses"], dtype=float)
    smoothed = np.array(data["smoothed"], dtype=float)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(rates, losses, color="#bbbbbb", linewidth=0.6, label="loss of each mini-batch")
    ax.plot(rates, smoothed, color="#4c72b0", linewidth=1.8, label="running mean of 50 steps")
    ax.axvline(data["chosen"], color="#c44e52", linestyle="--", linewidth=1.2,
               label=f"chosen rate {data['chosen']:g}")
    ax.set_xscale("log")
    ax.set_ylim(1.8, 6.0)
    ax.set_xlabel("learning rate (raised exponentially, one step each)")
    ax.set_ylabel("training loss (nats per character)")
    ax.set_title("Learning-rate range test: the loss falls, bottoms out, then explodes")
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def embeddings_2d(data: dict[str, Any]) -> Figure:
    """The 27 characters at their learned 2-D embeddings.

    `data`: `vocab` and `points` (27 pairs of coordinates).
    """
    points = np.array(data["points"], dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    vowels = set("aeiou")
    for ch, (x, y) in zip(data["vocab"], points):
        color = "#c44e52" if ch in vowels else "#4c72b0" if ch != "." else "#55a868"
        ax.scatter([x], [y], s=260, color=color, alpha=0.85)
        ax.text(x, y, ch, ha="center", va="center", color="white", fontsize=11, fontweight="bold")
    pad = 0.15 * (points.max(0) - points.min(0))
    ax.set_xlim(points[:, 0].min() - pad[0], points[:, 0].max() + pad[0])
    ax.set_ylim(points[:, 1].min() - pad[1], points[:, 1].max() + pad[1])
    ax.set_xlabel("embedding dimension 1")
    ax.set_ylabel("embedding dimension 2")
    ax.set_title("Learned 2-D embeddings (red: vowels, green: the boundary '.')")
    fig.tight_layout()
    return fig


def _histograms(data: dict[str, Any], key: str, xlabel: str, title: str) -> Figure:
    """Per-layer histograms, one panel for the model before the fixes and one after."""
    edges = [np.array(e, dtype=float) for e in data[f"{key}_edges"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, counts, bins, label in zip(axes, data[key], edges, BEFORE_AFTER):
        centres = (bins[1:] + bins[:-1]) / 2
        for layer, row in enumerate(counts):
            ax.plot(centres, np.array(row, dtype=float), color=LAYER_COLORS[layer % len(LAYER_COLORS)],
                    linewidth=1.2, label=f"layer {layer + 1}")
        ax.set_title(label)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("share of values per bin")
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def activation_histograms(data: dict[str, Any]) -> Figure:
    """Histograms of every hidden tanh's outputs at step 0, before and after the fixes.

    `data`: `activations` (two lists, before and after, of one list of bin shares per
    layer), `activations_edges` (the bin edges, for before and for after).
    """
    return _histograms(data, "activations", "tanh output",
                       "Hidden tanh outputs at step 0: saturated at ±1 before, spread out after")


def gradient_histograms(data: dict[str, Any]) -> Figure:
    """Histograms of the gradient reaching every hidden tanh's outputs at step 0.

    `data`: `gradients` (two lists, before and after, of one list of bin shares per
    layer), `gradients_edges` (the bin edges, for before and for after).
    """
    return _histograms(data, "gradients", "gradient of the loss with respect to the tanh output",
                       "Gradients at step 0: uneven across layers before, alike after")


def update_ratios(data: dict[str, Any]) -> Figure:
    """log10 of (std of each weight matrix's update / std of the matrix) over training.

    `data`: `ratios` (two lists, before and after, of one list per step of one value
    per weight matrix), `names` (a label per matrix).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, ratios, label in zip(axes, data["ratios"], BEFORE_AFTER):
        r = np.array(ratios, dtype=float)
        for k, name in enumerate(data["names"]):
            ax.plot(r[:, k], color=LAYER_COLORS[k % len(LAYER_COLORS)], linewidth=0.9, label=name)
        ax.axhline(-3, color="black", linestyle="--", linewidth=1.0)
        ax.set_title(label)
        ax.set_xlabel("step")
        ax.legend(frameon=False, fontsize=8, ncol=2)
    axes[0].set_ylabel("log10(update std / weight std)")
    fig.suptitle("Update-to-data ratio of each weight matrix (dashed: the rule-of-thumb -3)")
    fig.tight_layout()
    return fig
