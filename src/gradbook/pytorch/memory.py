"""Chapter 6's memory model: a server's memory use from session length and API calls.

The data are synthetic and contain a curve, so that a straight line is the wrong
model and a network with one hidden layer can measurably do better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


# --8<-- [start:sessions]
def memory_mb(minutes: np.ndarray, calls: np.ndarray) -> np.ndarray:
    r"""The rule hidden in the data, before noise: memory use in MB.

    $$ 120 + 600\,(1 - e^{-\text{minutes}/25}) + 0.4 \cdot \text{calls} $$

    A session's cache fills quickly at first and then stops growing (the curve);
    every API call adds 0.4 MB (the straight part).
    """
    return 120.0 + 600.0 * (1.0 - np.exp(-minutes / 25.0)) + 0.4 * calls


def make_sessions(n: int = 200, noise: float = 20.0, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """`n` sessions: `X` holds (session_minutes, api_calls), `y` memory in MB.

    Sessions last 1 to 120 minutes and make 0 to 1,000 calls; the memory is
    `memory_mb` plus Gaussian noise of standard deviation `noise` MB.
    `X` has shape `(n, 2)`, `y` `(n, 1)`; the same `seed` gives the same data.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(1.0, 120.0, size=n)
    calls = rng.integers(0, 1001, size=n).astype(np.float64)
    y = memory_mb(minutes, calls) + rng.normal(0.0, noise, size=n)
    return np.column_stack([minutes, calls]), y.reshape(-1, 1)
# --8<-- [end:sessions]


# --8<-- [start:scaler]
@dataclass
class Scaler:
    r"""Standardise each column, $x' = (x - \mu) / \sigma$, with the training data's $\mu, \sigma$."""

    mean: torch.Tensor
    std: torch.Tensor

    @classmethod
    def fit(cls, t: torch.Tensor) -> Scaler:
        return cls(t.mean(dim=0), t.std(dim=0))

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        return (t - self.mean) / self.std

    def undo(self, t: torch.Tensor) -> torch.Tensor:
        return t * self.std + self.mean
# --8<-- [end:scaler]


# --8<-- [start:units]
def line_in_units(w: torch.Tensor, b: torch.Tensor, sx: Scaler, sy: Scaler
                  ) -> tuple[list[float], float]:
    r"""A line learned on standardised data, written in the data's own units.

    From $y' = w' \cdot x' + b'$ with $x' = (x - \mu_x)/\sigma_x$ and
    $y = \mu_y + \sigma_y y'$: $w_j = \sigma_y w'_j / \sigma_{x,j}$ and
    $b = \mu_y + \sigma_y b' - \sum_j w_j \mu_{x,j}$.
    """
    w = w.detach().reshape(-1)
    b = b.detach().reshape(())
    weights = sy.std * w / sx.std
    bias = sy.mean + sy.std * b - (weights * sx.mean).sum()
    return weights.tolist(), bias.item()
# --8<-- [end:units]


def rmse(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """Root mean squared error, in the units of `target`."""
    return ((prediction - target) ** 2).mean().sqrt().item()
