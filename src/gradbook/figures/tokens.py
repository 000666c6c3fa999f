"""Chapter 11's figures, drawn from the data `snippets/ch11_tokens.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

BYTE_COLOURS = ["#4c72b0", "#55a868", "#dd8452", "#c44e52"]   # 1, 2, 3, 4 bytes


def utf8_bytes(data: dict[str, Any]) -> Figure:
    """How many UTF-8 bytes the characters of a short sentence take, script by script.

    `data`: `samples`, each with `script` (a label), `text`, `characters`, `bytes`, and
    `by_length` (how many of its characters take 1, 2, 3 and 4 bytes). Each sample is a
    bar split into the shares of its characters by length, labelled with its bytes per
    character. The texts themselves stay in the data: not every font draws every script.
    """
    samples = data["samples"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(samples) + 1.4))
    rows = np.arange(len(samples))[::-1]
    for row, sample in zip(rows, samples):
        left = 0.0
        for n, count in enumerate(sample["by_length"]):
            share = count / sample["characters"]
            if share:
                ax.barh(row, share, left=left, color=BYTE_COLOURS[n], height=0.7)
            left += share
        ax.text(1.02, row, f"{sample['bytes'] / sample['characters']:.2f} bytes/char "
                f"({sample['characters']} chars, {sample['bytes']} bytes)",
                va="center", fontsize=8.5)
    ax.set_yticks(rows, [s["script"] for s in samples])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the sentence's characters")
    handles = [Patch(color=colour, label=f"{n + 1} byte{'s' if n else ''}")
               for n, colour in enumerate(BYTE_COLOURS)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4,
              frameon=False)
    ax.set_title("UTF-8 bytes per character in one short sentence per script")
    ax.grid(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def merge_steps(data: dict[str, Any]) -> Figure:
    """The tokens of a short text after each merge, one row per step.

    `data`: `steps`, each with `chunks` (the text's chunks, each a list of token
    strings), `new` (the token that step made, or null for the bytes at the start),
    `pair` (the two tokens merged, or null) and `count` (how often the pair occurred).
    A token's box is as wide as its bytes; boxes of the new token are highlighted.
    """
    steps = data["steps"]
    n_bytes = sum(len(t.encode("utf-8")) for chunk in steps[0]["chunks"] for t in chunk)
    gap, row = 0.6, 1.5                        # between chunks; between rows (label above boxes)
    width = n_bytes + gap * (len(steps[0]["chunks"]) - 1)
    fig, ax = plt.subplots(figsize=(9, 0.95 * len(steps) + 0.7))
    for k, step in enumerate(steps):
        y = (len(steps) - 1 - k) * row
        x = 0.0
        for chunk in step["chunks"]:
            for token in chunk:
                w = len(token.encode("utf-8"))
                new = step["new"] is not None and token == step["new"]
                ax.add_patch(Rectangle((x + 0.04, y + 0.05), w - 0.08, 0.8,
                                       facecolor="#f2b134" if new else "#e8eef7",
                                       edgecolor="#333333" if new else "#7a8fb0",
                                       linewidth=1.3 if new else 0.7))
                ax.text(x + w / 2, y + 0.45, token.replace(" ", "␣"), ha="center",
                        va="center", fontsize=12, family="DejaVu Sans Mono",
                        fontweight="bold" if new else "normal")
                x += w
            x += gap
        if step["new"] is None:
            label = "the bytes of the text"
        else:
            a, b = (t.replace(" ", "␣") for t in step["pair"])
            new = step["new"].replace(" ", "␣")
            label = f"merge {k - 1} (id {255 + k}): {a} + {b} → {new}, ×{step['count']}"
        ax.text(0, y + 1.12, label, va="center", ha="left", fontsize=11)
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(-0.1, len(steps) * row)
    ax.axis("off")
    ax.set_title("Each row is the text after one more merge (␣ is a space)", fontsize=12)
    fig.tight_layout()
    return fig


def vocab_compression(data: dict[str, Any]) -> Figure:
    """Characters per token against vocabulary size, on the text trained on and on held-out text.

    `data`: `sizes` (vocabulary sizes), `train` and `val` (characters per token at each
    size), `train_chars` and `val_chars` (the lengths of the two parts).
    """
    sizes = np.array(data["sizes"])
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(sizes, data["train"], "o-", color="#4c72b0", label="first 90% (trained on)")
    ax.plot(sizes, data["val"], "s--", color="#dd8452", label="last 10% (held out)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [f"{s:,}" for s in sizes], rotation=45, fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("vocabulary size (256 bytes + merges)")
    ax.set_ylabel("characters per token")
    ax.set_ylim(bottom=0.9)
    ax.set_title("Tiny Shakespeare: more merges, fewer tokens per character")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
