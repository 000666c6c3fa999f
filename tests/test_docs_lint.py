"""The book's pages follow the rules that keep every code block honest."""

from __future__ import annotations

import pytest

from tests.docs_lint import check_chapter_references, check_includes, check_page, has_mermaid
from tests.helpers import DOCS, ROOT, doc_pages

PAGES = doc_pages()
CHAPTERS = sorted((DOCS / "chapters").glob("*.md"))


def test_there_are_pages_and_chapters():
    assert (DOCS / "index.md") in PAGES
    assert CHAPTERS, "no chapters found under docs/chapters"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_fence_is_run_or_skipped_for_a_reason(page):
    assert check_page(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_include_resolves(page):
    assert check_includes(page.read_text(encoding="utf-8"), ROOT) == []


@pytest.mark.parametrize("page", [DOCS / "index.md", *CHAPTERS], ids=lambda p: p.name)
def test_every_chapter_has_a_mermaid_diagram(page):
    assert has_mermaid(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_chapter_and_section_references_are_current(page):
    assert check_chapter_references(page, CHAPTERS) == []


# The rules themselves must be able to fail.


def test_stale_chapter_and_section_references_are_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "See [Chapter 3](04-tensor-autograd.md), Chapters 2 and 14, and Section 1.99.\n\n"
        "[^book]: I. Goodfellow et al., *Deep Learning*, Chapter 14, section 22.4.\n",
        encoding="utf-8",
    )
    assert check_chapter_references(page, CHAPTERS) == [
        "link [Chapter 3] goes to chapter 4, not 3",
        "'Chapters 2 and 14': there is no Chapter 14",
        "Section 1.99: no heading '## 1.99' in Chapter 1",
    ]
    own = tmp_path / "01-manual-gradients.md"
    own.write_text("## 2.1 A heading numbered for another chapter\n", encoding="utf-8")
    assert check_chapter_references(own, [own]) == ["heading '## 2.1' in Chapter 1"]


def test_cont_after_mermaid_is_caught():
    page = "```mermaid\ngraph LR\n```\n\n<!--pytest-codeblocks:cont-->\n```python\nprint(1)\n```\n"
    assert any("'cont' glues" in p for p in check_page(page))


def test_cont_after_python_is_fine():
    page = "```python\nx = 1\n```\n\n<!--pytest-codeblocks:cont-->\n```python\nprint(x)\n```\n"
    assert check_page(page) == []


def test_expected_output_after_a_diagram_is_caught():
    page = "```mermaid\ngraph LR\n```\n<!--pytest-codeblocks:expected-output-->\n```\n1\n```\n"
    assert any("never runs" in p for p in check_page(page))


def test_skip_needs_a_reason():
    bad = "<!--pytest.mark.skip-->\n```python\n1/0\n```\n"
    good = '<!--pytest.mark.skip(reason="needs a GPU")-->\n```python\n1/0\n```\n'
    assert any("without a reason" in p for p in check_page(bad))
    assert check_page(good) == []


def test_attributed_python_fence_must_only_include():
    bad = '```python title="x.py"\nprint("never runs")\n```\n'
    good = '```python title="x.py"\n--8<-- "src/gradbook/manual/linear.py:fit"\n```\n'
    assert any("never executed" in p for p in check_page(bad))
    assert check_page(good) == []


def test_missing_include_targets_are_caught():
    missing_file = '--8<-- "src/gradbook/nope.py:fit"\n'
    missing_section = '--8<-- "src/gradbook/manual/linear.py:no_such_section"\n'
    assert any("missing file" in p for p in check_includes(missing_file, ROOT))
    assert len(check_includes(missing_section, ROOT)) == 2
    assert check_includes('--8<-- "src/gradbook/manual/linear.py:fit"\n', ROOT) == []


def test_has_mermaid_needs_a_mermaid_fence():
    assert not has_mermaid("```python\nprint(1)\n```\n")
