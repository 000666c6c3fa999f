"""Unit tests of gradbook.tensor: every op's gradient against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.tensor import Tensor, gradcheck, no_grad, unbroadcast
from gradbook.tensor.functional import conv2d, cross_entropy, max_pool2d, mse_loss
from tests.helpers import HAS_TORCH, needs_torch
from tests.strategies import broadcastable_pairs, seeds, small_shapes

if HAS_TORCH:  # for the comparisons marked needs_torch; the other tests run without it
    import torch

TOL = 1e-6


def _arrays(shapes, rng, positive=False, away_from_zero=False):
    out = []
    for shape in shapes:
        a = rng.standard_normal(shape)
        if positive:
            a = np.abs(a) + 0.5
        if away_from_zero:
            a = np.where(np.abs(a) < 0.1, 0.5, a)
        out.append(a)
    return out


def check_against_torch(ours_fn, torch_fn, arrays):
    """Same function, same float64 inputs: same output and same input gradients."""
    ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out_o, out_t = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out_o.data, out_t.detach().numpy(), rtol=TOL, atol=TOL)
    upstream = np.random.default_rng(1).standard_normal(out_o.shape)
    out_o.backward(upstream)
    out_t.backward(torch.tensor(upstream))
    for o, t in zip(ours, theirs):
        expected = np.zeros(o.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(o.shape) if o.grad is None else o.grad
        np.testing.assert_allclose(got, expected, rtol=TOL, atol=TOL)


@needs_torch
@settings(max_examples=40, deadline=None)
@given(
    shapes=broadcastable_pairs(max_side=4),
    op=st.sampled_from(["add", "sub", "mul", "div"]),
    swap=st.booleans(),
    seed=seeds,
)
def test_broadcasting_binary_ops(shapes, op, swap, seed):
    shapes = shapes[::-1] if swap else shapes
    a, b = _arrays(shapes, np.random.default_rng(seed), away_from_zero=True)
    fn = {
        "add": lambda x, y: x + y,
        "sub": lambda x, y: x - y,
        "mul": lambda x, y: x * y,
        "div": lambda x, y: x / y,
    }[op]
    check_against_torch(fn, fn, [a, b])


UNARY = {
    "exp": (lambda x: x.exp(), lambda x: torch.exp(x), {}),
    "log": (lambda x: x.log(), lambda x: torch.log(x), {"positive": True}),
    "relu": (lambda x: x.relu(), lambda x: torch.relu(x), {"away_from_zero": True}),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: torch.sigmoid(x), {}),
    "tanh": (lambda x: x.tanh(), lambda x: torch.tanh(x), {}),
    "neg": (lambda x: -x, lambda x: -x, {}),
    "pow3": (lambda x: x**3, lambda x: x**3, {}),
    "pow-0.5": (lambda x: x**-0.5, lambda x: x**-0.5, {"positive": True}),
    "rsub": (lambda x: 2.0 - x, lambda x: 2.0 - x, {}),
    "rdiv": (lambda x: 2.0 / x, lambda x: 2.0 / x, {"away_from_zero": True}),
    "log_softmax": (lambda x: x.log_softmax(-1), lambda x: torch.log_softmax(x, -1), {}),
    "transpose": (lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))), {}),
    "reshape": (lambda x: x.reshape(-1), lambda x: x.reshape(-1), {}),
    "sum": (lambda x: x.sum(), lambda x: x.sum(), {}),
    "mean": (lambda x: x.mean(), lambda x: x.mean(), {}),
    "max": (lambda x: x.max(), lambda x: x.amax(), {}),
}


@needs_torch
@settings(max_examples=60, deadline=None)
@given(
    shape=small_shapes(),
    op=st.sampled_from(sorted(UNARY)),
    seed=seeds,
)
def test_unary_ops(shape, op, seed):
    ours, theirs, kind = UNARY[op]
    (a,) = _arrays([shape], np.random.default_rng(seed), **kind)
    check_against_torch(ours, theirs, [a])


@needs_torch
@settings(max_examples=40, deadline=None)
@given(
    shape=small_shapes(min_dims=2),
    data=st.data(),
    keepdims=st.booleans(),
    op=st.sampled_from(["sum", "mean", "max"]),
    seed=seeds,
)
def test_reductions_over_an_axis(shape, data, keepdims, op, seed):
    axis = data.draw(st.integers(0, len(shape) - 1))
    (a,) = _arrays([shape], np.random.default_rng(seed))

    def ours(x):
        return getattr(x, op)(axis=axis, keepdims=keepdims)

    def theirs(x):
        if op == "max":
            return x.amax(dim=axis, keepdim=keepdims)
        return getattr(x, op)(dim=axis, keepdim=keepdims)

    check_against_torch(ours, theirs, [a])


@needs_torch
@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 4),
    k=st.integers(1, 4),
    m=st.integers(1, 4),
    batch=st.sampled_from([(), (2,), (3, 1)]),
    b_batched=st.booleans(),
    seed=seeds,
)
def test_matmul_including_batches(n, k, m, batch, b_batched, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((*batch, n, k))
    b = rng.standard_normal((*(batch if b_batched else ()), k, m))
    check_against_torch(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


@needs_torch
def test_indexing_and_slicing():
    a = np.random.default_rng(0).standard_normal((4, 5))
    check_against_torch(lambda x: x[1:3, ::2], lambda x: x[1:3, ::2], [a])
    idx = np.array([0, 2, 2, 3])
    check_against_torch(lambda x: x[idx], lambda x: x[torch.from_numpy(idx)], [a])


@needs_torch
def test_cross_entropy_and_mse_against_torch():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    check_against_torch(
        lambda z: cross_entropy(z, targets),
        lambda z: torch.nn.functional.cross_entropy(z, torch.from_numpy(targets)),
        [logits],
    )
    target = rng.standard_normal((6, 4))
    check_against_torch(
        lambda p: mse_loss(p, target),
        lambda p: torch.nn.functional.mse_loss(p, torch.from_numpy(target)),
        [logits],
    )


@needs_torch
@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1)])
def test_conv2d_against_torch(stride, padding):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    check_against_torch(
        lambda x, w, b: conv2d(x, w, b, stride, padding),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding),
        [x, w, b],
    )


@needs_torch
def test_max_pool_against_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 6))
    check_against_torch(lambda x: max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), [x])


def test_cross_entropy_is_stable_for_huge_logits():
    z = Tensor([[1000.0, 0.0], [0.0, -1000.0]], requires_grad=True)
    loss = cross_entropy(z, np.array([0, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(z.grad).all()


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda a, b: (a @ b).relu(), [(3, 4), (4, 2)]),
        (lambda a, b: (a * b + a).tanh(), [(3, 4), (4,)]),
        (lambda a: a.log_softmax(), [(2, 5)]),
        (lambda a, w: conv2d(a, w, padding=1), [(1, 2, 4, 4), (3, 2, 3, 3)]),
    ],
)
def test_finite_difference_gradcheck(fn, shapes):
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s) for s in shapes]
    assert gradcheck(fn, inputs) < 1e-6


def test_gradcheck_catches_a_wrong_gradient():
    def wrong_square(x):
        out = x * x
        out._backward = lambda g: (g * x.data,)  # forgot the factor 2
        return out

    with pytest.raises(AssertionError, match="relative error"):
        gradcheck(wrong_square, [np.array([1.0, 2.0])])


def test_unbroadcast():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (4,)).tolist() == [6.0] * 4
    assert unbroadcast(g, (3, 1)).shape == (3, 1)
    assert unbroadcast(g, (1, 3, 1)).ravel().tolist() == [8.0] * 3


def test_grads_accumulate_and_reused_nodes():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y * y).sum().backward()  # y used twice: d/dx = 2 * 3x * 3 = 18x
    assert x.grad.tolist() == [18.0, 36.0]
    x.sum().backward()
    assert x.grad.tolist() == [19.0, 37.0]
    x.zero_grad()
    assert x.grad is None


def test_deep_graph_needs_no_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_no_grad_builds_no_graph():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_from_op_adds_an_operation_of_your_own():
    def cube(x):
        return Tensor.from_op(x.data**3, (x,), lambda g: (g * 3 * x.data**2,), "cube")

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = cube(x)
    assert y.op == "cube" and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert not cube(Tensor([1.0])).requires_grad  # no input needs a gradient: no graph
    with no_grad():
        assert not cube(x).requires_grad


def test_defaults_and_creation():
    assert Tensor([1, 2]).dtype == np.float32
    assert Tensor([1.0], dtype=np.float64).dtype == np.float64
    assert Tensor.zeros(2, 3).shape == (2, 3) and Tensor.ones(2).data.sum() == 2
    assert np.array_equal(Tensor.randn(3, rng=5).data, Tensor.randn(3, rng=5).data)
    assert Tensor.from_numpy(np.arange(3.0)).dtype == np.float64
    assert (Tensor([1.0, 2.0]) * 2.5).dtype == np.float32  # a Python number keeps float32


def test_shape_errors_name_both_shapes_and_the_op():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4, 3\)"):
        a + b
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 3\)"):
        a @ b
    with pytest.raises(ValueError, match="reshape"):
        a.reshape(5)
    with pytest.raises(RuntimeError, match="non-scalar"):
        Tensor(np.ones(3), requires_grad=True).backward()
    with pytest.raises(ValueError, match="targets"):
        cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 3]))


def test_numbers_take_the_tensors_dtype():
    x = Tensor([1.0, 1.0, 1.0], dtype=np.float64)
    assert (x * 0.1).data[0] == 0.1  # not rounded to float32 on the way
    assert x.mean().item() == 1.0


def test_relu_gives_positive_zero():
    out = Tensor([-2.0, 3.0]).relu().data
    assert out.tolist() == [0.0, 3.0] and not np.signbit(out[0])
