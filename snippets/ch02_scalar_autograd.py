# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 2 — A scalar autograd engine
#
# Watch the engine of `gradbook.scalar` work, one picture at a time: a derivative
# as a limit, an expression graph, and one neuron whose gradients we first work out
# by hand, then push through the graph by hand, then let `backward()` compute; at
# the end, a small network drawn before and after `backward()` and trained on four
# examples. Run it as a script (`python snippets/ch02_scalar_autograd.py`) or open
# it as a notebook; it prints the numbers Chapter 2 quotes and draws its figures and
# graph diagrams.

# %%
import numpy as np

from gradbook.figures import save_figure, save_text
from gradbook.figures import scalar as drawings
from gradbook.scalar import Value, topological_order
from gradbook.scalar.draw import (
    GraphTooLargeError,
    draw_graph,
    draw_network,
    graph_data,
    network_data,
    to_mermaid,
)
from gradbook.scalar.nn import MLP

# %% [markdown]
# ## 1. The derivative as a limit
#
# For $f(x) = 3x^2 - 4x + 5$ the derivative is $f'(x) = 6x - 4$, so $f'(3) = 14$.
# The difference quotient $\bigl(f(x + h) - f(x)\bigr) / h$ approaches it as $h$
# shrinks, until rounding errors take over.


# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


X0 = 3.0
for h in (1.0, 0.1, 0.01, 0.001, 1e-6, 1e-10, 1e-13, 1e-16):
    print(f"h = {h:.0e}   (f(x+h) - f(x)) / h = {(f(X0 + h) - f(X0)) / h:.6f}")

# %% [markdown]
# The tangent at $x = 3$ and two secants: as $h$ shrinks, the secant through
# $(3, f(3))$ and $(3 + h, f(3 + h))$ turns into the tangent, whose slope is the
# derivative.

# %%
grid = np.linspace(-0.5, 5.0, 200)
secants = [{"h": h, "slope": (f(X0 + h) - f(X0)) / h, "f": f(X0 + h)} for h in (1.5, 0.75)]
tangent = {"x": grid, "f": f(grid), "x0": X0, "f0": f(X0), "slope": 6 * X0 - 4,
           "secants": secants, "line_x": [1.0, 5.0]}
print("saved", save_figure("ch02_tangent", tangent, drawings.tangent).name)

# %% [markdown]
# ## 2. An expression graph
#
# Each operation on `Value`s makes a new `Value` that remembers its inputs
# (`children`), the operation (`op`) and the local derivative of its result with
# respect to each input (`local_grads`), computed right away.

# %%
a = Value(3.0, label="a")
b = Value(-2.0, label="b")
c = Value(5.0, label="c")
d = a * b
d.label = "d"
e = d + c
e.label = "e"
L = e**2
L.label = "L"
for v in topological_order(L):
    if v.children:
        inputs = ", ".join(child.label for child in v.children)
        print(f"{v.label} = {v.op}({inputs}) = {v.data:5.1f}   local grads {v.local_grads}")
graph = graph_data(L)    # what to_figure(L) draws: boxes, operations, where each sits
graph["size"] = [9.5, 3.2]    # narrower than laid out, so the labels stay legible on a page
print("saved", save_figure("ch02_expression", graph, draw_graph).name)

# %% [markdown]
# ## 3. One neuron, five ways
#
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$ with every intermediate value labelled.
# `build_neuron` makes a fresh graph, so each state starts from zero gradients.
# With `tanh_as_exp=True` the tanh is spelled out as
# $\bigl(e^{2n} - 1\bigr) / \bigl(e^{2n} + 1\bigr)$.


# %%
def build_neuron(tanh_as_exp: bool = False) -> dict[str, Value]:
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2 = Value(0.5, label="w1"), Value(1.5, label="w2")
    b = Value(1.0, label="b")
    nodes = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
    nodes["x1*w1"] = x1 * w1
    nodes["x2*w2"] = x2 * w2
    nodes["s"] = nodes["x1*w1"] + nodes["x2*w2"]
    nodes["n"] = nodes["s"] + b
    if tanh_as_exp:
        nodes["2n"] = 2 * nodes["n"]
        nodes["e"] = nodes["2n"].exp()
        nodes["e-1"] = nodes["e"] - 1
        nodes["e+1"] = nodes["e"] + 1
        nodes["o"] = nodes["e-1"] / nodes["e+1"]
    else:
        nodes["o"] = nodes["n"].tanh()
    for name, value in nodes.items():
        value.label = name
    return nodes


LEAVES = ("x1", "w1", "x2", "w2", "b")


def show_leaf_grads(nodes: dict[str, Value]) -> None:
    for name in LEAVES:
        print(f"do/d{name} = {nodes[name].grad:7.4f}")


# %% [markdown]
# **(a) Forward only.** First the neuron before its activation: only the weighted
# sum $n = x_1 w_1 + x_2 w_2 + b$.

# %%
neuron = build_neuron()
print(f"n = x1*w1 + x2*w2 + b = {neuron['n'].data:.4f}")
print("saved", save_text(to_mermaid(neuron["n"]), "ch02_neuron_sum.mmd").name)

# %% [markdown]
# The activation: tanh squashes any number into $(-1, 1)$; its slope is
# $1 - \tanh^2$. At $n = 0.5$ it gives $o \approx 0.4621$, with slope $0.7864$.

# %%
grid = np.linspace(-4.0, 4.0, 161)
o_mark = float(np.tanh(0.5))
tanh_data = {"x": grid, "tanh": np.tanh(grid), "slope": 1 - np.tanh(grid) ** 2,
             "n": 0.5, "o": o_mark, "do_dn": 1 - o_mark**2}
print("saved", save_figure("ch02_tanh", tanh_data, drawings.tanh_curve).name)

# %% [markdown]
# The whole neuron, $o = \tanh(n)$. Every gradient is still zero.

# %%
print(f"n = {neuron['n'].data:.4f}, o = tanh(n) = {neuron['o'].data:.4f}")
show_leaf_grads(neuron)
print("saved", save_text(to_mermaid(neuron["o"]), "ch02_neuron_forward.mmd").name)

# %% [markdown]
# **(b) By hand, with the chain rule.** $\partial o / \partial n = 1 - o^2$; a sum
# passes its gradient to both inputs unchanged; a product sends each input the
# other input times the gradient.

# %%
neuron = build_neuron()
x1, w1, x2, w2, b = (neuron[name] for name in LEAVES)
x1w1, x2w2, s, n, o = (neuron[name] for name in ("x1*w1", "x2*w2", "s", "n", "o"))
o.grad = 1.0
n.grad = (1 - o.data**2) * o.grad    # tanh'(n) = 1 - tanh(n)^2
s.grad = n.grad                      # n = s + b
b.grad = n.grad
x1w1.grad = s.grad                   # s = x1*w1 + x2*w2
x2w2.grad = s.grad
x1.grad = w1.data * x1w1.grad        # x1*w1
w1.grad = x1.data * x1w1.grad
x2.grad = w2.data * x2w2.grad        # x2*w2
w2.grad = x2.data * x2w2.grad
show_leaf_grads(neuron)
print("saved", save_text(to_mermaid(neuron["o"]), "ch02_neuron_by_hand.mmd").name)

# %% [markdown]
# **(c) A backward pass by hand.** Seed $\partial o / \partial o = 1$, then let each
# node hand its gradient to its children through the local derivatives it stored:
# `child.grad += local * node.grad`. The order matters: a node passes its gradient
# on only after it has received all of it.


# %%
def push(node: Value) -> None:
    for child, local in zip(node.children, node.local_grads):
        child.grad += local * node.grad


neuron = build_neuron()
neuron["o"].grad = 1.0
for name in ("o", "n", "s", "x1*w1", "x2*w2"):
    push(neuron[name])
show_leaf_grads(neuron)
print("saved", save_text(to_mermaid(neuron["o"]), "ch02_neuron_manual.mmd").name)

# %% [markdown]
# **(d) `backward()`.** The same loop, over every node in reverse topological order.

# %%
neuron = build_neuron()
neuron["o"].backward()
print("topological order:", " ".join(v.label for v in topological_order(neuron["o"])))
show_leaf_grads(neuron)
print("saved", save_text(to_mermaid(neuron["o"]), "ch02_neuron_backward.mmd").name)

# %% [markdown]
# What a gradient promises: nudge every leaf a little *along* its gradient and the
# output rises, by about the step times the sum of the squared gradients; nudge it
# against the gradient and the output falls.


# %%
def neuron_output(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    return (x1 * w1 + x2 * w2 + b).tanh()


START = [2.0, -1.0, 0.5, 1.5, 1.0]                # x1, x2, w1, w2, b
leaves = [Value(v) for v in START]
before = neuron_output(*leaves)
before.backward()
grads = [leaf.grad for leaf in leaves]
STEP = 0.01
up = neuron_output(*(Value(v + STEP * g) for v, g in zip(START, grads)))
down = neuron_output(*(Value(v - STEP * g) for v, g in zip(START, grads)))
print(f"o before:             {before.data:.6f}")
print(f"along the gradient:   {up.data:.6f}   ({up.data - before.data:+.6f})")
print(f"against the gradient: {down.data:.6f}   ({down.data - before.data:+.6f})")
print(f"step * sum of grad^2: {STEP * sum(g * g for g in grads):.6f}")

# %% [markdown]
# **(e) tanh spelled out with exp and division.** A bigger graph, the same leaf
# gradients. Note that `e` feeds two nodes, so its gradient is a sum of two parts.

# %%
spelled = build_neuron(tanh_as_exp=True)
spelled["o"].backward()
print(f"o = {spelled['o'].data:.4f}, e.grad = {spelled['e'].grad:.4f}")
show_leaf_grads(spelled)
same = all(abs(spelled[k].grad - neuron[k].grad) < 1e-12 for k in LEAVES)
print("same leaf gradients as with tanh:", same)
for name, root in (("one tanh node", neuron["o"]), ("exp and division", spelled["o"])):
    nodes = topological_order(root)
    edges = sum(len(v.children) for v in nodes)
    print(f"{name:>16}: {len(nodes):2d} values, {edges:2d} edges")
# Fifteen steps from leaf to output are too many side by side: draw this one top-down.
diagram = to_mermaid(spelled["o"], direction="TB")
print("saved", save_text(diagram, "ch02_neuron_exp.mmd").name)

# %% [markdown]
# ## 4. Why topological order
#
# A naive recursive backward pushes a node's gradient on every time it is reached.
# When an interior node is used more than once, that is wrong.


# %%
def naive_backward(node: Value) -> None:
    for child, local in zip(node.children, node.local_grads):
        child.grad += local * node.grad
    for child in node.children:
        naive_backward(child)


def build_reuse(y_first: bool = False) -> tuple[Value, Value, Value]:
    x = Value(2.0, label="x")
    y = x + 1
    y.label = "y"
    yy = y * y
    yy.label = "y*y"
    L = y + yy if y_first else yy + y
    L.label = "L"
    return x, y, L


for y_first in (False, True):
    x, y, L = build_reuse(y_first)
    L.grad = 1.0
    naive_backward(L)
    print(f"naive, L = {'y + y*y' if y_first else 'y*y + y'}:  dL/dx = {x.grad:.1f}")
x, y, L = build_reuse()
L.backward()
print(f"backward():            dL/dx = {x.grad:.1f}  (by hand: 2y + 1 = {2 * y.data + 1:.1f})")
print("saved", save_text(to_mermaid(L), "ch02_reuse.mmd").name)

# %% [markdown]
# `backward()` finds the order with an explicit stack, not recursion, so a graph
# 100,000 operations deep is no problem.

# %%
x = Value(1.0, label="x")
y = x
for _ in range(100_000):
    y = y + x
y.backward()
print(f"y = {y.data:.0f}, dy/dx = {x.grad:.0f}")
try:
    y.grad = 1.0
    naive_backward(y)
except RecursionError:
    print("naive_backward: RecursionError")

# %% [markdown]
# ## 5. Leaves accumulate
#
# Leaf gradients add up across `backward()` calls, as in PyTorch; interior
# gradients are recomputed each time. Zero the leaves between steps.

# %%
w = Value(2.0, label="w")
h = w * 3
loss = h * h
loss.backward()
print(f"after one backward():    w.grad = {w.grad:5.1f}, h.grad = {h.grad:5.1f}")
loss.backward()
print(f"after two backward():    w.grad = {w.grad:5.1f}, h.grad = {h.grad:5.1f}")
w.grad = 0.0
loss.backward()
print(f"zeroed, then backward(): w.grad = {w.grad:5.1f}, h.grad = {h.grad:5.1f}")

# %% [markdown]
# ## 6. The same neuron in PyTorch
#
# PyTorch is optional here (`pip install torch`); with it, its autograd agrees
# with ours.

# %%
try:
    import torch
except ImportError:
    print("PyTorch is not installed; skipping the comparison")
else:
    leaves = {name: torch.tensor(neuron[name].data, dtype=torch.float64, requires_grad=True)
              for name in LEAVES}
    o = torch.tanh(leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"])
    o.backward()
    biggest = max(abs(leaves[k].grad.item() - neuron[k].grad) for k in LEAVES)
    print(f"PyTorch: o = {o.item():.4f}, largest difference from ours: {biggest:.1e}")

# %% [markdown]
# ## 7. Too big to draw
#
# A drawing of more than 40 values is unreadable, so the library refuses.

# %%
terms = [Value(float(i), label=f"t{i}") for i in range(30)]
total = terms[0]
for term in terms[1:]:
    total = total + term
try:
    to_mermaid(total)
except GraphTooLargeError as err:
    print("GraphTooLargeError:", err)

# %% [markdown]
# ## 8. A small network, forwards, backwards and trained
#
# `MLP(3, [4, 4, 1])` from `gradbook.scalar.nn` (Chapter 3 builds it): three inputs,
# two hidden layers of four tanh neurons, one linear output, 41 parameters. Its
# graph has too many values to draw one by one, so we draw one box per neuron and
# one edge per weight, before and after `backward()`.

# %%
model = MLP(3, [4, 4, 1], activation="tanh", seed=0)
x = [Value(2.0, label="x1"), Value(3.0, label="x2"), Value(-1.0, label="x3")]
outputs = []             # each layer's neuron outputs, to draw them
h = x
for layer in model.layers:
    h = layer(h)
    outputs.append(h)
out = h[0]
print("parameters:", len(model.parameters()))
print("values in the graph:", len(topological_order(out)))
print(f"output: {out.data:.4f}")
forward = network_data(model, x, outputs)
print("saved", save_figure("ch02_mlp_forward", forward, draw_network).name)
out.backward()
print("do/dx:", " ".join(f"{v.grad:.4f}" for v in x))
backward = network_data(model, x, outputs, edges="grads")
print("saved", save_figure("ch02_mlp_backward", backward, draw_network).name)

# %% [markdown]
# Train it on four examples with the mean squared error: forward, zero the
# gradients, backward, step against the gradient.

# %%
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
model = MLP(3, [4, 4, 1], activation="tanh", seed=0)
for step in range(31):
    preds = [model(xi) for xi in xs]
    loss = Value.sum_of((p - y) ** 2 for p, y in zip(preds, ys)) * (1 / len(ys))
    if step % 5 == 0:
        print(f"step {step:2d}  loss {loss.data:.6f}")
    if step == 30:
        break
    model.zero_grad()
    loss.backward()
    for param in model.parameters():
        param.data -= 0.1 * param.grad
print("predictions:", " ".join(f"{p.data:+.3f}" for p in preds))
print("targets:    ", " ".join(f"{y:+.3f}" for y in ys))
