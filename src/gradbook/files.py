"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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


# --8<-- [start:load_torch_file]
def load_torch_file(file: Path, map_location: Any = "cpu") -> Any:
    """What `torch.save` wrote to `file`, read with `weights_only=True`.

    A file that is not a `torch.save` archive, is damaged, or holds Python objects
    (which could run code when unpickled) raises CheckpointError naming the file.
    """
    import pickle
    import re
    import zipfile

    import torch

    if not zipfile.is_zipfile(file):       # torch.save always writes a zip archive
        raise CheckpointError(f"{file}: damaged or not a checkpoint (not a torch.save archive)")
    try:
        return torch.load(file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        what = f"it asks to call {found.group(1)}" if found else "it holds Python objects"
        raise CheckpointError(f"{file}: refused to load: {what}, which could run code; only "
                              "tensors, numbers, strings, lists and dicts are accepted") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f"{file}: damaged or not a checkpoint ({type(exc).__name__})"
                              ) from None
# --8<-- [end:load_torch_file]
