"""Training a bike-rental model in PyTorch: mini-batches, a device, a test RMSE."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

from gradbook.bikes.data import Normalizer, load_hours, make_features, split
from gradbook.device import pick
from gradbook.errors import SettingsError


@dataclass
class Config:
    """Everything that decides a training run; saved with the model."""

    model: str = "mlp"            # "linear" or "mlp"
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    cyclic_hour: bool = False
    hidden: int = 64
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    chronological: bool = False   # split by time instead of at random

    def check(self) -> None:
        """Raise a `SettingsError` for a setting that cannot work, before any training starts."""
        if self.model not in ("linear", "mlp"):
            raise SettingsError(f"model must be 'linear' or 'mlp', got {self.model!r}")
        for name in ("epochs", "batch_size", "hidden"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise SettingsError(f"lr must be a positive number, got {self.lr}")
        if not (self.val_fraction > 0 and self.test_fraction > 0
                and self.val_fraction + self.test_fraction < 1):
            raise SettingsError("val-fraction and test-fraction must be positive and leave rows "
                             f"to train on, got {self.val_fraction} and {self.test_fraction}")


# --8<-- [start:models]
def build_model(config: Config, n_features: int) -> nn.Module:
    """A straight line through the features, or an MLP with two hidden layers.

    The starting weights come from `config.seed`, drawn inside `fork_rng`: the
    caller's own random numbers are left as they were.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if config.model == "linear":
            return nn.Linear(n_features, 1)
        h = config.hidden
        return nn.Sequential(nn.Linear(n_features, h), nn.ReLU(),
                             nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1))
# --8<-- [end:models]


@dataclass
class Result:
    model: nn.Module
    inputs: Normalizer
    target: Normalizer
    config: Config
    train_losses: list[float] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    val_rmse: float = float("nan")
    test_rmse: float = float("nan")
    baseline_rmse: float = float("nan")


def rmse(pred: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error between two arrays of the same shape."""
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(actual)) ** 2)))


# --8<-- [start:train]
def train(data: str | os.PathLike[str] | dict[str, np.ndarray], config: Config, device: str | None = None,
          on_epoch: Callable[[int, float, float], None] | None = None) -> Result:
    """Load (`data`: a path, or a table from `load_hours`), split, normalise, train
    with mini-batches watching the validation loss, and measure the test RMSE once."""
    config.check()
    dev = pick(device)
    table = data if isinstance(data, dict) else load_hours(data)
    X = make_features(table, config.cyclic_hour)
    y = table["cnt"].reshape(-1, 1)
    train_idx, val_idx, test_idx = split(len(X), config.val_fraction, config.test_fraction,
                                         config.seed, config.chronological)
    inputs = Normalizer.fit(X[train_idx])           # statistics of the training split only
    target = Normalizer.fit(y[train_idx])
    X_train = torch.from_numpy(inputs.transform(X[train_idx]))
    y_train = torch.from_numpy(target.transform(y[train_idx]))
    X_val = torch.from_numpy(inputs.transform(X[val_idx])).to(dev)
    y_val = torch.from_numpy(target.transform(y[val_idx])).to(dev)

    model = build_model(config, X.shape[1]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    loss_fn = nn.MSELoss()
    pairs = TensorDataset(X_train, y_train)
    shuffle = torch.Generator().manual_seed(config.seed)
    batches = BatchSampler(RandomSampler(pairs, generator=shuffle), config.batch_size,
                           drop_last=False)           # whole batches of row numbers
    loader = DataLoader(pairs, sampler=batches, batch_size=None, generator=shuffle)
    result = Result(model, inputs, target, config)
    for epoch in range(config.epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(dev), yb.to(dev)
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), y_val).item()
        result.train_losses.append(total / len(X_train))
        result.val_losses.append(val_loss)
        if on_epoch is not None:
            on_epoch(epoch, result.train_losses[-1], val_loss)

    def in_bikes(rows: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            z = model(torch.from_numpy(inputs.transform(X[rows])).to(dev)).cpu().numpy()
        return target.inverse(z.astype(np.float64))

    result.val_rmse = rmse(in_bikes(val_idx), y[val_idx])
    result.test_rmse = rmse(in_bikes(test_idx), y[test_idx])      # the test rows, used once
    result.baseline_rmse = rmse(np.full_like(y[test_idx], y[train_idx].mean()), y[test_idx])
    return result
# --8<-- [end:train]


def predict(model: nn.Module, features: np.ndarray, *, inputs: Normalizer,
            target: Normalizer) -> np.ndarray:
    """Rentals predicted for raw feature rows (un-normalised), never below zero.

    `inputs` and `target` are the normalisers the model was trained with: those of
    the `Result` of `train`, or the ones `load_checkpoint` returns with the model.
    """
    dev = next(model.parameters()).device
    with torch.no_grad():
        z = model(torch.from_numpy(inputs.transform(features)).to(dev)).cpu().numpy()
    return np.maximum(target.inverse(z.astype(np.float64)), 0.0)
