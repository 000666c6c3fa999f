"""A tensor automatic-differentiation engine over numpy arrays.

The idea is Chapter 2's, one level up: every operation on `Tensor` objects
returns a new `Tensor` that remembers its inputs and how to turn the gradient of
its output into gradients for those inputs (a *vector-Jacobian product*). With
arrays, two things are new: broadcasting, whose gradient is a sum over the
broadcast axes (`unbroadcast`), and matrix products, whose gradients are
matrix products too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from gradbook.rng import Seed, as_generator

ArrayLike = np.ndarray | float | int | Sequence[Any]
BackwardFn = Callable[[np.ndarray], tuple[np.ndarray | None, ...]]
Axis = int | tuple[int, ...] | None

_GRAD_ENABLED = True


# --8<-- [start:no_grad]
@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside `with no_grad():` operations build no graph: for evaluation and updates."""
    global _GRAD_ENABLED
    previous = _GRAD_ENABLED
    _GRAD_ENABLED = False
    try:
        yield
    finally:
        _GRAD_ENABLED = previous
# --8<-- [end:no_grad]


# --8<-- [start:unbroadcast]
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    If an input of shape `(3,)` was broadcast against `(4, 3)`, each of its
    entries was used 4 times, so its gradient is the sum of the 4 rows. Broadcasting
    adds leading axes and stretches axes of length 1; we sum over both.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
# --8<-- [end:unbroadcast]


def _shape_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} are not compatible")


# --8<-- [start:tensor]
class Tensor:
    """An n-dimensional array that can compute gradients of anything computed from it."""

    __slots__ = ("data", "grad", "requires_grad", "op", "_children", "_backward")

    def __init__(self, data: ArrayLike, requires_grad: bool = False,
                 dtype: npt.DTypeLike | None = None) -> None:
        # float32 unless told otherwise (Tensor.from_numpy keeps a float array's dtype)
        self.data: np.ndarray = np.asarray(data, dtype=np.float32 if dtype is None else dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.op = ""                                # which operation made it ("" for leaves)
        self._children: tuple[Tensor, ...] = ()
        self._backward: BackwardFn | None = None

    @staticmethod
    def from_op(data: np.ndarray, children: tuple[Tensor, ...], backward: BackwardFn,
                op: str) -> Tensor:
        """The result of an operation: `data`, computed by `op` from `children`.

        `backward` takes the gradient of the result and returns one gradient per
        child, in order (`None` for a child that needs none). Every operation ends
        by calling this, and an operation of your own can do the same. The result is
        linked into the graph only if some child needs a gradient, never under `no_grad`.
        """
        linked = _GRAD_ENABLED and any(child.requires_grad for child in children)
        out = Tensor.__new__(Tensor)                # data is already an array: skip __init__
        out.data = data
        out.grad = None
        out.op = op
        out.requires_grad = linked
        out._children = children if linked else ()
        out._backward = backward if linked else None
        return out
    # --8<-- [end:tensor]

    # ----- creation and conversion -------------------------------------------------
    @staticmethod
    def zeros(*shape: int, requires_grad: bool = False, dtype: npt.DTypeLike = np.float32) -> Tensor:
        return Tensor(np.zeros(shape, dtype=dtype), requires_grad)

    @staticmethod
    def ones(*shape: int, requires_grad: bool = False, dtype: npt.DTypeLike = np.float32) -> Tensor:
        return Tensor(np.ones(shape, dtype=dtype), requires_grad)

    @staticmethod
    def randn(*shape: int, rng: Seed = None, requires_grad: bool = False,
              dtype: npt.DTypeLike = np.float32) -> Tensor:
        """Standard normal entries from `rng`: a generator, a seed, or `None` for fresh ones."""
        return Tensor(as_generator(rng).standard_normal(shape).astype(dtype), requires_grad)

    @staticmethod
    def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
        return Tensor(array, requires_grad, dtype=array.dtype if array.dtype.kind == "f" else None)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{grad})"

    def detach(self) -> Tensor:
        return Tensor(self.data, dtype=self.data.dtype)

    def zero_grad(self) -> None:
        self.grad = None

    # ----- elementwise arithmetic, with broadcasting -------------------------------
    def _lift(self, other: Tensor | ArrayLike) -> Tensor:
        if isinstance(other, Tensor):
            return other
        return Tensor(other, dtype=self.data.dtype)     # a number takes this tensor's dtype

    def _broadcast(self, op: str, other: Tensor) -> tuple[int, ...]:
        try:
            return np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise _shape_error(op, self, other) from None

    # --8<-- [start:add_mul]
    def __add__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._lift(other)
        self._broadcast("add", other)
        a_shape, b_shape = self.shape, other.shape
        return Tensor.from_op(self.data + other.data, (self, other),
                              lambda g: (unbroadcast(g, a_shape), unbroadcast(g, b_shape)), "add")

    def __mul__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._lift(other)
        self._broadcast("mul", other)
        a, b = self.data, other.data
        return Tensor.from_op(a * b, (self, other),
                              lambda g: (unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)),
                              "mul")
    # --8<-- [end:add_mul]

    def __sub__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._lift(other)
        self._broadcast("sub", other)
        a_shape, b_shape = self.shape, other.shape
        return Tensor.from_op(self.data - other.data, (self, other),
                              lambda g: (unbroadcast(g, a_shape), unbroadcast(-g, b_shape)), "sub")

    def __truediv__(self, other: Tensor | ArrayLike) -> Tensor:
        other = self._lift(other)
        self._broadcast("div", other)
        a, b = self.data, other.data
        return Tensor.from_op(a / b, (self, other),
                              lambda g: (unbroadcast(g / b, a.shape),
                                         unbroadcast(-g * a / (b * b), b.shape)), "div")

    def __neg__(self) -> Tensor:
        return Tensor.from_op(-self.data, (self,), lambda g: (-g,), "neg")

    def __pow__(self, exponent: float) -> Tensor:
        if isinstance(exponent, Tensor):
            raise TypeError("Tensor ** Tensor is not supported: the exponent must be a number")
        a = self.data
        return Tensor.from_op(a ** exponent, (self,),
                              lambda g: (g * exponent * a ** (exponent - 1),), f"pow{exponent:g}")

    def __radd__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) + self

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) * self

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) - self

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return self._lift(other) / self

    # ----- matrix product ----------------------------------------------------------
    # --8<-- [start:matmul]
    def __matmul__(self, other: Tensor) -> Tensor:
        """`C = A @ B`; backward turns the gradient `g` of C into `g @ Bᵀ` for A and `Aᵀ @ g` for B.

        Works for batches too (`(..., n, k) @ (..., k, m)`): the batch axes
        broadcast like any elementwise op, and their gradient is summed back.
        """
        other = self._lift(other)
        a, b = self.data, other.data
        if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not compatible "
                             "(need (..., n, k) @ (..., k, m))")

        def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            grad_a = g @ np.swapaxes(b, -1, -2)
            grad_b = np.swapaxes(a, -1, -2) @ g
            return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)

        return Tensor.from_op(a @ b, (self, other), backward, "matmul")
    # --8<-- [end:matmul]

    # ----- elementwise functions ---------------------------------------------------
    # --8<-- [start:functions]
    def exp(self) -> Tensor:
        e = np.exp(self.data)
        return Tensor.from_op(e, (self,), lambda g: (g * e,), "exp")

    def log(self) -> Tensor:
        a = self.data
        return Tensor.from_op(np.log(a), (self,), lambda g: (g / a,), "log")

    def relu(self) -> Tensor:
        mask = self.data > 0
        return Tensor.from_op(np.where(mask, self.data, 0), (self,), lambda g: (g * mask,), "relu")

    def sigmoid(self) -> Tensor:
        # 1/(1+e^-x) written with tanh, which never overflows: s = (1 + tanh(x/2)) / 2
        s = 0.5 * (1.0 + np.tanh(0.5 * self.data))
        return Tensor.from_op(s, (self,), lambda g: (g * s * (1 - s),), "sigmoid")

    def tanh(self) -> Tensor:
        t = np.tanh(self.data)
        return Tensor.from_op(t, (self,), lambda g: (g * (1 - t * t),), "tanh")
    # --8<-- [end:functions]

    # ----- reductions --------------------------------------------------------------
    # --8<-- [start:reductions]
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        shape = self.shape

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)          # put the summed axes back, length 1
            return (np.broadcast_to(g, shape),)      # every input entry gets the same gradient

        return Tensor.from_op(np.sum(self.data, axis=axis, keepdims=keepdims), (self,), backward,
                              "sum")

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        if axis is None:
            axes = tuple(range(self.ndim))
        elif isinstance(axis, tuple):
            axes = axis
        else:
            axes = (axis,)
        count = int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The maximum; its gradient goes to the entries that hold it (split among ties)."""
        m = np.max(self.data, axis=axis, keepdims=True)
        winners = self.data == m
        share = winners / winners.sum(axis=axis, keepdims=True)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return (g * share,)

        if keepdims:
            out = m
        elif axis is None:
            out = m.reshape(())
        else:
            out = np.squeeze(m, axis=axis)
        return Tensor.from_op(out, (self,), backward, "max")
    # --8<-- [end:reductions]

    # ----- shape -------------------------------------------------------------------
    def reshape(self, *shape: int) -> Tensor:
        """The same data in a new shape: `x.reshape(2, -1)`, or `x.reshape((2, -1))` as in numpy."""
        old = self.shape
        try:
            data = self.data.reshape(*shape)
        except ValueError:
            wanted = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
            raise ValueError(f"reshape: cannot reshape {old} into {wanted}") from None
        return Tensor.from_op(data, (self,), lambda g: (g.reshape(old),), "reshape")

    def transpose(self, *axes: int) -> Tensor:
        axes = axes or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))
        return Tensor.from_op(np.transpose(self.data, axes), (self,),
                              lambda g: (np.transpose(g, inverse),), "transpose")

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """`x[index]` for any index numpy takes; a `Tensor` index is read as integers."""
        if isinstance(index, Tensor):
            index = index.data.astype(np.intp)
        shape = self.shape
        dtype = self.data.dtype

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            grad = np.zeros(shape, dtype=dtype)
            np.add.at(grad, index, g)                # repeated indices add up
            return (grad,)

        return Tensor.from_op(self.data[index], (self,), backward, "index")

    # ----- softmax -----------------------------------------------------------------
    # --8<-- [start:log_softmax]
    def log_softmax(self, axis: int = -1) -> Tensor:
        """`x_i − log Σ_j exp(x_j)`, computed as `x_i − m − log Σ_j exp(x_j − m)`.

        Subtracting the maximum `m` first (the log-sum-exp trick) keeps every
        exponent at most 0, so nothing overflows, and changes nothing mathematically.
        """
        shifted = self.data - np.max(self.data, axis=axis, keepdims=True)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        softmax = np.exp(out)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            return (g - softmax * np.sum(g, axis=axis, keepdims=True),)

        return Tensor.from_op(out, (self,), backward, "log_softmax")
    # --8<-- [end:log_softmax]

    # ----- backward ----------------------------------------------------------------
    # --8<-- [start:backward]
    def backward(self, grad: np.ndarray | None = None) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires it.

        `grad` defaults to 1 for a single number (a loss); for a tensor, pass the
        gradient of whatever it feeds into. Interior gradients live only for the
        duration of the call, as in PyTorch.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad "
                               "(no input had requires_grad=True, or it was made under no_grad)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: pass a gradient for a non-scalar of shape {self.shape}")
            grad = np.ones_like(self.data)
        grads: dict[int, np.ndarray] = {id(self): np.asarray(grad, dtype=self.data.dtype)}
        for node in reversed(topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._backward is None:               # a leaf: keep the gradient
                node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            for child, child_grad in zip(node._children, node._backward(g)):
                if child.requires_grad and child_grad is not None:
                    key = id(child)
                    grads[key] = grads[key] + child_grad if key in grads else child_grad
    # --8<-- [end:backward]


# --8<-- [start:topo]
def topological_order(root: Tensor) -> list[Tensor]:
    """Nodes that need a gradient, children before parents (iterative depth-first search)."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in node._children if c.requires_grad and id(c) not in visited)
    return order
# --8<-- [end:topo]
