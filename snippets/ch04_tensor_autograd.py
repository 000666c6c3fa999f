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
# # Lab 4 — A tensor autograd engine
#
# Move from one `Value` per number to one `Tensor` per array: count what that
# saves, run the chapter's seed examples (a matrix product, $y = Wx$, a gradient
# through ReLU), see the gradient of broadcasting, survive huge logits with
# `log_softmax`, and check gradients against finite differences and PyTorch. Run it
# as a script (`python snippets/ch04_tensor_autograd.py`) or open it as a notebook;
# it prints the numbers Chapter 4 quotes and draws its figures.

# %%
import numpy as np

from gradbook.data import make_moons
from gradbook.figures import save_figure
from gradbook.figures import tensor as drawings
from gradbook.scalar import topological_order
from gradbook.scalar.nn import MLP
from gradbook.scalar.train import max_margin_loss
from gradbook.tensor import Tensor, gradcheck, no_grad
from gradbook.tensor import topological_order as tensor_topological_order

# %% [markdown]
# ## 1. Why vectorise: the same network, two graphs
#
# The moons MLP of Chapter 3's race with micrograd, `MLP(2, [16, 16, 1])`, with the max-margin loss and
# L2 regularisation. On the scalar engine every number is a node; on the tensor
# engine each layer is a handful of nodes holding arrays. We copy the scalar
# model's weights into matrices so that both compute the same loss, and count the
# nodes of each graph for a growing number of training points.

# %%
X, y = make_moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1], seed=0)
ALPHA = 1e-4

params = []
for layer in model.layers:
    W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons]).T
    b = np.array([neuron.b.data for neuron in layer.neurons])
    params += [Tensor(W, requires_grad=True, dtype=np.float64),
               Tensor(b, requires_grad=True, dtype=np.float64)]


def tensor_loss(X: np.ndarray, y: np.ndarray) -> Tensor:
    """The same loss as max_margin_loss, one Tensor per weight matrix and bias."""
    (W1, b1), (W2, b2), (W3, b3) = zip(params[::2], params[1::2])
    h = (Tensor(X, dtype=np.float64) @ W1 + b1).relu()
    h = (h @ W2 + b2).relu()
    scores = h @ W3 + b3
    margins = (1.0 - Tensor(y.reshape(-1, 1), dtype=np.float64) * scores).relu()
    reg = (W1 * W1).sum() + (b1 * b1).sum() + (W2 * W2).sum() + (b2 * b2).sum() \
        + (W3 * W3).sum() + (b3 * b3).sum()
    return margins.mean() + ALPHA * reg


POINTS = (1, 2, 5, 10, 20, 50, 100)
scalar_nodes, tensor_nodes = [], []
for n in POINTS:
    s_loss, _ = max_margin_loss(model, X[:n].tolist(), y[:n].tolist(), ALPHA)
    t_loss = tensor_loss(X[:n], y[:n])
    assert abs(s_loss.data - t_loss.item()) < 1e-6, "the two engines disagree"
    scalar_nodes.append(len(topological_order(s_loss)))
    tensor_nodes.append(len(tensor_topological_order(t_loss)))
    print(f"{n:3d} points: scalar graph {scalar_nodes[-1]:4d} nodes, "
          f"tensor graph {tensor_nodes[-1]} nodes (loss {t_loss.item():.4f})")

# %%
sizes = {"points": POINTS, "scalar_nodes": scalar_nodes, "tensor_nodes": tensor_nodes}
print("saved", save_figure("ch04_graph_sizes", sizes, drawings.graph_sizes).name)

# %% [markdown]
# ## 2. The seed examples
#
# A matrix product, then $y = Wx$ with $x = (2, 3)^\top$ and $W = (1, 2)$: the
# gradients are $\bar x = W^\top$ and $\bar W = x^\top$, as the matmul rule
# $\bar A = \bar C B^\top$, $\bar B = A^\top \bar C$ predicts.

# %%
A = Tensor([[1, 2], [3, 4]])
B = Tensor([[2, 0], [1, 2]])
print("A @ B =", (A @ B).numpy().tolist())

x = Tensor([[2], [3]], requires_grad=True)
W = Tensor([[1, 2]], requires_grad=True)
out = W @ x
out.backward()
print(f"y = {out.item()}, dy/dx = {x.grad.tolist()}, dy/dW = {W.grad.tolist()}")

# %% [markdown]
# A two-layer network, $y = \operatorname{relu}(x W_1) W_2$, where two of the three
# hidden units are switched off. Their columns of $\bar W_1$ and rows of
# $\bar W_2$ get no gradient.

# %%
x = Tensor([[1, -2]], requires_grad=True)
W1 = Tensor([[1, -1, 2], [1, 1, -1]], requires_grad=True)
W2 = Tensor([[1], [2], [3]], requires_grad=True)
z = x @ W1
out = z.relu() @ W2
out.backward()
print(f"z = {z.numpy().tolist()}, y = {out.item()}")
print(f"dy/dW2 = {W2.grad.ravel().tolist()}, dy/dW1 = {W1.grad.tolist()}, "
      f"dy/dx = {x.grad.tolist()}")

# %% [markdown]
# ## 3. Broadcasting and its gradient
#
# A bias of shape `(3,)` added to a `(4, 3)` matrix is used once per row, so its
# gradient is the column sum of the upstream gradient.

# %%
h = Tensor(np.zeros((4, 3)), requires_grad=True)
bias = Tensor([10, 20, 30], requires_grad=True)
upstream = np.arange(12, dtype=np.float32).reshape(4, 3)
(h + bias).backward(upstream)
print("bias.grad =", bias.grad.tolist(), "= column sums", upstream.sum(axis=0).tolist())


# %%
with no_grad():
    copies = (Tensor(np.zeros((4, 3))) + bias).numpy()
broadcast = {"bias": bias.numpy(), "copies": copies, "upstream": upstream, "bias_grad": bias.grad}
print("saved", save_figure("ch04_broadcast", broadcast, drawings.broadcast).name)

# %% [markdown]
# ## 4. A gradient through ReLU, for a batch
#
# Six examples, eight hidden units. Where a pre-activation is negative, ReLU is
# flat, and the gradient that arrives from above is stopped: exactly zero.

# %%
rng = np.random.default_rng(4)
z = Tensor(rng.standard_normal((6, 8)), requires_grad=True)
grad_h = rng.uniform(0.2, 1.0, (6, 8)).astype(np.float32)
z.relu().backward(grad_h)
stopped = z.grad == 0
print(f"{int(stopped.sum())} of {stopped.size} entries of dL/dz are exactly zero; "
      f"all where z < 0: {bool(np.array_equal(stopped, z.numpy() < 0))}")

# %%
relu = {"z": z.numpy(), "grad_h": grad_h, "grad_z": z.grad}
print("saved", save_figure("ch04_relu_mask", relu, drawings.relu_mask).name)

# %% [markdown]
# ## 5. log_softmax and the log-sum-exp trick
#
# For logits $(1000, 0)$ the textbook formula overflows ($e^{1000} = \infty$) and
# returns `nan`; subtracting the maximum first gives the right answer.

# %%
logits = np.array([1000.0, 0.0], dtype=np.float32)
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    naive = np.log(np.exp(logits) / np.exp(logits).sum())
print("naive formula:", naive.tolist())
print("log_softmax:  ", Tensor(logits).log_softmax().numpy().tolist())

# %% [markdown]
# ## 6. Gradient checking
#
# Central differences in float64, for a layer with a matrix product, a broadcast
# bias and tanh; and the same computation's gradients from PyTorch, if it is
# installed.

# %%
rng = np.random.default_rng(0)
Xc, Wc, bc = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
error = gradcheck(lambda X, W, b: (X @ W + b).tanh(), [Xc, Wc, bc])
print(f"gradcheck of tanh(X @ W + b): worst relative error {error:.1e}")

ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (Xc, Wc, bc)]
(ours[0] @ ours[1] + ours[2]).tanh().sum().backward()
try:
    import torch
except ImportError:
    print("PyTorch is not installed; skipping the comparison")
else:
    theirs = [torch.tensor(a, requires_grad=True) for a in (Xc, Wc, bc)]
    (theirs[0] @ theirs[1] + theirs[2]).tanh().sum().backward()
    worst = max(float(np.abs(o.grad - t.grad.numpy()).max()) for o, t in zip(ours, theirs))
    print(f"largest difference from PyTorch's gradients: {worst:.1e}")
