"""Unit tests of gradbook.manual: Chapter 1's hand-derived linear regression."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradbook.errors import CheckpointError, SettingsError
from gradbook.manual import (
    LinearParams,
    fit,
    gradients,
    line_data,
    load_params,
    make_memory_data,
    mse_loss,
    numerical_gradient,
    predict,
    relative_error,
    save_params,
)
from gradbook.manual.data import MEMORY_TRUE_B, MEMORY_TRUE_W
from tests.strategies import finite_floats

finite = finite_floats(10)


def test_predict_is_xw_plus_b():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    params = LinearParams(w=np.array([[10.0], [100.0]]), b=0.5)
    np.testing.assert_allclose(predict(X, params), [[210.5], [430.5]])


def test_mse_loss_by_hand():
    assert mse_loss(np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]])) == 5.0


def test_gradients_at_zero_on_the_line():
    # e = -(2x+1) = [-3,-5,-7,-9]; dL/dw = 2/4 * sum(e*x) = -35, dL/db = 2/4 * sum(e) = -12
    x, y = line_data()
    grad = gradients(x, y, LinearParams.zeros(1))
    assert grad.w.item() == pytest.approx(-35.0)
    assert grad.b == pytest.approx(-12.0)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 8),
    d=st.integers(1, 4),
    data=st.data(),
)
def test_gradients_match_finite_differences(n, d, data):
    X = data.draw(arrays(np.float64, (n, d), elements=finite))
    y = data.draw(arrays(np.float64, (n, 1), elements=finite))
    theta = data.draw(arrays(np.float64, (d + 1,), elements=finite))

    def unpack(t):
        return LinearParams(w=t[:d].reshape(d, 1), b=t[d])

    def loss(t):
        return mse_loss(predict(X, unpack(t)), y)

    grad = gradients(X, y, unpack(theta))
    analytic = np.append(grad.w.ravel(), grad.b)
    numeric = numerical_gradient(loss, theta, eps=1e-5)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-5)


def test_fit_learns_the_line():
    x, y = line_data()
    result = fit(x, y, lr=0.1, epochs=500)
    assert abs(result.params.w.item() - 2) < 1e-3
    assert abs(result.params.b - 1) < 1e-3
    assert len(result.losses) == 501
    assert result.losses[0] == pytest.approx(41.0)
    assert result.losses[-1] < 1e-10


def test_fit_does_not_modify_the_starting_params():
    x, y = line_data()
    start = LinearParams(w=np.array([[0.5]]), b=0.25)
    fit(x, y, epochs=3, params=start)
    assert start.w.item() == 0.5 and start.b == 0.25


def test_fit_snapshots_and_log():
    x, y = line_data()
    seen = []
    result = fit(x, y, epochs=10, snapshot_epochs=(0, 10), log=lambda epoch, loss: seen.append(epoch))
    assert seen == list(range(11))
    assert result.snapshots[0].w.item() == 0.0 and result.snapshots[0].b == 0.0
    assert result.snapshots[10].w.item() == pytest.approx(result.params.w.item())


def test_fit_with_a_learning_rate_too_large_says_so():
    x, y = line_data()
    with pytest.raises(FloatingPointError, match="learning rate 1.0 is too large"):
        fit(x, y, lr=1.0, epochs=2000)


@pytest.mark.parametrize("lr,epochs", [(0.0, 10), (-0.1, 10), (0.1, -1)])
def test_fit_rejects_bad_settings(lr, epochs):
    x, y = line_data()
    with pytest.raises(ValueError):
        fit(x, y, lr=lr, epochs=epochs)


def test_shape_errors_name_the_shapes():
    x, y = line_data()
    with pytest.raises(ValueError, match=r"\(2, 1\)"):
        gradients(x, y, LinearParams.zeros(2))
    with pytest.raises(ValueError, match="2-D"):
        gradients(x.ravel(), y, LinearParams.zeros(1))
    with pytest.raises(ValueError, match=r"y must have shape \(4, 1\)"):
        gradients(x, y.ravel(), LinearParams.zeros(1))
    with pytest.raises(ValueError, match=r"y must have shape \(4, 1\)"):
        fit(x, y.ravel(), epochs=0)  # caught before the first loss, not broadcast


def test_memory_data_is_seeded_and_recovers_true_weights():
    X1, y1 = make_memory_data(seed=3)
    X2, y2 = make_memory_data(seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(make_memory_data(seed=4)[1], y1)
    X, y = make_memory_data(n=2000, noise=0.1, seed=0)
    result = fit(X, y, lr=0.1, epochs=2000)
    np.testing.assert_allclose(result.params.w.ravel(), MEMORY_TRUE_W, atol=0.02)
    assert result.params.b == pytest.approx(MEMORY_TRUE_B, abs=0.03)


def test_gradient_descent_reaches_least_squares():
    X, y = make_memory_data(n=100, seed=0)
    result = fit(X, y, lr=0.1, epochs=3000)
    A = np.column_stack([X, np.ones(len(X))])
    best = np.linalg.lstsq(A, y, rcond=None)[0].ravel()
    np.testing.assert_allclose(np.append(result.params.w.ravel(), result.params.b), best, atol=1e-8)


def test_memory_data_rejects_empty():
    with pytest.raises(ValueError):
        make_memory_data(n=0)


def test_numerical_gradient_of_a_known_function():
    grad = numerical_gradient(lambda t: float(t[0] ** 2 + 3 * t[1]), np.array([2.0, -1.0]))
    np.testing.assert_allclose(grad, [4.0, 3.0], atol=1e-6)


def test_relative_error():
    assert relative_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


# Saving and loading


def test_save_load_roundtrip(tmp_path):
    params = LinearParams(w=np.array([[1.5], [0.8]]), b=0.5)
    path = save_params(tmp_path / "sub" / "model.npz", params)
    loaded = load_params(path)
    np.testing.assert_array_equal(loaded.w, params.w)
    assert loaded.b == params.b
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]


def test_save_needs_npz_suffix(tmp_path):
    with pytest.raises(SettingsError, match=".npz"):
        save_params(tmp_path / "model.pkl", LinearParams.zeros(1))


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = save_params(tmp_path / "model.npz", LinearParams(w=np.ones((1, 1)), b=2.0))
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_params(path, LinearParams.zeros(1))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_load_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(CheckpointError, match="nope.npz: no such parameter file; run save_params"):
        load_params(tmp_path / "nope.npz")


def test_load_refuses_pickles(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([object()], dtype=object), b=np.array(0.0))
    with pytest.raises(CheckpointError, match="pickle|Object arrays"):
        load_params(path)


def _other_keys(path):
    np.savez(path, weights=np.zeros(3))


def _not_a_zip(path):
    path.write_bytes(b"this is not a zip file")


def _wrong_shape(path):
    np.savez(path, w=np.zeros(3), b=np.array(0.0))


@pytest.mark.parametrize(
    "write,message",
    [
        (_other_keys, r"bad.npz: not a parameter file \(missing \['b', 'w'\]\)"),
        (_not_a_zip, "bad.npz: not a safe, readable .npz parameter file"),
        (_wrong_shape, r"bad.npz: w must be \(d, 1\)"),
    ],
)
def test_load_rejects_other_files(tmp_path, write, message):
    write(tmp_path / "bad.npz")
    with pytest.raises(CheckpointError, match=message):
        load_params(tmp_path / "bad.npz")
