"""Checkpoints of the names MLP: one file, written atomically, read without running code.

`DIR/names.pt` holds the weights (BatchNorm's running statistics included), the
model's configuration, the vocabulary, and the losses the training reported. It is
written beside its final name and renamed into place (`gradbook.files.atomic_write`),
and read with `torch.load(weights_only=True)`, which accepts only tensors, numbers,
strings, lists and dicts.
"""

from __future__ import annotations

import io
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from gradbook.errors import CheckpointError
from gradbook.files import atomic_write, load_torch_file
from gradbook.names.data import VOCAB
from gradbook.names.mlp import MLP, MLPConfig

FILENAME = "names.pt"
FORMAT = "gradbook-names/1"


def checkpoint_file(path: str | os.PathLike[str]) -> Path:
    """`path` itself if it names a .pt file, else the checkpoint file inside the folder `path`."""
    path = Path(path)
    return path if path.suffix == ".pt" and not path.is_dir() else path / FILENAME


# --8<-- [start:save]
def save_model(path: str | os.PathLike[str], model: MLP, info: dict[str, float] | None = None) -> Path:
    """Write `model` (and `info`, such as its losses) to `path`/names.pt, atomically."""
    state = {"format": FORMAT, "config": asdict(model.config), "vocab": VOCAB,
             "model": model.state_dict(), "info": dict(info or {})}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    target = checkpoint_file(path)
    try:
        with atomic_write(target) as fh:          # the whole file, or the old one: never half
            fh.write(buffer.getbuffer())
    except OSError as exc:
        raise CheckpointError(f"{target}: cannot write a checkpoint here ({exc.strerror or exc})"
                              ) from None
    return target
# --8<-- [end:save]


# --8<-- [start:load]
def load_model(path: str | os.PathLike[str]) -> tuple[MLP, dict[str, Any]]:
    """The model in `path` (in eval mode) and the info saved with it.

    A missing, damaged or foreign file, or one that would run code when unpickled,
    raises CheckpointError.
    """
    file = checkpoint_file(path)
    if not file.is_file():
        raise CheckpointError(f"{file}: no checkpoint here; train one with `gradbook names train`")
    state = load_torch_file(file)      # weights_only; damage is a CheckpointError
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{file}: not a names checkpoint (format {FORMAT} expected)")
    if state.get("vocab") != VOCAB:
        raise CheckpointError(f"{file}: made for another vocabulary than {VOCAB!r}")
    known = {f.name for f in fields(MLPConfig)}
    try:
        config = MLPConfig(**{k: v for k, v in state["config"].items() if k in known})
        model = MLP(config)
        model.load_state_dict(state["model"])
    except (KeyError, TypeError, AttributeError, RuntimeError, ValueError) as exc:
        raise CheckpointError(f"{file}: the weights do not fit the saved configuration "
                              f"({type(exc).__name__}); train again") from None
    model.eval()
    return model, dict(state.get("info", {}))
# --8<-- [end:load]
