"""Checkpoints: weights, normalisation statistics and configuration, saved as a unit.

A checkpoint is a folder: `model.pt` (the `state_dict`, loaded with
`weights_only=True`), `stats.json`, `config.json` and `manifest.json`,
which records the sha256 of the other three. The folder is written under a
temporary name, flushed to the disk (`fsync`), and renamed into place only when
complete, so an interrupted save, or a power cut, never replaces a good checkpoint
with a mixture; a damaged file is caught by the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, fields
from pathlib import Path

import torch

from gradbook.bikes.data import Normalizer
from gradbook.bikes.model import Config, build_model
from gradbook.data.fetch import sha256_of
from gradbook.errors import CheckpointError
from gradbook.files import fsync_folder, synced_open

FILES = ("model.pt", "stats.json", "config.json")


# --8<-- [start:save]
def save_checkpoint(out: str | os.PathLike[str], model: torch.nn.Module, inputs: Normalizer,
                    target: Normalizer, config: Config) -> Path:
    """Write the checkpoint folder `out`, replacing an older checkpoint there, never a mix."""
    out = Path(out)
    if out.exists() and not (out / "manifest.json").is_file():     # never delete what is not ours
        raise CheckpointError(f"{out}: exists and is not a checkpoint; choose another folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    except OSError as exc:                        # no permission, a read-only disk, ...
        why = exc.strerror or exc
        raise CheckpointError(f"{out}: cannot write a checkpoint here ({why})") from None
    try:
        with synced_open(staging / "model.pt") as fh:     # each file fsynced as it is closed
            torch.save(model.state_dict(), fh)
        for name, content in (("stats.json", {"inputs": inputs.to_dict(), "target": target.to_dict()}),
                              ("config.json", asdict(config))):
            with synced_open(staging / name) as fh:
                fh.write(json.dumps(content, indent=2).encode())
        manifest = {name: sha256_of(staging / name) for name in FILES}
        with synced_open(staging / "manifest.json") as fh:
            fh.write(json.dumps(manifest, indent=2).encode())
        fsync_folder(staging)                     # all four names on the disk, then rename
        old = None
        if out.exists():                          # swap: old aside, new in, old away
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.replace(out, old / out.name)
        os.replace(staging, out)
        fsync_folder(out.parent)                  # the renames on the disk, then delete
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
# --8<-- [end:save]


# --8<-- [start:load]
def load_checkpoint(path: str | os.PathLike[str]) -> tuple[torch.nn.Module, Normalizer, Normalizer, Config]:
    """Model, input and target normalisers, and config, after verifying every file."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"{path}: no checkpoint here; train one with `gradbook bikes train`")
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise CheckpointError(f"{path}: incomplete checkpoint (no manifest.json); train again")
    try:
        manifest = json.loads(manifest_file.read_text())
    except json.JSONDecodeError:
        raise CheckpointError(f"{manifest_file}: corrupt manifest; train again") from None
    for name in FILES:
        file = path / name
        if not file.is_file():
            raise CheckpointError(f"{file}: missing from the checkpoint; train again")
        if sha256_of(file) != manifest.get(name):
            raise CheckpointError(f"{file}: does not match its checksum in manifest.json "
                                  "(damaged or edited); train again")
    stats = json.loads((path / "stats.json").read_text())
    known = {f.name for f in fields(Config)}
    config = Config(**{k: v for k, v in json.loads((path / "config.json").read_text()).items()
                       if k in known})
    inputs, target = Normalizer.from_dict(stats["inputs"]), Normalizer.from_dict(stats["target"])
    model = build_model(config, len(inputs.mean))
    try:
        state = torch.load(path / "model.pt", map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:
        raise CheckpointError(f"{path / 'model.pt'}: cannot be loaded safely ({exc})") from None
    model.eval()
    return model, inputs, target, config
# --8<-- [end:load]
