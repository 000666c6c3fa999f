"""Saving learned parameters to `.npz` and loading them back, safely."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from gradbook.errors import CheckpointError, SettingsError
from gradbook.files import atomic_write
from gradbook.manual.linear import LinearParams


# --8<-- [start:save]
def save_params(path: str | os.PathLike[str], params: LinearParams) -> Path:
    """Write `w` and `b` to an `.npz` file, atomically.

    The arrays go to a temporary file in the same folder, which is then renamed over
    `path`: a crash half-way leaves the old file intact, never a half-written one.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise SettingsError(f"{path}: parameter files must end in .npz")
    with atomic_write(path) as fh:
        np.savez(fh, w=params.w, b=np.array(params.b))
    return path
# --8<-- [end:save]


# --8<-- [start:load]
def load_params(path: str | os.PathLike[str]) -> LinearParams:
    """Read parameters written by `save_params`.

    `allow_pickle=False` means numpy refuses any object array, so loading a file
    from someone else can never run their code. A file that is missing, unreadable
    or not a parameter file is a `CheckpointError` that names it.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such parameter file; run save_params first")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # numpy raises ValueError for anything that would need pickle to read.
        raise CheckpointError(f"{path}: not a safe, readable .npz parameter file ({exc})") from exc
    missing = {"w", "b"} - set(arrays)
    if missing:
        raise CheckpointError(f"{path}: not a parameter file (missing {sorted(missing)})")
    w, b = arrays["w"], arrays["b"]
    if w.ndim != 2 or w.shape[1] != 1 or b.shape != ():
        raise CheckpointError(f"{path}: w must be (d, 1) and b a number, "
                              f"got {w.shape} and {b.shape}")
    return LinearParams(w=w, b=float(b))
# --8<-- [end:load]
