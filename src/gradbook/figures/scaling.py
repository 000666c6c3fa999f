"""Chapter 12's figures, drawn from the data `snippets/ch12_scaling_up.py` saves."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

STYLES = {"float16": ("tab:red", "-"), "bfloat16": ("tab:blue", "-"),
          "float32": ("tab:gray", "--")}
PRESET_COLOURS = {"cpu": "tab:blue", "gpu": "tab:orange"}


def precision(data: dict[str, Any]) -> Figure:
    """The largest relative rounding error of each number format, across magnitudes.

    `data`: `magnitudes`; `errors`, a format's name -> its error at each magnitude
    (1 where the number rounds to zero, `null` where it overflows); and float16's
    thresholds: `float16_zero_below`, `float16_smallest_normal`,
    `float16_overflow_above`.
    """
    magnitudes = np.array(data["magnitudes"])
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, (colour, line) in STYLES.items():
        errors = np.array(data["errors"][name], dtype=float)    # null (overflow) -> nan, a gap
        ax.plot(magnitudes, errors, color=colour, linestyle=line, label=name)
    zero_below, inf_above = data["float16_zero_below"], data["float16_overflow_above"]
    ax.axvspan(magnitudes[0], zero_below, color="tab:red", alpha=0.12)
    ax.axvspan(inf_above, magnitudes[-1], color="tab:red", alpha=0.12)
    ax.axvspan(zero_below, data["float16_smallest_normal"], color="tab:red", alpha=0.05)
    for x, label in ((10 ** -8.25, "float16\nrounds\nto 0"),
                     (10 ** -5.9, "float16\nsubnormals"),
                     (10 ** 5.4, "float16\noverflows\nto inf")):
        ax.text(x, 1e-6, label, color="tab:red", ha="center", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(magnitudes[0], magnitudes[-1])
    ax.set_ylim(1e-9, 2)
    ax.set_xlabel("magnitude of the number")
    ax.set_ylabel("largest relative rounding error")
    ax.set_title("Rounding to bfloat16, float16 and float32")
    ax.legend(loc="center", bbox_to_anchor=(0.58, 0.42), ncol=3)
    return fig


def flops_split(data: dict[str, Any]) -> Figure:
    """Attention's share of the FLOPs per token against the block size, per model shape.

    `data`: `blocks` (the block sizes T) and `presets`: a preset's name ->
    `n_layer`, `n_embd`, `share` (attention's share at each T), and its own
    `block_size` with the `own_share` there (marked with a star).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, shape in data["presets"].items():
        colour = PRESET_COLOURS.get(name, "tab:green")
        ax.plot(data["blocks"], shape["share"], marker="o", color=colour,
                label=f"{name} preset shape ({shape['n_layer']} layers, {shape['n_embd']} wide)")
        ax.plot([shape["block_size"]], [shape["own_share"]], marker="*", markersize=14,
                color=colour, linestyle="none")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, 1)
    ax.set_xlabel("block size T (characters of context)")
    ax.set_ylabel("attention's share of the FLOPs per token")
    ax.set_title("12·L·T·d against 6·N  (★ = the preset's own block size)")
    ax.legend(loc="upper left")
    return fig
