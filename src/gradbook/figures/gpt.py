"""Chapter 10's figures, drawn from the data `snippets/ch10_tiny_gpt.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

VISIBLE = {"\n": "⏎", " ": "␣"}     # characters a tick label could not show


def _shown(ch: str) -> str:
    return VISIBLE.get(ch, ch)


def attention_weights(data: dict[str, Any]) -> Figure:
    """The attention weights of every head of some blocks on one line of text.

    `data`: `text` (the line, one position per character), `blocks` (the block
    numbers shown, counting from 1, one row of panels each) and `weights`: for each
    shown block, for each head, for each position t, the weights it gives to the
    positions 0..t (t + 1 numbers; the later, masked positions have weight 0).
    `sharpness` (per shown block, each row's largest weight averaged over rows and
    heads) is not drawn.
    """
    labels = [_shown(ch) for ch in data["text"]]
    T = len(labels)
    n_head = len(data["weights"][0])
    fig, axes = plt.subplots(len(data["blocks"]), n_head, figsize=(13.0, 7.0),
                             constrained_layout=True, squeeze=False)
    for row, block, heads in zip(axes, data["blocks"], data["weights"]):
        for number, (ax, rows) in enumerate(zip(row, heads)):
            matrix = np.zeros((T, T))
            for t, weights in enumerate(rows):
                matrix[t, :t + 1] = weights
            image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
            ax.set_title(f"block {block}, head {number + 1}", fontsize=10)
            ax.set_xticks(range(T), labels, fontsize=7, family="monospace")
            ax.set_yticks(range(T), labels, fontsize=7, family="monospace")
            ax.tick_params(length=0)
            ax.grid(False)
        row[0].set_ylabel("position asking (t)")
    for ax in axes[-1]:
        ax.set_xlabel("position attended to (s)")
    fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    return fig


def temperature(data: dict[str, Any]) -> Figure:
    """The next character's distribution at several temperatures, and with top-k.

    `data`: `prompt`, `vocabulary` (the characters, in token order),
    `temperatures` with `probabilities` (one distribution over the vocabulary
    each), and `top_k`, `top_k_temperature` with `top_k_probabilities` (the
    distribution with only the `top_k` likeliest characters kept). `entropies`
    (one per temperature) and `top_k_kept` (the kept probabilities, sorted) are not
    drawn. The bars show the 20 characters likeliest at temperature 1, in that order;
    the drawing picks them.
    """
    temperatures = list(data["temperatures"])
    probabilities = np.array(data["probabilities"])
    at_one = probabilities[temperatures.index(1.0)]
    order = np.argsort(-at_one, kind="stable")[:20]     # the 20 likeliest at T = 1
    shown = [_shown(data["vocabulary"][i]) for i in order]
    panels = [(t, None, p) for t, p in zip(temperatures, probabilities)]
    panels.append((data["top_k_temperature"], data["top_k"],
                   np.array(data["top_k_probabilities"])))
    fig, axes = plt.subplots(1, len(panels), figsize=(13.0, 3.2), sharey=True,
                             constrained_layout=True)
    for ax, (t, k, p) in zip(axes, panels):
        ax.bar(range(len(order)), p[order], color="tab:orange" if k else "tab:blue")
        ax.set_xticks(range(len(order)), shown, family="monospace")
        ax.set_title(f"temperature {t:g}" + (f", top-k {k}" if k else ""))
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("probability of the next character")
    fig.suptitle(f"After {data['prompt']!r}: the 20 likeliest characters at temperature 1")
    return fig


def lr_schedule(data: dict[str, Any]) -> Figure:
    """The learning rate at every step: linear warm-up, then cosine decay.

    `data`: `steps` and `rates` (the learning rate at each), `warmup_iters`,
    `lr` (the peak) and `min_lr` (where the decay ends).
    """
    lr, min_lr, warmup = data["lr"], data["min_lr"], data["warmup_iters"]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.plot(data["steps"], data["rates"], color="tab:blue")
    ax.axvline(warmup, color="gray", linestyle="--", linewidth=1)
    ax.annotate("end of warm-up", (warmup, lr), xytext=(400, 0.5 * lr),
                arrowprops={"arrowstyle": "->", "color": "gray"}, fontsize=9)
    ax.axhline(min_lr, color="gray", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title(f"cpu preset: warm-up to {lr:g}, cosine down to {min_lr:g}")
    return fig
