"""The same MLP and training step in gradbook.tensor and in PyTorch, from the same weights."""

from __future__ import annotations

import numpy as np
import torch

from gradbook.tensor import Tensor
from gradbook.tensor import nn as gnn
from gradbook.tensor import optim as goptim
from gradbook.tensor.functional import cross_entropy


def twin_models(sizes: list[int], seed: int = 0) -> tuple[gnn.Sequential, torch.nn.Sequential]:
    """A `gradbook.tensor` MLP and a PyTorch MLP holding identical weights.

    Our `Linear` stores `W` as `(nin, nout)` and computes `x @ W`; PyTorch's
    stores `(nout, nin)` and computes `x @ W.T`: copying means transposing.
    """
    ours_layers: list[gnn.Module] = []
    torch_layers: list[torch.nn.Module] = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        layer = gnn.Linear(nin, nout, rng=seed + i)
        twin = torch.nn.Linear(nin, nout)
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
            twin.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
        ours_layers.append(layer)
        torch_layers.append(twin)
        if i < len(sizes) - 2:
            ours_layers.append(gnn.ReLU())
            torch_layers.append(torch.nn.ReLU())
    return gnn.Sequential(*ours_layers), torch.nn.Sequential(*torch_layers)


# --8<-- [start:ours]
def train_ours(model: gnn.Sequential, X: np.ndarray, y: np.ndarray, steps: int = 20,
               lr: float = 0.1) -> list[float]:
    opt = goptim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = cross_entropy(model(Tensor(X)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
# --8<-- [end:ours]


# --8<-- [start:theirs]
def train_torch(model: torch.nn.Sequential, X: np.ndarray, y: np.ndarray, steps: int = 20,
                lr: float = 0.1) -> list[float]:
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(X_t), y_t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
# --8<-- [end:theirs]
