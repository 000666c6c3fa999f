"""Neurons, layers and multi-layer perceptrons made of `gradbook.scalar.Value`."""

from __future__ import annotations

from collections.abc import Sequence

from gradbook.rng import PySeed, as_random
from gradbook.scalar.engine import Number, Value

ACTIVATIONS = ("relu", "tanh", "linear")


# --8<-- [start:module]
class Module:
    """Anything with parameters: it can list them and reset their gradients."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Gradients of leaves accumulate across `backward()` calls; clear them."""
        for p in self.parameters():
            p.grad = 0.0
# --8<-- [end:module]


# --8<-- [start:neuron]
class Neuron(Module):
    """`act(b + Σ_i w_i x_i)` with `nin` weights and one bias.

    Weights start uniform in [-1, 1] and the bias at 0. The weights come from `rng`,
    a `random.Random` or a seed: the same seed always builds the same neuron, and
    `None` draws fresh random weights.
    """

    def __init__(self, nin: int, activation: str = "relu", rng: PySeed = None) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        rng = as_random(rng)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        act = Value.weighted_sum(self.w, list(x), self.b)
        if self.activation == "relu":
            return act.relu()
        if self.activation == "tanh":
            return act.tanh()
        return act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{self.activation.capitalize()}Neuron({len(self.w)})"
# --8<-- [end:neuron]


# --8<-- [start:layer]
class Layer(Module):
    """`nout` neurons that all read the same inputs, drawing their weights from one `rng`."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", rng: PySeed = None) -> None:
        rng = as_random(rng)
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons[:1]))} x {len(self.neurons)}])"
# --8<-- [end:layer]


# --8<-- [start:mlp]
class MLP(Module):
    """A multi-layer perceptron: hidden layers with `activation`, a linear output.

    `MLP(2, [16, 32, 1])` reads 2 numbers, has hidden layers of 16 and 32
    neurons and one output. `seed` fixes the initial weights; without one they are
    fresh random numbers.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 seed: PySeed = None) -> None:
        if activation == "linear":
            raise ValueError("hidden layers need a non-linearity: use 'relu' or 'tanh'")
        rng = as_random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1],
                  activation if i < len(nouts) - 1 else "linear", rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        for layer in self.layers[:-1]:
            x = layer(x)
        out = self.layers[-1](x)                # the output layer
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
# --8<-- [end:mlp]
