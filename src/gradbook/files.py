"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# Its home is gradbook.errors; this import keeps `from gradbook.files import CheckpointError` working.
from gradbook.errors import CheckpointError as CheckpointError


# --8<-- [start:fsync]
def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's list of names (new files, renames) to the disk.

    A no-op where the operating system cannot open a folder as a file (Windows)
    or its file system refuses to sync one.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def synced_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open `path` for writing in binary; on success, flush its bytes to the disk."""
    with open(path, "wb") as fh:
        yield fh
        fh.flush()                      # Python's buffer -> the operating system
        os.fsync(fh.fileno())           # the operating system's cache -> the disk
# --8<-- [end:fsync]


# --8<-- [start:atomic_write]
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path` for writing; rename it over `path` on success.

    `os.replace` is atomic: readers see the old file or the new one, never a mix.
    The bytes are flushed to the disk (`fsync`) before the rename and the folder
    after it, so the same holds after a power cut. If the writing fails, the
    temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())       # the new bytes are on the disk before the name moves
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    fsync_folder(path.parent)           # and so is the rename
# --8<-- [end:atomic_write]
