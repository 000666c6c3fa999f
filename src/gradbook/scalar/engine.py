"""A scalar automatic-differentiation engine: one number, one node, one graph.

Every arithmetic operation on `Value` objects creates a new `Value` that
remembers its inputs (`children`) and, for each input, the *local derivative* of
the output with respect to that input (`local_grads`), computed at the moment
the operation runs. `backward()` then applies the chain rule from the output
back to the leaves,

    ∂L/∂child += ∂out/∂child · ∂L/∂out,

visiting each node only after every node that uses it (topological order).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Number = int | float


# --8<-- [start:value]
class Value:
    """A number that remembers how it was computed, so it can be differentiated."""

    # __slots__: no per-object __dict__, so a Value is smaller and faster to make.
    __slots__ = ("data", "grad", "label", "op", "children", "local_grads")

    def __init__(self, data: Number, label: str = "", op: str = "",
                 children: tuple[Value, ...] = (), local_grads: tuple[float, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0                 # dL/d(this value), filled in by backward()
        self.label = label              # a name for pictures; optional
        self.op = op                    # the operation that made this value ("" for leaves)
        self.children = children        # the Values it was computed from
        self.local_grads = local_grads  # d(this)/d(child), one per child

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"
    # --8<-- [end:value]

    # --8<-- [start:add_mul]
    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # d(a + b)/da = 1 and d(a + b)/db = 1
        return Value(self.data + other.data, op="+", children=(self, other), local_grads=(1.0, 1.0))

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # d(a * b)/da = b and d(a * b)/db = a
        return Value(self.data * other.data, op="*", children=(self, other),
                     local_grads=(other.data, self.data))
    # --8<-- [end:add_mul]

    # --8<-- [start:more_ops]
    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a number")
        # d(a^k)/da = k a^(k-1)
        return Value(self.data ** exponent, op=f"**{exponent:g}", children=(self,),
                     local_grads=(exponent * self.data ** (exponent - 1),))

    def __truediv__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # d(a / b)/da = 1/b and d(a / b)/db = -a/b^2
        return Value(self.data / other.data, op="/", children=(self, other),
                     local_grads=(1.0 / other.data, -self.data / other.data ** 2))

    def __neg__(self) -> Value:
        return Value(-self.data, op="neg", children=(self,), local_grads=(-1.0,))

    def __sub__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, op="-", children=(self, other), local_grads=(1.0, -1.0))

    # Python tries these when the left operand is a plain number: 2 + v, 2 * v, ...
    def __radd__(self, other: Number) -> Value:
        return Value(other) + self

    def __rmul__(self, other: Number) -> Value:
        return Value(other) * self

    def __rsub__(self, other: Number) -> Value:
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return Value(other) / self
    # --8<-- [end:more_ops]

    # --8<-- [start:functions]
    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, op="exp", children=(self,), local_grads=(e,))       # d e^a/da = e^a

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number ({self.data})")
        return Value(math.log(self.data), op="log", children=(self,),
                     local_grads=(1.0 / self.data,))                        # d ln a/da = 1/a

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, op="tanh", children=(self,), local_grads=(1.0 - t * t,))

    def sigmoid(self) -> Value:
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:                                   # the same, without e^-a, which could overflow
            s = math.exp(self.data) / (1.0 + math.exp(self.data))
        return Value(s, op="sigmoid", children=(self,), local_grads=(s * (1.0 - s),))

    def relu(self) -> Value:
        positive = self.data > 0
        return Value(self.data if positive else 0.0, op="relu", children=(self,),
                     local_grads=(1.0 if positive else 0.0,))
    # --8<-- [end:functions]

    # --8<-- [start:nary]
    @staticmethod
    def sum_of(terms: Iterable[Value | Number]) -> Value:
        """The sum of `terms`, Σ_i t_i, as *one* node with many children, each local gradient 1.

        Adding `n` values pairwise makes `n - 1` nodes; this makes one. Same
        value, same gradients, far less bookkeeping.
        """
        values = [t if isinstance(t, Value) else Value(t) for t in terms]
        return Value(math.fsum(v.data for v in values), op="sum", children=tuple(values),
                     local_grads=(1.0,) * len(values))

    @staticmethod
    def weighted_sum(weights: list[Value], inputs: list[Value | Number], bias: Value) -> Value:
        """A neuron's pre-activation b + Σ_i w_i x_i, as a single node.

        Its local derivatives are ∂/∂w_i = x_i, ∂/∂x_i = w_i and ∂/∂b = 1. Inputs
        may be plain numbers (data), which need no gradient.
        """
        if len(weights) != len(inputs):
            raise ValueError(f"{len(weights)} weights but {len(inputs)} inputs")
        children = [bias]
        local_grads = [1.0]
        total = bias.data
        for w, x in zip(weights, inputs):
            if isinstance(x, Value):
                total += w.data * x.data
                children += (w, x)
                local_grads += (x.data, w.data)
            else:
                total += w.data * x
                children.append(w)
                local_grads.append(float(x))
        return Value(total, op="wsum", children=tuple(children), local_grads=tuple(local_grads))
    # --8<-- [end:nary]

    # --8<-- [start:backward]
    def backward(self) -> None:
        """Fill in `grad` = d(self)/d(node) for every node this value depends on.

        Leaves (values no operation produced, such as weights) *accumulate*: call
        `backward()` on two results built from the same leaves and their `grad`
        holds the sum, exactly as in PyTorch. Zero them between steps
        (`Module.zero_grad()`). Every other node's `grad` is reset here, so
        calling `backward()` twice on one graph adds the same gradient twice to
        the leaves and nothing else.
        """
        order = topological_order(self)
        for node in order:
            if node.children:
                node.grad = 0.0
        self.grad = 1.0                                  # dL/dL
        for node in reversed(order):                     # consumers before producers
            g = node.grad
            for child, local in zip(node.children, node.local_grads):
                child.grad += local * g                  # the chain rule, one edge at a time
    # --8<-- [end:backward]


# --8<-- [start:topo]
def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each listed after all of its children.

    A depth-first search with an explicit stack instead of recursion, so that a
    graph 100,000 operations deep does not hit Python's recursion limit.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)          # all its children are already in `order`
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))      # come back to it after its children
        stack.extend((child, False) for child in node.children if child not in visited)
    return order
# --8<-- [end:topo]
