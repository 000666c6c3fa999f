"""Tiny GPT checkpoints: everything needed to resume training or to generate, in one file.

`DIR/checkpoint.pt` holds the weights, the optimizer's state, both
configurations, the tokenizer's vocabulary, the step, the random-number
generators' states and the loss history. It is written beside its final name and
renamed into place (`gradbook.files.atomic_write`), so a crash mid-save
leaves the previous checkpoint intact. It holds only tensors, numbers, strings,
lists and dicts, and is read with `torch.load(weights_only=True)`: a file that
would run code when unpickled is refused, not run.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from gradbook.errors import CheckpointError
from gradbook.files import atomic_write, load_torch_file

FILENAME = "checkpoint.pt"
FORMAT = "gradbook-gpt/1"
KEYS = ("format", "model", "optimizer", "model_config", "train_config", "tokenizer", "step",
        "rng", "history")


def checkpoint_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path / FILENAME if path.is_dir() or path.suffix != ".pt" else path


# --8<-- [start:save]
def save(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write `state` (see `KEYS`) atomically to `path`/checkpoint.pt."""
    missing = [k for k in KEYS if k not in state and k != "format"]
    if missing:
        raise ValueError(f"checkpoint state lacks {', '.join(missing)}")
    target = checkpoint_file(path)
    buffer = io.BytesIO()
    torch.save({**state, "format": FORMAT}, buffer)
    with atomic_write(target) as fh:
        fh.write(buffer.getbuffer())
    return target
# --8<-- [end:save]


# --8<-- [start:load]
def load(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read and check a checkpoint; unsafe or damaged files raise CheckpointError."""
    file = checkpoint_file(path)
    if not file.is_file():
        raise CheckpointError(f"{file}: no checkpoint here; train one with `gradbook gpt train`")
    state = load_torch_file(file, map_location)   # weights_only; damage is a CheckpointError
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{file}: not a Tiny GPT checkpoint (format {FORMAT} expected)")
    missing = [k for k in KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{file}: incomplete checkpoint, lacks {', '.join(missing)}")
    return state
# --8<-- [end:load]
