"""Reading a text to model: a UTF-8 file, or Tiny Shakespeare from the data cache.

Chapters 10 and 11 read their text through `load_text`; it needs no PyTorch, so the
tokenizer of Chapter 11 runs without it.
"""

from __future__ import annotations

import os
from pathlib import Path

from gradbook.data.fetch import fetch
from gradbook.errors import DataError


def load_text(path: str | os.PathLike | None = None) -> str:
    """The training text: a UTF-8 file at `path`, or Tiny Shakespeare from the data cache."""
    if path is None:
        path = fetch("shakespeare")
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the path of a text file")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x})"
                        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not text:
        raise DataError(f"{path}: the file is empty")
    return text
