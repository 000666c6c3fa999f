"""Layers for the tensor engine: the building blocks of Chapter 5's networks."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from gradbook.rng import Seed, as_generator
from gradbook.tensor import functional as F
from gradbook.tensor.tensor import Tensor


# --8<-- [start:module]
class Module:
    """A layer or a model: it finds its parameters (and sub-modules) by looking at itself.

    Any attribute that is a `Tensor` with `requires_grad=True` is a parameter;
    any attribute that is a `Module` (or a list of them) is searched too. Names
    listed in `_buffers` are state that is saved but not trained (BatchNorm's
    running statistics).
    """

    training: bool = True
    _buffers: tuple[str, ...] = ()

    def __call__(self, x: Tensor) -> Tensor:
        return self.forward(x)

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, value in vars(self).items():
            children = value if isinstance(value, list) else [value]
            for i, child in enumerate(children):
                if isinstance(child, Module):
                    key = f"{name}.{i}" if isinstance(value, list) else name
                    yield from child.named_modules(f"{prefix}{key}.")

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        for prefix, module in self.named_modules():
            for name, value in vars(module).items():
                if isinstance(value, Tensor) and value.requires_grad:
                    yield prefix + name, value

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics) or not."""
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)
    # --8<-- [end:module]

    # --8<-- [start:state_dict]
    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer by name: what a saved model holds."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        for prefix, module in self.named_modules():
            for name in module._buffers:
                state[prefix + name] = getattr(module, name).copy()
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy `state` in; refuse, naming the problem, if it does not fit this model."""
        own = self.state_dict()
        missing = own.keys() - state.keys()
        unexpected = state.keys() - own.keys()
        if missing or unexpected:
            raise ValueError(f"state does not fit this model: missing {sorted(missing)}, "
                             f"unexpected {sorted(unexpected)}")
        for name, value in state.items():
            if value.shape != own[name].shape:
                raise ValueError(f"{name}: saved shape {value.shape} but the model has "
                                 f"{own[name].shape}")
        params = dict(self.named_parameters())
        for prefix, module in self.named_modules():
            for name in module._buffers:
                setattr(module, name, np.array(state[prefix + name], dtype=getattr(module, name).dtype))
        for name, p in params.items():
            p.data = np.array(state[name], dtype=p.data.dtype)
    # --8<-- [end:state_dict]


# --8<-- [start:linear]
class Linear(Module):
    """`y = x @ W + b` with `W` of shape `(nin, nout)`.

    Initialisation keeps the variance of activations steady from layer to layer.
    With inputs of mean square v and independent zero-mean weights of variance σ²,
    each output has variance n_in · σ² · v. `"he"` (He or Kaiming initialisation,
    He et al. 2015) draws from a normal distribution with σ² = 2 / n_in (the 2 makes
    up for ReLU zeroing half its inputs); `"xavier"` (Glorot and Bengio 2010) draws
    from a normal distribution with σ² = 2 / (n_in + n_out), a compromise between
    the forward and the backward pass for tanh or sigmoid (the paper's uniform
    distribution on ±√(6 / (n_in + n_out)) has the same variance). The weights come
    from `rng`: a seed for the same weights every time, a generator to share, or
    `None` for fresh random ones.
    """

    def __init__(self, nin: int, nout: int, init: str = "he", rng: Seed = None) -> None:
        if init == "he":
            std = math.sqrt(2.0 / nin)
        elif init == "xavier":
            std = math.sqrt(2.0 / (nin + nout))
        else:
            raise ValueError(f"init must be 'he' or 'xavier', got {init!r}")
        self.weight = Tensor(as_generator(rng).normal(0.0, std, (nin, nout)).astype(np.float32),
                             requires_grad=True)
        self.bias = Tensor(np.zeros(nout, dtype=np.float32), requires_grad=True)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.weight.shape[0]:
            raise ValueError(f"Linear: input has {x.shape[-1]} features, layer expects "
                             f"{self.weight.shape[0]} (input shape {x.shape})")
        return x @ self.weight + self.bias
# --8<-- [end:linear]


# --8<-- [start:activations]
class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Flatten(Module):
    """`(N, ...)` → `(N, features)`: from images to vectors."""

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], -1)
# --8<-- [end:activations]


# --8<-- [start:sequential]
class Sequential(Module):
    """Layers applied one after another."""

    def __init__(self, *layers: Module) -> None:
        self.layers = list(layers)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]
# --8<-- [end:sequential]


# --8<-- [start:dropout]
class Dropout(Module):
    """During training, zero a random fraction `p` of activations (and rescale the rest)."""

    def __init__(self, p: float = 0.5, rng: Seed = None) -> None:
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        return F.dropout(x, self.p, self.rng)
# --8<-- [end:dropout]


# --8<-- [start:batchnorm]
class BatchNorm1d(Module):
    """Normalise each feature over the batch, then scale and shift it (learned γ, β).

        x̂ = (x − μ_B) / √(σ_B² + ε),    y = γ x̂ + β

    In training, μ_B and σ_B² are the batch's mean and variance; running averages
    of them are kept for evaluation, when a "batch" may be a single example.
    """

    _buffers = ("running_mean", "running_var")

    def __init__(self, features: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        self.gamma = Tensor(np.ones(features, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(features, dtype=np.float32), requires_grad=True)
        self.running_mean = np.zeros(features, dtype=np.float32)
        self.running_var = np.ones(features, dtype=np.float32)
        self.momentum = momentum
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.gamma.shape[0]:
            raise ValueError(f"BatchNorm1d: expected (N, {self.gamma.shape[0]}), got {x.shape}")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("BatchNorm1d: training needs a batch of at least 2 examples")
            mean = x.mean(axis=0)
            centred = x - mean
            var = (centred * centred).mean(axis=0)
            m = self.momentum
            self.running_mean = ((1 - m) * self.running_mean + m * mean.data).astype(np.float32)
            unbiased = var.data * n / (n - 1)
            self.running_var = ((1 - m) * self.running_var + m * unbiased).astype(np.float32)
            x_hat = centred / (var + self.eps) ** 0.5
        else:
            x_hat = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return x_hat * self.gamma + self.beta
# --8<-- [end:batchnorm]


# --8<-- [start:conv]
class Conv2d(Module):
    """`out_channels` learned `k×k` filters slid over the input (see `F.conv2d`).

    Weights are He-initialised from `rng` (a seed, a generator, or `None`), as in `Linear`.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, padding: int = 0, rng: Seed = None) -> None:
        fan_in = in_channels * kernel_size * kernel_size
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        std = math.sqrt(2.0 / fan_in)
        self.weight = Tensor(as_generator(rng).normal(0, std, shape).astype(np.float32),
                             requires_grad=True)
        self.bias = Tensor(np.zeros(out_channels, dtype=np.float32), requires_grad=True)
        self.stride = stride
        self.padding = padding

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)


class MaxPool2d(Module):
    def __init__(self, size: int = 2) -> None:
        self.size = size

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.size)
# --8<-- [end:conv]
