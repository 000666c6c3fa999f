"""Every chapter script runs as a reader would run it, and redraws the committed figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import DOCS, ROOT

SNIPPETS = sorted((ROOT / "snippets").glob("ch[0-9][0-9]_*.py"))
FIGURES = DOCS / "assets" / "figures"


def test_there_are_snippets():
    assert SNIPPETS


@pytest.mark.parametrize("script", SNIPPETS, ids=lambda p: p.name)
def test_snippet_is_a_percent_notebook(script):
    text = script.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    assert text.count("# %%") >= 2


@pytest.mark.slow
@pytest.mark.parametrize("script", SNIPPETS, ids=lambda p: p.name)
def test_snippet_runs_and_redraws_its_figures(script, tmp_path):
    figures = tmp_path / "figures"
    env = {**os.environ, "GRADBOOK_FIGURES_DIR": str(figures), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "a chapter script prints what the chapter shows"
    assert "Traceback" not in proc.stderr

    chapter = re.match(r"(ch\d\d)_", script.name).group(1)
    # Figures (.svg) and generated diagrams (.mmd, included by the pages).
    written = sorted(p.name for p in figures.iterdir()) if figures.exists() else []
    committed = sorted(p.name for p in FIGURES.glob(f"{chapter}_*"))
    assert written == committed, "the script's figures and the committed ones differ in name"
    for name in written:
        fresh = (figures / name).read_bytes()
        assert fresh == (FIGURES / name).read_bytes(), (
            f"{name} differs from docs/assets/figures/{name}; run `make figures` and commit"
        )
