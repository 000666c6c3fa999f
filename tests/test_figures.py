"""Figures are reproducible byte for byte."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from gradbook.figures import figures_dir, save_svg


def _draw():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label="x squared")
    ax.legend()
    return fig


def test_same_figure_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADBOOK_FIGURES_DIR", str(tmp_path))
    first = save_svg(_draw(), "a.svg").read_bytes()
    second = save_svg(_draw(), "b.svg").read_bytes()
    plt.close("all")
    assert first == second
    assert b"<dc:date>" not in first


def test_figures_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADBOOK_FIGURES_DIR", str(tmp_path / "figs"))
    assert figures_dir() == tmp_path / "figs"


def test_only_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADBOOK_FIGURES_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=".svg"):
        save_svg(_draw(), "a.png")
    plt.close("all")
