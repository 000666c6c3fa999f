"""Deterministic figures: the same code and data give the same SVG bytes, every time.

Every chapter's script draws its figures with matplotlib and saves them with
:func:`save_svg`. Two things make the output reproducible: a fixed ``svg.hashsalt`` (matplotlib
otherwise derives element ids from random numbers), and no date in the metadata.
"""

from __future__ import annotations

import os
from pathlib import Path


import matplotlib.pyplot as plt

STYLE = {
    "svg.hashsalt": "gradbook",
    "svg.fonttype": "path",
    "figure.figsize": (6.4, 4.0),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
plt.rcParams.update(STYLE)


def figures_dir() -> Path:
    """Where figures go: ``$GRADBOOK_FIGURES_DIR`` if set, else the book's figure folder.

    Run from a clone of the book, a chapter script refreshes the figures the pages
    show (``docs/assets/figures``); run anywhere else, it writes to ``./figures``.
    """
    env = os.environ.get("GRADBOOK_FIGURES_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    book_figures = repo / "docs" / "assets" / "figures"
    if (repo / "mkdocs.yml").exists():
        return book_figures
    return Path.cwd() / "figures"


def save_svg(fig: "plt.Figure", name: str) -> Path:
    """Save ``fig`` as ``name`` (an ``.svg``) in :func:`figures_dir`, reproducibly."""
    if not name.endswith(".svg"):
        raise ValueError(f"figure names end in .svg, got {name!r}")
    out = figures_dir() / name
    out.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(STYLE):
        fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return out


def save_text(text: str, name: str) -> Path:
    """Save generated text (a Mermaid diagram, say) as ``name`` in :func:`figures_dir`.

    The pages include these files, so what a diagram shows is what the code drew.
    """
    out = figures_dir() / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    return out
