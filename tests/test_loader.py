"""gradbook.data.loader: a DataLoader from scratch, batch for batch equal to PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.data.loader import ArrayDataset, DataLoader, default_collate
from tests.helpers import HAS_TORCH, needs_torch
from tests.strategies import seeds

if HAS_TORCH:  # for the comparison with PyTorch's loader; the other tests run without it
    from torch.utils.data import DataLoader as TorchLoader


def _dataset(n):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return ArrayDataset(X, y)


@needs_torch
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    batch=st.integers(1, 12),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=seeds,
)
def test_same_batches_as_torch(n, batch, shuffle, drop_last, seed):
    ds = _dataset(n)
    ours = DataLoader(ds, batch_size=batch, shuffle=shuffle, drop_last=drop_last, rng=seed)
    order = ours.order()
    ours.rng = np.random.default_rng(seed)  # replay the same epoch
    # Give torch our order as its sampler: the batching, drop_last and collation
    # must then agree exactly.
    theirs = TorchLoader(ds, batch_size=batch, sampler=order.tolist(), drop_last=drop_last)
    ours_batches, their_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(their_batches) == len(ours) == len(theirs)
    for (xo, yo), (xt, yt) in zip(ours_batches, their_batches):
        np.testing.assert_array_equal(xo, xt.numpy())
        np.testing.assert_array_equal(yo, yt.numpy())


def test_each_epoch_is_a_new_order_and_runs_repeat():
    def epochs(seed):
        loader = DataLoader(_dataset(10), batch_size=10, shuffle=True, rng=seed)
        return [next(iter(loader))[1].tolist() for _ in range(3)]

    first = epochs(0)
    assert first[0] != first[1] and sorted(first[0]) == list(range(10))
    assert epochs(0) == first and epochs(1) != first


def test_collate_nested_structures():
    batch = default_collate([{"x": np.ones(2), "y": 1}, {"x": np.zeros(2), "y": 0}])
    assert batch["x"].shape == (2, 2) and batch["y"].tolist() == [1, 0]
    assert [b.tolist() for b in default_collate([(1, 2.0), (3, 4.0)])] == [[1, 3], [2.0, 4.0]]


def test_custom_collate_and_errors():
    loader = DataLoader(_dataset(5), batch_size=2, collate_fn=lambda ex: len(ex))
    assert list(loader) == [2, 2, 1]
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(5), batch_size=0)
    with pytest.raises(ValueError, match="different lengths"):
        ArrayDataset(np.zeros(3), np.zeros(4))


def test_collate_keeps_named_tuples():
    from collections import namedtuple

    Pair = namedtuple("Pair", "x y")
    batch = default_collate([Pair(np.ones(2), 1), Pair(np.zeros(2), 0)])
    assert isinstance(batch, Pair) and batch.x.shape == (2, 2) and batch.y.tolist() == [1, 0]
