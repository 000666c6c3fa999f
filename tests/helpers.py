"""What the tests share that is not a fixture: the repository's folders, a mark, a loader.

Values that parametrize a test must exist when pytest collects it, before any fixture
runs, so they live here (fixtures are in ``conftest.py``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SNIPPETS = sorted((ROOT / "snippets").glob("ch[0-9][0-9]_*.py"))  # one script per chapter

# PyTorch is in the `test` extra, but a test that does not compare with it must run
# without it: mark the ones that do, rather than skipping a whole file.
HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="compares with PyTorch, which is not installed (pip install -e '.[test]')"
)

# A short, repetitive text for the Tiny GPT tests (Chapters 10 and 12): 33 characters
# to tokenize, 2,980 in all, enough for a training and a validation split.
GPT_TEXT = (
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\n"
) * 20


def doc_pages() -> list[Path]:
    """Every Markdown page of the book (vendored JavaScript excluded)."""
    return sorted(p for p in DOCS.rglob("*.md") if "vendor" not in p.parts)


def import_script(path: Path, name: str | None = None) -> ModuleType:
    """Import a Python file that is in no package (``tools/*.py``, ``benchmarks/run.py``), afresh.

    The module is registered in ``sys.modules`` under ``name`` (the file's stem by
    default): dataclasses look their module up there while the file runs.
    """
    name = name or path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
