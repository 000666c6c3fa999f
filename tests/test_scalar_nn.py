"""Unit tests of gradbook.scalar.nn, .train and .draw, and of gradbook.data.make_moons."""

from __future__ import annotations

import random
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from gradbook.data import make_moons
from gradbook.figures import save_figure, save_svg, svg_bytes
from gradbook.scalar import Value
from gradbook.scalar.draw import GraphTooLargeError, draw_graph, graph_data, to_figure, to_mermaid
from gradbook.scalar.nn import MLP, Layer, Neuron
from gradbook.scalar.train import accuracy_of, fit, linear_decay, max_margin_loss


def test_parameter_counts():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 5).parameters()) == 20
    # Chapter 3's model: (2*16 + 16) + (16*32 + 32) + (32*1 + 1)
    assert len(MLP(2, [16, 32, 1]).parameters()) == 625
    # micrograd's demonstration model: (2*16 + 16) + (16*16 + 16) + (16*1 + 1)
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_seeded_initialisation():
    a = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    b = [p.data for p in MLP(2, [4, 1], seed=7).parameters()]
    c = [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    assert a == b and a != c
    assert all(-1 <= x <= 1 for x in a)


def test_without_a_seed_every_neuron_starts_differently():
    assert [w.data for w in Neuron(3).w] != [w.data for w in Neuron(3).w]
    assert [p.data for p in MLP(2, [4, 1]).parameters()] != [p.data for p in MLP(2, [4, 1]).parameters()]
    # A seed is a random.Random made from it: Chapter 3 prints these weights.
    expected = random.Random(0)
    assert [w.data for w in Neuron(3, rng=0).w] == [expected.uniform(-1, 1) for _ in range(3)]
    # A layer's neurons share its generator, so each gets weights of its own.
    first, second = Layer(3, 2, rng=0).neurons
    assert [w.data for w in first.w] == [w.data for w in Neuron(3, rng=0).w]
    assert [w.data for w in first.w] != [w.data for w in second.w]


def test_the_loss_needs_a_model_with_one_output():
    with pytest.raises(ValueError, match="one score, but this model has 2 outputs"):
        max_margin_loss(MLP(2, [3, 2], seed=0), [[0.0, 1.0]], [1])


def test_activations():
    neuron = Neuron(1, "relu")
    neuron.w[0].data = -1.0
    assert neuron([2.0]).data == 0.0
    neuron.activation = "tanh"
    assert neuron([2.0]).data == pytest.approx(np.tanh(-2.0))
    with pytest.raises(ValueError, match="activation"):
        Neuron(1, "swish")
    with pytest.raises(ValueError, match="non-linearity"):
        MLP(2, [3, 1], activation="linear")


def test_mlp_output_layer_is_linear_and_zero_grad_works():
    model = MLP(2, [3, 1], activation="relu", seed=1)
    assert model.layers[-1].neurons[0].activation == "linear"
    assert model.layers[0].neurons[0].activation == "relu"
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert len(MLP(2, [3, 2])([1.0, 1.0])) == 2


def test_moons_shape_labels_seed():
    X, y = make_moons(101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert (y == 1).sum() == 50 and (y == -1).sum() == 51
    X2, y2 = make_moons(101, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make_moons(101, noise=0.1, seed=4)[0], X)


def test_moons_geometry_without_noise():
    X, y = make_moons(50, noise=0.0)
    upper, lower = X[y == 1], X[y == -1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()


@pytest.mark.parametrize("kwargs", [dict(n_samples=1), dict(noise=-0.1)])
def test_moons_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_moons(**kwargs)


def test_linear_decay_endpoints():
    assert linear_decay(0, 100) == 1.0
    assert linear_decay(99, 100) == pytest.approx(0.1)
    assert linear_decay(0, 1) == 1.0


def test_max_margin_loss_by_hand():
    model = MLP(1, [1, 1], seed=0)
    for p in model.parameters():
        p.data = 0.0
    loss, acc = max_margin_loss(model, [[1.0], [2.0]], [1, -1], alpha=0.0)
    assert loss.data == 1.0  # every score is 0: each margin costs 1
    assert acc == 0.5  # a score of 0 counts as a prediction of -1


def test_accuracy_of_counts_signs_and_agrees_with_the_loss():
    model = MLP(1, [1, 1], seed=0)
    for p in model.parameters():
        p.data = 0.0
    model.layers[-1].neurons[0].b.data = 0.5  # every score is +0.5
    assert accuracy_of(model, [[1.0], [2.0], [3.0]], [1, -1, 1]) == 2 / 3
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    _, from_loss = max_margin_loss(model, X.tolist(), y.tolist())
    assert accuracy_of(model, X.tolist(), y.tolist()) == from_loss


def test_training_learns_the_moons():
    # Chapter 3's page trains its full model to 100%; a small, quick one here.
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X.tolist(), y.tolist(), steps=40)
    assert history.accuracies[0] < 0.8 < history.accuracies[-1]
    assert history.losses[-1] < history.losses[0] / 4


# Drawing


def _neuron_graph():
    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(1.0, "b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def test_mermaid_shows_every_value_and_op():
    text = to_mermaid(_neuron_graph())
    assert text.startswith("flowchart LR\n")
    for piece in ["<b>x</b>", "<b>o</b>", "data 2.0000", "grad 1.0000", '(("tanh"))', '(("*"))']:
        assert piece in text
    # 5 values, 3 ops: 2 + 2 + 1 edges into ops, 3 edges out of them
    assert text.count("-->") == 8


def test_mermaid_escapes_labels():
    v = Value(1.0, label='say "hi" <b>')
    assert "#quot;hi#quot; #lt;b#gt;" in to_mermaid(v + 1)


def test_large_graphs_are_refused():
    x = Value(1.0)
    for _ in range(50):
        x = x + 1
    # 51 running sums and 50 constants, each constant a leaf Value of its own
    with pytest.raises(GraphTooLargeError, match="101 values"):
        to_mermaid(x)
    with pytest.raises(GraphTooLargeError):
        to_figure(x)
    assert to_mermaid(x, max_nodes=101).count("-->") == 150


def test_svg_drawing_is_reproducible_and_shows_the_graph(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADBOOK_FIGURES_DIR", str(tmp_path))
    fig = to_figure(_neuron_graph())
    arrows = sum(isinstance(p, FancyArrowPatch) for p in fig.axes[0].patches)
    first = save_svg(fig, "a.svg").read_bytes()
    second = save_svg(to_figure(_neuron_graph()), "b.svg").read_bytes()
    plt.close("all")
    assert first == second
    # o = tanh(x*w + b): a box per value with its label, data and grad, a circle per op.
    # The SVG draws text as outlines and keeps each line of it in a comment.
    boxes = [
        "x\ndata 2.0000\ngrad -0.5000",
        "w\ndata -0.5000\ngrad 2.0000",
        "data -1.0000\ngrad 1.0000",  # x*w, unlabelled
        "b\ndata 1.0000\ngrad 1.0000",
        "n\ndata 0.0000\ngrad 1.0000",
        "o\ndata 0.0000\ngrad 1.0000",
    ]
    lines = [line.encode() for text in [*boxes, "*", "+", "tanh"] for line in text.split("\n")]
    assert sorted(re.findall(rb"<!-- (.*?) -->", first)) == sorted(lines)
    # An arrow from each input into its op (2 + 2 + 1), and from each op to its result (3).
    assert arrows == 8


def test_figure_is_drawn_from_plain_graph_data(tmp_path, monkeypatch):
    data = graph_data(_neuron_graph())
    # six values (x, w, x*w, b, n, o), each once; each op with the ids of the values it reads
    ids = [v["id"] for v in data["values"]]
    assert len(ids) == len(set(ids)) == 6
    ops = {v["op"]: v for v in data["values"] if "op" in v}
    assert sorted(ops) == ["*", "+", "tanh"]
    assert all(i in ids for v in ops.values() for i in v["inputs"])
    assert "o\ndata 0.0000\ngrad 1.0000" in [v["text"] for v in data["values"]]
    assert svg_bytes(draw_graph(data)) == svg_bytes(to_figure(_neuron_graph()))
    monkeypatch.setenv("GRADBOOK_FIGURES_DIR", str(tmp_path))
    saved = save_figure("graph", data, draw_graph)  # plain data: it goes through JSON
    assert saved.read_bytes() == svg_bytes(draw_graph(data))
    plt.close("all")


def test_mermaid_direction():
    assert to_mermaid(_neuron_graph(), direction="TB").startswith("flowchart TB\n")
    with pytest.raises(ValueError, match="direction"):
        to_mermaid(_neuron_graph(), direction="diagonal")
