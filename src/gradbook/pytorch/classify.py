"""Non-linear models in PyTorch: a hidden layer, XOR, and a safe way to save them."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from gradbook.errors import CheckpointError
from gradbook.files import atomic_write


# --8<-- [start:mlp]
def mlp(sizes: list[int], seed: int = 0) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (none after the last).

    The starting weights are drawn from `seed` inside `fork_rng`, which puts
    PyTorch's global random generator back as it was afterwards.
    """
    layers: list[nn.Module] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(nin, nout))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)
# --8<-- [end:mlp]


# --8<-- [start:train]
def train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module,
          steps: int = 500, lr: float = 0.05) -> list[float]:
    """Full-batch training with Adam: forward, loss, backward, step — `steps` times."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    for _ in range(steps):
        loss = loss_fn(model(X), y)           # forward
        opt.zero_grad()                       # clear last step's gradients
        loss.backward()                       # backward
        opt.step()                            # update
        losses.append(loss.item())
    return losses
# --8<-- [end:train]


# --8<-- [start:xor]
XOR_X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])


def train_xor(hidden: int = 8, steps: int = 500, lr: float = 0.05, seed: int = 0
              ) -> tuple[nn.Sequential, list[float]]:
    """XOR: four points no straight line separates, and a hidden layer that can."""
    model = mlp([2, hidden, 1], seed=seed)
    # BCEWithLogitsLoss = sigmoid + binary cross-entropy, computed stably in one step.
    losses = train(model, XOR_X, XOR_Y, nn.BCEWithLogitsLoss(), steps=steps, lr=lr)
    return model, losses
# --8<-- [end:xor]


# --8<-- [start:save_load]
def save_weights(model: nn.Module, path: str | os.PathLike[str]) -> Path:
    """Save only the tensors (`state_dict`), atomically: temporary file, then rename."""
    path = Path(path)
    with atomic_write(path) as fh:
        torch.save(model.state_dict(), fh)
    return path


def load_weights(model: nn.Module, path: str | os.PathLike[str]) -> nn.Module:
    """Load tensors saved by `save_weights`, refusing anything that would run code.

    `weights_only=True` makes `torch.load` unpickle only tensors and plain
    containers; a file that smuggles in a callable is rejected before it runs. A
    missing, damaged or unsafe file is a `CheckpointError`; weights of another
    shape than `model`'s are a `ValueError`: the file is fine, the model is not.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such weights file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise CheckpointError(f"{path}: not a safe weights file ({type(exc).__name__})") from exc
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"{path}: weights do not fit this model: {exc}") from None
    return model
# --8<-- [end:save_load]
