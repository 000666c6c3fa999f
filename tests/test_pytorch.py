"""Unit tests of gradbook.device and gradbook.pytorch (Chapter 6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradbook import device
from gradbook.data import load_digits
from gradbook.errors import CheckpointError, SettingsError
from gradbook.manual import fit as manual_fit
from gradbook.manual import line_data, make_memory_data
from gradbook.pytorch.classify import XOR_X, XOR_Y, load_weights, mlp, save_weights, train, train_xor
from gradbook.pytorch.memory import Scaler, line_in_units, make_sessions, memory_mb, rmse
from gradbook.pytorch.regression import as_tensors, fit_by_hand, fit_module
from gradbook.pytorch.side_by_side import train_ours, train_torch, twin_models

# Devices


def test_pick_defaults_to_the_best_available(monkeypatch):
    monkeypatch.delenv("GRADBOOK_DEVICE", raising=False)
    expected = (
        "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert device.pick().type == expected


def test_pick_prefers_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv("GRADBOOK_DEVICE", "cpu")
    assert device.pick() == torch.device("cpu")
    monkeypatch.setenv("GRADBOOK_DEVICE", "nonsense")
    assert device.pick("cpu") == torch.device("cpu")  # the argument wins
    with pytest.raises(SettingsError, match=r"unknown device 'nonsense' \(from \$GRADBOOK_DEVICE\)"):
        device.pick()


def test_pick_refuses_missing_hardware(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(SettingsError, match="CUDA is not available"):
        device.pick("cuda")
    with pytest.raises(SettingsError, match="MPS is not available"):
        device.pick("mps")
    assert device.pick() == torch.device("cpu")


def test_pick_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("GRADBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert device.pick().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.pick().type == "cuda"


# Regression: the numbers agree with Chapter 1


def test_torch_by_hand_matches_chapter_1():
    x, y = line_data()
    ours = manual_fit(x, y, lr=0.1, epochs=500)
    w, b, losses = fit_by_hand(*as_tensors(x, y), lr=0.1, epochs=500)
    np.testing.assert_allclose(losses, ours.losses[:500], rtol=1e-9, atol=1e-14)
    assert w.item() == pytest.approx(ours.params.w.item(), abs=1e-12)
    assert b.item() == pytest.approx(ours.params.b, abs=1e-12)


def test_module_with_sgd_matches_by_hand_and_adam_learns_memory():
    x, y = as_tensors(*line_data())
    _, _, by_hand = fit_by_hand(x, y)
    model, losses = fit_module(x, y, "sgd")
    np.testing.assert_allclose(losses, by_hand, rtol=1e-9, atol=1e-14)
    assert model.weight.item() == pytest.approx(2.0, abs=1e-3)
    X, Y = as_tensors(*make_memory_data(n=100, noise=0.1, seed=0))
    model, _ = fit_module(X, Y, "adam", lr=0.05, epochs=2000)
    np.testing.assert_allclose(model.weight.detach().numpy().ravel(), [1.5, 0.8], atol=0.05)
    with pytest.raises(ValueError, match="optimizer"):
        fit_module(x, y, "lbfgs")


# The memory model: a line, by hand and with Adam, against one hidden layer


def test_sessions_are_seeded_and_follow_the_rule():
    X, y = make_sessions(n=500, seed=3)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    np.testing.assert_array_equal(X, make_sessions(n=500, seed=3)[0])
    assert not np.array_equal(X, make_sessions(n=500, seed=4)[0])
    assert X[:, 0].min() >= 1 and X[:, 0].max() <= 120
    assert X[:, 1].min() >= 0 and X[:, 1].max() <= 1000 and np.all(X[:, 1] % 1 == 0)
    residual = y.ravel() - memory_mb(X[:, 0], X[:, 1])
    assert abs(residual.std() - 20.0) < 2.0 and abs(residual.mean()) < 3.0
    np.testing.assert_allclose(
        make_sessions(n=50, noise=0.0)[1].ravel(), memory_mb(*make_sessions(n=50, noise=0.0)[0].T)
    )
    with pytest.raises(ValueError, match="at least 1"):
        make_sessions(n=0)


def test_scaler_standardises_and_undoes():
    X, _ = as_tensors(*make_sessions(n=100, seed=0))
    s = Scaler.fit(X)
    Z = s(X)
    torch.testing.assert_close(Z.mean(dim=0), torch.zeros(2, dtype=X.dtype), atol=1e-12, rtol=0)
    torch.testing.assert_close(Z.std(dim=0), torch.ones(2, dtype=X.dtype))
    torch.testing.assert_close(s.undo(Z), X)


def test_line_by_hand_and_with_adam_is_least_squares_in_the_data_units():
    X, y = as_tensors(*make_sessions(n=200, seed=0))
    sx, sy = Scaler.fit(X), Scaler.fit(y)
    ones = torch.ones(len(X), 1, dtype=X.dtype)
    best = torch.linalg.lstsq(torch.cat([X, ones], dim=1), y).solution.ravel().tolist()
    w, b, losses = fit_by_hand(sx(X), sy(y), lr=0.1, epochs=100)
    model, _ = fit_module(sx(X), sy(y), "adam", lr=0.05, epochs=200)
    for weights, bias in (line_in_units(w, b, sx, sy), line_in_units(model.weight, model.bias, sx, sy)):
        np.testing.assert_allclose(weights, best[:2], rtol=1e-3)
        assert bias == pytest.approx(best[2], abs=0.05)
    assert losses[-1] < losses[0] / 5


def test_one_hidden_layer_beats_the_line_on_new_sessions():
    X, y = as_tensors(*make_sessions(n=200, seed=0))
    X_new, y_new = as_tensors(*make_sessions(n=200, seed=1))
    sx, sy = Scaler.fit(X), Scaler.fit(y)
    w, b, _ = fit_by_hand(sx(X), sy(y), lr=0.1, epochs=100)
    net = mlp([2, 16, 1]).double()
    train(net, sx(X), sy(y), torch.nn.MSELoss(), steps=300, lr=0.01)
    with torch.no_grad():
        line_error = rmse(sy.undo(sx(X_new) @ w + b), y_new)
        mlp_error = rmse(sy.undo(net(sx(X_new))), y_new)
    noise = rmse(torch.as_tensor(memory_mb(*X_new.numpy().T)).reshape(-1, 1), y_new)
    assert 60 < line_error < 80  # the curve a line cannot follow
    assert noise < mlp_error < 25 < line_error / 2


def test_rmse():
    assert rmse(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0])) == pytest.approx(2**0.5)


# Non-linearity, XOR, saving


def test_stacked_linear_layers_are_one_linear_map():
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Linear(5, 2)).double()
    W = net[1].weight @ net[0].weight
    b = net[1].weight @ net[0].bias + net[1].bias
    x = torch.randn(4, 3, dtype=torch.float64)
    torch.testing.assert_close(net(x), x @ W.T + b)


def test_a_hidden_layer_fits_a_curve_a_line_cannot():
    x = torch.linspace(-1, 1, 64).reshape(-1, 1)
    y = x**2
    line = train(mlp([1, 1]), x, y, torch.nn.MSELoss(), steps=500, lr=0.05)[-1]
    curve = train(mlp([1, 32, 1]), x, y, torch.nn.MSELoss(), steps=500, lr=0.01)[-1]
    assert line > 0.08 and curve < 1e-3


def test_xor_is_learned():
    model, losses = train_xor()
    with torch.no_grad():
        predictions = (model(XOR_X) > 0).float()
    assert torch.equal(predictions, XOR_Y)
    assert losses[-1] < losses[0] / 100


def test_mlp_is_seeded_without_touching_the_global_generator():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = mlp([2, 8, 1], seed=5)
    assert torch.equal(torch.rand(3), expected)  # the caller's random numbers are unchanged
    again = mlp([2, 8, 1], seed=5)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters()))
    other = mlp([2, 8, 1], seed=6)
    assert not torch.equal(first[0].weight, other[0].weight)


def test_save_and_load_weights(tmp_path):
    model, _ = train_xor(steps=50)
    path = save_weights(model, tmp_path / "xor.pt")
    fresh = load_weights(mlp([2, 8, 1], seed=99), path)
    with torch.no_grad():
        assert torch.equal(model(XOR_X), fresh(XOR_X))
    assert [p.name for p in tmp_path.iterdir()] == ["xor.pt"]
    with pytest.raises(ValueError, match="do not fit"):
        load_weights(mlp([2, 4, 1]), path)
    with pytest.raises(CheckpointError, match="missing.pt: no such weights file"):
        load_weights(model, tmp_path / "missing.pt")


def test_the_line_saved_and_loaded_into_a_fresh_linear_predicts_new_inputs(tmp_path):
    x, y = as_tensors(*line_data())
    line, _ = fit_module(x, y, "sgd", lr=0.1, epochs=500)
    fresh = load_weights(torch.nn.Linear(1, 1), save_weights(line, tmp_path / "line.pt"))
    assert fresh.weight.dtype == torch.float32
    with torch.no_grad():
        predicted = fresh(torch.tensor([[5.0], [10.0], [-3.0]])).ravel().tolist()
    np.testing.assert_allclose(predicted, [11.0, 21.0, -5.0], atol=1e-4)


def test_weights_only_accepts_the_plain_containers_the_chapter_names(tmp_path):
    from collections import OrderedDict

    path = tmp_path / "plain.pt"
    plain = {
        "list": [1, 2.5],
        "tuple": ("a", b"b"),
        "set": {3},
        "ordered": OrderedDict(w=1),
        "none": None,
        "flag": True,
        "size": torch.Size([2]),
        "dtype": torch.float16,
        "tensor": torch.arange(3),
    }
    torch.save(plain, path)
    loaded = torch.load(path, weights_only=True)
    assert type(loaded["ordered"]) is OrderedDict and loaded["set"] == {3}
    assert loaded["tuple"] == ("a", b"b") and torch.equal(loaded["tensor"], torch.arange(3))
    assert {k: v for k, v in loaded.items() if k != "tensor"} == {
        k: v for k, v in plain.items() if k != "tensor"
    }


class _Exploit:
    def __reduce__(self):
        return (print, ("this ran while loading",))


def test_a_pickle_that_runs_code_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"weight": _Exploit()}, path)
    with pytest.raises(CheckpointError, match="not a safe weights file"):
        load_weights(mlp([2, 8, 1]), path)
    assert "this ran" not in capsys.readouterr().out


# Side by side


def test_gradbook_and_torch_give_the_same_losses():
    d = load_digits()
    X, y = d.X_train[:128], d.y_train[:128]
    ours, theirs = twin_models([64, 32, 10], seed=0)
    losses_ours = train_ours(ours, X, y, steps=20)
    losses_torch = train_torch(theirs, X, y, steps=20)
    np.testing.assert_allclose(losses_ours, losses_torch, rtol=0, atol=1e-5)
    assert losses_ours[-1] < losses_ours[0]
