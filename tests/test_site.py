"""The site builds with --strict, with no warnings, and the labs are executed pages."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT, SNIPPETS

pytestmark = pytest.mark.slow


def test_build_has_no_warnings(built_site):
    _, log = built_site
    warnings = [line for line in log.splitlines() if re.match(r"^(WARNING|ERROR)\s+-\s", line)]
    assert warnings == []


def test_every_page_is_built(built_site):
    site, _ = built_site
    for page in ["index.html", "chapters/01-manual-gradients/index.html", "labs/index.html"]:
        assert (site / page).is_file(), page


@pytest.mark.parametrize("script", SNIPPETS, ids=lambda p: p.stem)
def test_lab_is_executed_with_a_notebook_to_download(built_site, script):
    site, _ = built_site
    lab = site / "labs" / script.stem
    html = (lab / "index.html").read_text(encoding="utf-8")
    assert (lab / f"{script.stem}.ipynb").is_file()
    assert f'href="{script.stem}.ipynb" download' in html
    # Executed: output areas hold what the script printed, and no cell failed.
    assert "jp-OutputArea-output" in html
    assert (
        "Traceback" not in html
        and 'jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr' not in html
    )
    # The site's own MathJax 3 serves the lab; nbconvert's MathJax 2 CDN loader is gone.
    assert "cdnjs.cloudflare.com/ajax/libs/mathjax" not in html


def test_figures_and_diagrams_are_served_locally(built_site):
    site, _ = built_site
    html = (site / "chapters" / "01-manual-gradients" / "index.html").read_text(encoding="utf-8")
    assert "ch01_loss.svg" in html
    if (ROOT / "docs" / "vendor" / "mermaid" / "mermaid.min.js").is_file():
        assert "vendor/mermaid/mermaid.min.js" in html
        assert "vendor/mathjax/tex-svg.js" in html
        assert "unpkg.com" not in html
