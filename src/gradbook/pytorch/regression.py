"""Linear regression three ways in PyTorch: by hand, with a module and SGD, with Adam."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


# --8<-- [start:manual]
def fit_by_hand(x: torch.Tensor, y: torch.Tensor, lr: float = 0.1, epochs: int = 500
                ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Chapter 1's loop with autograd doing the derivatives and us doing the update."""
    w = torch.zeros(x.shape[1], 1, dtype=x.dtype, requires_grad=True)
    b = torch.zeros(1, dtype=x.dtype, requires_grad=True)
    losses: list[float] = []
    for _ in range(epochs):
        loss = ((x @ w + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()                  # fills w.grad and b.grad
        assert w.grad is not None and b.grad is not None
        with torch.no_grad():            # the update itself is not part of the model
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None                    # gradients accumulate: clear them
        b.grad = None
    return w.detach(), b.detach(), losses
# --8<-- [end:manual]


# --8<-- [start:module]
def fit_module(x: torch.Tensor, y: torch.Tensor, optimizer: str = "sgd", lr: float = 0.1,
               epochs: int = 500) -> tuple[nn.Linear, list[float]]:
    """The same model as an `nn.Linear`, its parameters handed to a `torch.optim` optimizer."""
    model = nn.Linear(x.shape[1], 1).to(x.dtype)
    with torch.no_grad():                # start where Chapter 1 did: w = 0, b = 0
        model.weight.zero_()
        model.bias.zero_()
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}, got {optimizer!r}")
    opt = optimizers[optimizer](model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, losses
# --8<-- [end:module]


def as_tensors(*arrays: np.ndarray, dtype: torch.dtype = torch.float64) -> list[torch.Tensor]:
    """numpy arrays to torch tensors (float64 by default, to compare with Chapter 1)."""
    return [torch.as_tensor(a, dtype=dtype) for a in arrays]
