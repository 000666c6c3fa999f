"""Saving a model's parameters to `.npz` and loading them back, with no pickle."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from gradbook.errors import CheckpointError
from gradbook.files import atomic_write
from gradbook.tensor.nn import Module


# --8<-- [start:save_load]
def save(model: Module, path: str | os.PathLike) -> Path:
    """Write `model.state_dict()` to `path` atomically (temporary file, then rename)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"{path}: model files must end in .npz")
    with atomic_write(path) as fh:
        np.savez(fh, allow_pickle=False, **model.state_dict())
    return path


def load(model: Module, path: str | os.PathLike) -> Module:
    """Fill `model` with the parameters saved at `path`; a mismatch is a clear error."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as data:
            state = {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a safe, readable .npz model file ({exc})") from exc
    try:
        model.load_state_dict(state)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return model
# --8<-- [end:save_load]
