"""The labs `make serve` shows without executing anything (tools/labs.py)."""

from __future__ import annotations

import nbformat
import pytest

from tests.helpers import ROOT, import_script


@pytest.fixture
def labs(tmp_path, monkeypatch):
    """``tools/labs.py``, imported afresh, with its cache of executed labs in ``tmp_path``."""
    module = import_script(ROOT / "tools" / "labs.py")
    monkeypatch.setattr(module, "CACHE", tmp_path / "cache")
    return module


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "ch01_example.py"
    path.write_text("# %% [markdown]\n# # Lab 1\n\n# %%\nprint(6 * 7)\n", encoding="utf-8")
    return path


def _markdown(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_never_executed_lab_shows_its_code_and_says_how_to_run_it(labs, script, tmp_path):
    out = labs.for_serving(script, tmp_path / "served")
    nb = nbformat.read(out, as_version=4)
    assert "make labs" in _markdown(out)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == "print(6 * 7)" and not code[0].outputs


def test_executed_lab_is_shown_as_executed_and_flagged_when_its_script_changed(labs, script, tmp_path):
    nb = labs.notebook(script)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    labs.CACHE.mkdir(parents=True)
    nbformat.write(nb, labs.CACHE / f"{script.stem}.ipynb")

    shown = labs.for_serving(script, tmp_path / "served")
    assert "make labs" not in _markdown(shown)
    assert nbformat.read(shown, as_version=4).cells[-1].outputs[0]["text"] == "42\n"

    script.write_text(script.read_text(encoding="utf-8") + "print('more')\n", encoding="utf-8")
    stale = labs.for_serving(script, tmp_path / "served")
    assert "earlier version" in _markdown(stale) and "make labs" in _markdown(stale)


def test_the_same_lab_is_the_same_file_so_its_page_can_be_cached(labs, script, tmp_path):
    first = labs.for_serving(script, tmp_path / "a").read_bytes()
    assert labs.for_serving(script, tmp_path / "b").read_bytes() == first


def test_a_lab_is_never_executed_over_the_books_figures(labs, script, tmp_path, monkeypatch):
    monkeypatch.delenv("GRADBOOK_FIGURES_DIR", raising=False)
    with pytest.raises(RuntimeError, match="GRADBOOK_FIGURES_DIR"):
        labs.execute(script, tmp_path / "out")


def test_an_unknown_lab_is_one_line_and_status_2(labs, capsys):
    assert labs.main(["ch99_nothing"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
