"""Random generators from seeds: the one place the library turns a seed into a generator.

Everything that draws random numbers (initial weights, dropout masks, shuffles, toy
data sets) takes a seed or a generator and passes it through one of these. The rule
is the same everywhere:

- an `int` gives the same numbers on every run: pass one where a result must be
  reproducible (a page, a test, a benchmark);
- `None` gives fresh numbers each time, like PyTorch without a manual seed, so two
  layers of the same shape never start from the same weights by accident;
- a generator is used as it is, so several layers built from one share its stream
  and each gets numbers of its own.
"""

from __future__ import annotations

import random

import numpy as np

Seed = int | np.random.Generator | None
PySeed = int | random.Random | None


def as_generator(seed: Seed = None) -> np.random.Generator:
    """A numpy generator: `seed` itself if it is one, else a new one seeded with it."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def as_random(seed: PySeed = None) -> random.Random:
    """The same for Python's `random` module, which the scalar engine (Chapter 3) uses."""
    if isinstance(seed, random.Random):
        return seed
    return random.Random(seed)
