"""Unit tests of gradbook.scalar.engine, including gradients checked against PyTorch."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradbook.scalar import Value, topological_order
from tests.helpers import HAS_TORCH, needs_torch
from tests.strategies import finite_floats, nonzero_floats

if HAS_TORCH:  # for the comparison at the end; the other tests run without it
    import torch


def grads_of(expr, *xs):
    leaves = [Value(x) for x in xs]
    out = expr(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


@pytest.mark.parametrize(
    "expr,xs,value,grads",
    [
        (lambda a, b: a + b, (2.0, 3.0), 5.0, [1.0, 1.0]),
        (lambda a, b: a * b, (2.0, 3.0), 6.0, [3.0, 2.0]),
        (lambda a, b: a - b, (2.0, 3.0), -1.0, [1.0, -1.0]),
        (lambda a, b: a / b, (2.0, 4.0), 0.5, [0.25, -0.125]),
        (lambda a: a**3, (2.0,), 8.0, [12.0]),
        (lambda a: -a, (2.0,), -2.0, [-1.0]),
        (lambda a: 1 + a, (2.0,), 3.0, [1.0]),
        (lambda a: 3 * a, (2.0,), 6.0, [3.0]),
        (lambda a: 1 - a, (2.0,), -1.0, [-1.0]),
        (lambda a: 1 / a, (2.0,), 0.5, [-0.25]),
        (lambda a: a.exp(), (0.0,), 1.0, [1.0]),
        (lambda a: a.log(), (2.0,), math.log(2.0), [0.5]),
        (lambda a: a.tanh(), (0.0,), 0.0, [1.0]),
        (lambda a: a.sigmoid(), (0.0,), 0.5, [0.25]),
        (lambda a: a.relu(), (-1.0,), 0.0, [0.0]),
        (lambda a: a.relu(), (2.0,), 2.0, [1.0]),
    ],
)
def test_each_op_by_hand(expr, xs, value, grads):
    out, g = grads_of(expr, *xs)
    assert out == pytest.approx(value)
    assert g == pytest.approx(grads)


def test_reused_node_accumulates():
    a = Value(3.0)
    b = a * 2  # interior node, used twice below
    c = b * b + b  # dc/db = 2b + 1 = 13, db/da = 2
    c.backward()
    assert b.grad == 13.0
    assert a.grad == 26.0


def test_same_leaf_twice_in_one_op():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_backward_twice_on_one_graph_adds_to_leaves_only():
    a = Value(2.0)
    b = a * a
    c = b + 1
    c.backward()
    c.backward()
    assert a.grad == 8.0  # 2 * (2a), like PyTorch with retain_graph=True
    assert b.grad == 1.0  # interior grads are recomputed, not doubled


def test_two_graphs_from_the_same_leaves_accumulate_until_zeroed():
    w = Value(2.0)
    (w * 3).backward()
    (w * 5).backward()
    assert w.grad == 8.0
    w.grad = 0.0
    (w * 5).backward()
    assert w.grad == 5.0


def test_deep_chain_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert y.data == 100_001.0
    assert x.grad == 1.0


def test_topological_order_puts_children_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    assert order.index(c) > order.index(a) and order.index(c) > order.index(b)
    assert len(order) == 4


def test_nary_nodes_match_pairwise_ones():
    ws = [Value(0.5), Value(-1.5)]
    xs = [Value(2.0), 3.0]
    b = Value(0.25)
    fused = Value.weighted_sum(ws, xs, b)
    fused.backward()
    fused_grads = [ws[0].grad, ws[1].grad, xs[0].grad, b.grad]
    for v in (*ws, xs[0], b):
        v.grad = 0.0
    pairwise = b + ws[0] * xs[0] + ws[1] * xs[1]
    pairwise.backward()
    assert fused.data == pairwise.data
    assert fused_grads == [ws[0].grad, ws[1].grad, xs[0].grad, b.grad] == [2.0, 3.0, 0.5, 1.0]
    total = Value.sum_of([Value(1.0), 2.0, ws[0]])
    assert total.data == 3.5


def test_errors_are_clear():
    with pytest.raises(ValueError, match="non-positive"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        Value.weighted_sum([Value(1.0), Value(1.0)], [1.0], Value(0.0))


def test_sigmoid_does_not_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_repr():
    assert repr(Value(2.0, label="a")) == "Value(a: data=2, grad=0)"


# A network drawn neuron by neuron (gradbook.scalar.draw.network_data).


def _mlp_by_layer():
    from gradbook.scalar.nn import MLP

    model = MLP(3, [4, 4, 1], activation="tanh", seed=0)
    x = [Value(2.0), Value(3.0), Value(-1.0)]
    outputs, h = [], x
    for layer in model.layers:
        h = layer(h)
        outputs.append(h)
    return model, x, outputs


def test_network_data_keeps_one_box_per_neuron_and_one_edge_per_weight():
    from gradbook.scalar.draw import network_data

    model, x, outputs = _mlp_by_layer()
    out = outputs[-1][0]
    assert out.data == model([2.0, 3.0, -1.0]).data  # the same forward pass
    out.backward()
    data = network_data(model, x, outputs, edges="grads")
    boxes = [column["boxes"] for column in data["columns"]]
    assert [len(b) for b in boxes] == [3, 4, 4, 1]
    assert [b["grad"] for b in boxes[0]] == [v.grad for v in x] != [0.0, 0.0, 0.0]
    assert [b["data"] for b in boxes[2]] == [v.data for v in outputs[1]]
    assert boxes[3][0]["grad"] == 1.0
    output_neuron = model.layers[-1].neurons[0]
    # A linear output: each neuron before it gets its weight as gradient, and that
    # weight's gradient is the neuron's own output.
    assert [b["grad"] for b in boxes[2]] == [w.data for w in output_neuron.w]
    assert data["weights"][-1] == [[v.data for v in outputs[1]]]
    weights = network_data(model, x, outputs)["weights"]
    assert [len(layer) for layer in weights] == [4, 4, 1]
    assert weights[0][0] == [w.data for w in model.layers[0].neurons[0].w]


def test_network_data_refuses_what_does_not_fit():
    from gradbook.scalar.draw import network_data

    model, x, outputs = _mlp_by_layer()
    with pytest.raises(ValueError, match="one list of neuron outputs per layer"):
        network_data(model, x, outputs[:-1])
    with pytest.raises(ValueError, match="one list of neuron outputs per layer"):
        network_data(model, x, [outputs[0][:3], *outputs[1:]])
    with pytest.raises(ValueError, match="'weights' or 'grads'"):
        network_data(model, x, outputs, edges="values")


def test_draw_network_draws_every_box():
    import matplotlib.pyplot as plt

    from gradbook.scalar.draw import draw_network, network_data

    model, x, outputs = _mlp_by_layer()
    fig = draw_network(network_data(model, x, outputs))
    texts = [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    assert sum(t.startswith(("x", "h", "out")) and "grad" in t for t in texts) == 12
    assert any(t.startswith("output: linear") for t in texts)


# Gradients against PyTorch on random expression graphs.

UNARY = ["exp", "log", "tanh", "relu", "sigmoid", "neg", "pow"]
BINARY = ["add", "sub", "mul", "div"]


def _apply(op, a, b, k, lib):
    """One op on engine Values (lib='ours') or torch tensors (lib='torch')."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "neg":
        return -a
    if op == "pow":
        return a**k
    if lib == "torch":
        return getattr(torch, op)(a)
    return getattr(a, op)()


def _safe(op, a, b, k):
    """Is this op well-conditioned at these values (no domain errors, no overflow)?"""
    if op == "log":
        return a > 0.1
    if op == "div":
        return abs(b) > 0.1
    if op == "exp":
        return a < 5
    if op == "pow":
        return abs(a) > 0.1 and (k == int(k) or a > 0)
    if op == "relu":
        return abs(a) > 1e-6  # away from the kink
    return True


constant = nonzero_floats(3)


@needs_torch
@settings(max_examples=150, deadline=None)
@given(data=st.data(), leaves=st.lists(finite_floats(2), min_size=1, max_size=4))
def test_gradients_match_pytorch(data, leaves):
    ours = [Value(x) for x in leaves]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    pool_o, pool_t = list(ours), list(theirs)
    for _ in range(data.draw(st.integers(1, 12), label="steps")):
        op = data.draw(st.sampled_from(UNARY + BINARY), label="op")
        i = data.draw(st.integers(0, len(pool_o) - 1), label="a")  # reuse any earlier node
        j = data.draw(st.integers(0, len(pool_o) - 1), label="b")
        k = data.draw(st.sampled_from([2, 3, -1, 0.5, 1.5]), label="k")
        a_o, a_t, b_o, b_t = pool_o[i], pool_t[i], pool_o[j], pool_t[j]
        side = data.draw(st.sampled_from(["node", "const_right", "const_left"]), label="side")
        if op in BINARY and side != "node":
            c = data.draw(constant, label="c")
            if side == "const_right":
                b_o, b_t = c, c
            else:
                a_o, a_t = c, c
        a_val = a_o.data if isinstance(a_o, Value) else a_o
        b_val = b_o.data if isinstance(b_o, Value) else b_o
        if not _safe(op, a_val, b_val, k):
            continue
        out_o, out_t = _apply(op, a_o, b_o, k, "ours"), _apply(op, a_t, b_t, k, "torch")
        if abs(out_o.data) > 1e6:
            continue
        pool_o.append(out_o)
        pool_t.append(out_t)
    root_o, root_t = pool_o[-1], pool_t[-1]
    assume(root_o.children)  # at least one op was applied
    root_o.backward()
    root_t.backward()
    assert root_o.data == pytest.approx(root_t.item(), rel=1e-12, abs=1e-12)
    for o, t in zip(ours, theirs):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert abs(o.grad - expected) <= 1e-9 * max(1.0, abs(expected)), (o.grad, expected)
