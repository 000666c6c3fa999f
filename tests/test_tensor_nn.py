"""Unit tests of gradbook.tensor.nn, .optim and .serialize, and of the digits/IDX data."""

from __future__ import annotations

import gzip
import random

import numpy as np
import pytest

from gradbook.data import batches, load_digits, read_idx
from gradbook.errors import CheckpointError
from gradbook.rng import as_generator, as_random
from gradbook.tensor import Tensor, nn, optim
from gradbook.tensor.functional import cross_entropy
from gradbook.tensor.serialize import load, save
from tests.helpers import HAS_TORCH, needs_torch

if HAS_TORCH:  # for the comparisons marked needs_torch; the other tests run without it
    import torch


def mlp(seed=0):
    return nn.Sequential(nn.Linear(4, 8, rng=seed), nn.ReLU(), nn.Linear(8, 3, rng=seed + 1))


def test_parameters_and_names():
    model = mlp()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert sum(p.data.size for p in model.parameters()) == 4 * 8 + 8 + 8 * 3 + 3


# n_in != n_out, so that He (2/n_in), Xavier (2/(n_in + n_out)) and the fan-in-only
# variance sometimes sold as Xavier (1/n_in) are all different numbers.
@pytest.mark.parametrize("init,var", [("he", 2 / 400), ("xavier", 2 / 500)])
def test_linear_initialisation_variance(init, var):
    layer = nn.Linear(400, 100, init=init, rng=0)
    assert layer.weight.data.mean() == pytest.approx(0, abs=0.01 * var**0.5)
    assert layer.weight.data.var() == pytest.approx(var, rel=0.05)
    assert not layer.bias.data.any()


def test_linear_shape_error():
    with pytest.raises(ValueError, match="expects 4"):
        nn.Linear(4, 2)(Tensor(np.ones((3, 5))))


def test_layers_without_a_seed_start_from_different_weights():
    # The default is fresh randomness: two layers of one shape must not start alike.
    assert not np.array_equal(nn.Linear(4, 3).weight.data, nn.Linear(4, 3).weight.data)
    assert not np.array_equal(nn.Conv2d(1, 2, 3).weight.data, nn.Conv2d(1, 2, 3).weight.data)
    assert not np.array_equal(Tensor.randn(5).data, Tensor.randn(5).data)
    # A seed reproduces the weights; a generator shared by two layers gives each its own.
    assert np.array_equal(nn.Linear(4, 3, rng=7).weight.data, nn.Linear(4, 3, rng=7).weight.data)
    shared = np.random.default_rng(7)
    first, second = nn.Linear(4, 3, rng=shared), nn.Linear(4, 3, rng=shared)
    assert not np.array_equal(first.weight.data, second.weight.data)
    assert np.array_equal(first.weight.data, nn.Linear(4, 3, rng=7).weight.data)


def test_seeds_become_generators_in_one_place():
    generator = np.random.default_rng(0)
    assert as_generator(generator) is generator
    assert as_generator(3).integers(10**9) == np.random.default_rng(3).integers(10**9)
    assert as_generator(None).integers(10**9) != as_generator(None).integers(10**9)
    python_generator = random.Random(0)
    assert as_random(python_generator) is python_generator
    assert as_random(3).random() == random.Random(3).random()
    assert as_random(None).random() != as_random(None).random()


def test_train_eval_and_dropout():
    model = nn.Sequential(nn.Dropout(0.5, rng=0))
    x = Tensor(np.ones((1000,)))
    out = model(x).data
    assert set(np.unique(out)) == {0.0, 2.0} and 0.4 < (out == 0).mean() < 0.6
    model.eval()
    assert not model.layers[0].training
    assert np.array_equal(model(x).data, x.data)


@needs_torch
def test_batchnorm_matches_torch_in_train_and_eval():
    rng = np.random.default_rng(0)
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    for _ in range(3):
        x = rng.standard_normal((8, 3)).astype(np.float32) * 2 + 1
        xo = Tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        out_o, out_t = ours(xo), theirs(xt)
        np.testing.assert_allclose(out_o.data, out_t.detach().numpy(), atol=1e-5)
        (out_o * out_o).sum().backward()
        (out_t * out_t).sum().backward()
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=1e-5)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_cnn_shapes():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)
    )
    out = model(Tensor(np.zeros((5, 1, 8, 8))))
    assert out.shape == (5, 10)


def test_state_dict_roundtrip_and_errors(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    model(Tensor(np.random.default_rng(0).standard_normal((6, 4))))  # moves running stats
    path = save(model, tmp_path / "m.npz")
    fresh = nn.Sequential(nn.Linear(4, 8, rng=9), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3, rng=9))
    load(fresh, path)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key], value)
    x = Tensor(np.ones((2, 4)))
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x).data, fresh(x).data)

    wrong_shape = nn.Sequential(nn.Linear(4, 9), nn.BatchNorm1d(9), nn.ReLU(), nn.Linear(9, 3))
    with pytest.raises(ValueError, match=r"m.npz: layers.0.weight: saved shape \(4, 8\)"):
        load(wrong_shape, path)
    with pytest.raises(ValueError, match="missing"):
        load(nn.Sequential(nn.Linear(4, 8)), path)
    with pytest.raises(CheckpointError, match="nope.npz: no such model file"):
        load(model, tmp_path / "nope.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="junk.npz"):
        load(model, tmp_path / "junk.npz")


def test_failed_save_keeps_old_file(tmp_path, monkeypatch):
    path = save(mlp(), tmp_path / "m.npz")
    before = path.read_bytes()
    monkeypatch.setattr(np, "savez", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        save(mlp(seed=5), path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


# Optimizers follow torch.optim step for step.

OPTIMIZERS = [
    (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
    ),
    (
        lambda p: optim.RMSprop(p, lr=0.01, weight_decay=0.01),
        lambda p: torch.optim.RMSprop(p, lr=0.01, weight_decay=0.01),
    ),
    (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    (
        lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
    ),
]


@needs_torch
@pytest.mark.parametrize("make_ours,make_torch", OPTIMIZERS)
def test_optimizer_trajectory_matches_torch(make_ours, make_torch):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    w0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    w, b = Tensor(w0, True, np.float64), Tensor(b0, True, np.float64)
    wt = torch.tensor(w0, requires_grad=True)
    bt = torch.tensor(b0, requires_grad=True)
    opt, opt_t = make_ours([w, b]), make_torch([wt, bt])
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(20):
        opt.zero_grad()
        cross_entropy(Tensor(X, dtype=np.float64) @ w + b, y).backward()
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(Xt @ wt + bt, yt).backward()
        opt_t.step()
        np.testing.assert_allclose(w.data, wt.detach().numpy(), atol=1e-6, rtol=0)
        np.testing.assert_allclose(b.data, bt.detach().numpy(), atol=1e-6, rtol=0)


def test_optimizer_rejects_bad_settings():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="positive"):
        optim.Adam(mlp().parameters(), lr=0)


# Data


def test_digits_split():
    d = load_digits()
    assert d.X_train.shape == (1438, 64) and d.X_test.shape == (359, 64)
    assert d.X_train.dtype == np.float32 and d.X_train.min() >= 0 and d.X_train.max() <= 1
    assert set(np.unique(d.y_train)) == set(range(10))
    again = load_digits()
    np.testing.assert_array_equal(d.y_test, again.y_test)
    assert load_digits(images=True).X_train.shape == (1438, 1, 8, 8)
    with pytest.raises(ValueError):
        load_digits(test_fraction=1.5)
    assert d.X_val is None and d.y_val is None


def test_digits_validation_split_leaves_the_test_set_alone():
    plain, d = load_digits(), load_digits(validation_fraction=0.2)
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (1079, 359, 359)
    np.testing.assert_array_equal(d.X_test, plain.X_test)
    np.testing.assert_array_equal(d.y_test, plain.y_test)
    # the validation images are training images set aside, none of them twice
    rows = {row.tobytes(): n for n, row in enumerate(plain.X_train)}
    taken = sorted(rows[row.tobytes()] for row in np.concatenate([d.X_train, d.X_val]))
    assert taken == list(range(len(plain.X_train)))
    assert load_digits(images=True, validation_fraction=0.2).X_val.shape == (359, 1, 8, 8)
    for bad in (-0.1, 0.8):
        with pytest.raises(ValueError, match="validation_fraction"):
            load_digits(validation_fraction=bad)


def test_batches_cover_everything_once():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    seen = [yb for _, yb in batches(X, y, 4, rng=0)]
    assert [len(b) for b in seen] == [4, 4, 2]
    assert sorted(np.concatenate(seen).tolist()) == list(range(10))
    assert [b.tolist() for _, b in batches(X, y, 5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    rng = np.random.default_rng(0)
    first = np.concatenate([b for _, b in batches(X, y, 3, rng=rng)])
    second = np.concatenate([b for _, b in batches(X, y, 3, rng=rng)])
    assert not np.array_equal(first, second)
    with pytest.raises(ValueError):
        next(batches(X, y[:5], 2))


def _write_idx(path, array, type_byte=0x08):
    header = bytes([0, 0, type_byte, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def test_read_idx(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    _write_idx(tmp_path / "images.idx", images)
    np.testing.assert_array_equal(read_idx(tmp_path / "images.idx"), images)
    labels = np.array([7, 2, 1], dtype=np.uint8)
    _write_idx(tmp_path / "labels.idx.gz", labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.idx.gz"), labels)
    floats = np.array([[1.5, -2.0]], dtype=np.float32)
    _write_idx(tmp_path / "f.idx", floats, type_byte=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats)


def test_read_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing.idx")
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad.idx")
    _write_idx(tmp_path / "short.idx", np.zeros((2, 2), np.uint8))
    (tmp_path / "short.idx").write_bytes((tmp_path / "short.idx").read_bytes()[:-1])
    with pytest.raises(ValueError, match="promises 4 bytes"):
        read_idx(tmp_path / "short.idx")
