"""An MLP language model (Bengio et al., 2003), with the fixes that make a deep one train.

The model reads the last `block_size` characters, looks each one up in an
embedding table, joins the embeddings into one vector, passes it through one or
more hidden layers (linear, optional BatchNorm, tanh), and scores the 27 possible
next characters. The layers are written out here rather than taken from `torch.nn`
so that the page can show each one and the chapter can look inside them while
they train: every `Tanh` keeps its last output, and every layer's weights are
plain tensors.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from gradbook.errors import SettingsError
from gradbook.names.data import BOUNDARY, ITOS, VOCAB


# --8<-- [start:config]
@dataclass
class MLPConfig:
    block_size: int = 3          # characters of context
    emb_dim: int = 16            # numbers per character in the embedding table
    hidden: int = 300            # units per hidden layer
    layers: int = 1              # hidden layers
    batchnorm: bool = True       # BatchNorm between each hidden linear layer and its tanh
    kaiming: bool = True         # scale hidden weights by gain/√fan_in (tanh's gain is 5/3)
    out_scale: float = 0.1       # shrink the output layer: step-0 loss near ln 27
    vocab_size: int = len(VOCAB)

    def check(self) -> None:
        """Raise SettingsError for a size that cannot work."""
        for name in ("block_size", "emb_dim", "hidden", "layers", "vocab_size"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not self.out_scale > 0:
            raise SettingsError(f"out_scale must be positive, got {self.out_scale}")
# --8<-- [end:config]


# --8<-- [start:layers]
class Linear(nn.Module):
    """y = x W + b, with W drawn from N(0, 1) and scaled by `scale`."""

    def __init__(self, fan_in: int, fan_out: int, generator: torch.Generator, scale: float = 1.0,
                 bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_in, fan_out, generator=generator) * scale)
        self.bias = nn.Parameter(torch.zeros(fan_out)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x @ self.weight
        return out + self.bias if self.bias is not None else out


class Tanh(nn.Module):
    """tanh, keeping its last output (`.out`) so the chapter can plot saturation; with
    `keep_grad` set, the output's gradient is kept too (`.out.grad`, after backward)."""

    def __init__(self) -> None:
        super().__init__()
        self.out: torch.Tensor | None = None
        self.keep_grad = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.out = torch.tanh(x)
        if self.keep_grad and self.out.requires_grad:
            self.out.retain_grad()
        return self.out
# --8<-- [end:layers]


# --8<-- [start:batchnorm]
class BatchNorm1d(nn.Module):
    """Normalise each unit over the batch, then scale by `gain` and shift by `bias`.

    In training mode the mean and variance come from the batch itself, and running
    averages of them are kept (`running_mean`, `running_var`, updated with weight
    `momentum`). In eval mode (`model.eval()`) those running averages are used
    instead, so one name can be scored or sampled on its own.
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.01) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.gain = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            mean = x.mean(0)
            var = x.var(0, unbiased=False)                  # the batch's own statistics
            with torch.no_grad():                           # running averages, for eval mode
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(x.var(0, unbiased=True), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        xhat = (x - mean) / torch.sqrt(var + self.eps)
        return self.gain * xhat + self.bias
# --8<-- [end:batchnorm]


# --8<-- [start:model]
class MLP(nn.Module):
    """Embedding table C, hidden layers [Linear, (BatchNorm1d), Tanh] × layers, output Linear."""

    def __init__(self, config: MLPConfig, seed: int = 0) -> None:
        super().__init__()
        config.check()
        self.config = config
        g = torch.Generator().manual_seed(seed)
        self.C = nn.Parameter(torch.randn(config.vocab_size, config.emb_dim, generator=g))
        layers: list[nn.Module] = []
        fan_in = config.block_size * config.emb_dim
        for _ in range(config.layers):
            gain = 5 / 3 if config.kaiming else 1.0               # tanh squashes: make up for it
            scale = gain / math.sqrt(fan_in) if config.kaiming else 1.0
            layers.append(Linear(fan_in, config.hidden, g, scale, bias=not config.batchnorm))
            if config.batchnorm:                                   # BatchNorm's bias replaces it
                layers.append(BatchNorm1d(config.hidden))
            layers.append(Tanh())
            fan_in = config.hidden
        out_scale = config.out_scale / math.sqrt(fan_in) if config.kaiming else config.out_scale
        layers.append(Linear(fan_in, config.vocab_size, g, out_scale))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the next character for each context in x (shape: batch, block_size)."""
        h = self.C[x].flatten(1)                   # (batch, block_size × emb_dim)
        for layer in self.layers:
            h = layer(h)
        return h
# --8<-- [end:model]


# --8<-- [start:inspect]
def tanh_stats(model: MLP) -> list[dict[str, float]]:
    """For each hidden tanh, after a forward pass: the mean and spread of its outputs, the
    share that is saturated (|t| > 0.97, where almost no gradient passes), and the spread
    of its gradient if it was kept (`keep_gradients(model)` before the backward pass)."""
    stats = []
    for layer in model.layers:
        if isinstance(layer, Tanh) and layer.out is not None:
            t = layer.out.detach()
            row = {"mean": t.mean().item(), "std": t.std().item(),
                   "saturated": (t.abs() > 0.97).float().mean().item()}
            if layer.out.grad is not None:
                row["grad_std"] = layer.out.grad.std().item()
            stats.append(row)
    return stats


def keep_gradients(model: MLP, keep: bool = True) -> None:
    """Make every Tanh keep its output's gradient on the next backward pass (or stop)."""
    for layer in model.layers:
        if isinstance(layer, Tanh):
            layer.keep_grad = keep
# --8<-- [end:inspect]


@torch.no_grad()
def evaluate(model: MLP, X: torch.Tensor, Y: torch.Tensor, batch_size: int = 65536) -> float:
    """The mean cross-entropy (nats per character) of `model` on (X, Y), in eval mode."""
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(X), batch_size):
        logits = model(X[start:start + batch_size])
        total += F.cross_entropy(logits, Y[start:start + batch_size], reduction="sum").item()
    model.train(was_training)
    return total / len(X)


# --8<-- [start:train]
@dataclass
class TrainConfig:
    """The defaults here and in MLPConfig are the chapter's target run: dev loss ≈ 2.08
    nats per character after about a minute on one CPU thread."""

    steps: int = 30_000
    batch_size: int = 128
    lr: float = 3e-3             # Adam's peak rate; SGD wants about 0.1
    optimizer: str = "adam"      # "adam" or "sgd"
    decay: str = "cosine"        # "cosine" to lr × final_lr_frac, "step" (÷10 for the last 25%), "none"
    final_lr_frac: float = 0.02
    weight_decay: float = 0.0
    seed: int = 0

    def check(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise SettingsError(f"steps and batch size must be positive, got {self.steps} and "
                                f"{self.batch_size}")
        if not self.lr > 0:
            raise SettingsError(f"the learning rate must be positive, got {self.lr}")
        if self.optimizer not in ("adam", "sgd"):
            raise SettingsError(f"optimizer must be adam or sgd, got {self.optimizer!r}")
        if self.decay not in ("cosine", "step", "none"):
            raise SettingsError(f"decay must be cosine, step or none, got {self.decay!r}")


def learning_rate(config: TrainConfig, step: int) -> float:
    """The rate at `step` (0-based): constant, a ÷10 step for the last quarter, or a cosine."""
    if config.decay == "none":
        return config.lr
    if config.decay == "step":
        return config.lr if step < 0.75 * config.steps else config.lr / 10
    floor = config.lr * config.final_lr_frac
    return floor + 0.5 * (config.lr - floor) * (1 + math.cos(math.pi * step / config.steps))


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)     # the mini-batch loss at each step
    seconds: float = 0.0
    # with track_updates: per step, for each weight matrix, log10(std of its update / std of it)
    update_ratios: list[list[float]] = field(default_factory=list)


def train_mlp(model: MLP, X: torch.Tensor, Y: torch.Tensor, config: TrainConfig,
              on_step: Callable[[int, float], None] | None = None, track_updates: bool = False
              ) -> TrainResult:
    """Train `model` on random mini-batches of (X, Y); the same seed gives the same run.

    `on_step(step, loss)` is called after every step (a progress bar, a log). With
    `track_updates`, each step also records how large each weight matrix's update is
    against the weights themselves (`TrainResult.update_ratios`; around -3 is healthy).
    """
    config.check()
    if model.config.batchnorm and config.batch_size < 2:
        raise SettingsError("BatchNorm needs a batch of at least 2 to have a variance; "
                            f"got a batch size of {config.batch_size}")
    g = torch.Generator().manual_seed(config.seed)
    params = list(model.parameters())
    opt: torch.optim.Optimizer
    if config.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=config.lr, weight_decay=config.weight_decay)
    result = TrainResult()
    model.train()
    start = time.perf_counter()
    for step in range(config.steps):
        ix = torch.randint(0, len(X), (config.batch_size,), generator=g)   # a random mini-batch
        loss = F.cross_entropy(model(X[ix]), Y[ix])
        for group in opt.param_groups:
            group["lr"] = learning_rate(config, step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        before = [p.detach().clone() for p in params if p.ndim == 2] if track_updates else []
        opt.step()
        if track_updates:
            after = [p.detach() for p in params if p.ndim == 2]
            result.update_ratios.append([((a - b).std() / b.std()).log10().item()
                                         for a, b in zip(after, before)])
        result.losses.append(loss.item())
        if on_step is not None:
            on_step(step, result.losses[-1])
    result.seconds = time.perf_counter() - start
    return result
# --8<-- [end:train]


# --8<-- [start:lr_range]
def lr_range_test(config: MLPConfig, X: torch.Tensor, Y: torch.Tensor, low: float = 1e-3,
                  high: float = 10.0, steps: int = 1000, batch_size: int = 32, seed: int = 0
                  ) -> tuple[list[float], list[float]]:
    """Train a fresh model for `steps` SGD steps, raising the rate exponentially from `low`
    to `high`; the (rates, losses) curve. Choose a rate a little below where the loss
    is lowest, before it climbs (on names.txt, context 3, embedding 10, 200 hidden units:
    lowest near 0.3, climbing above it and exploding above 2; SGD at 0.1 is the safe
    choice)."""
    if not 0 < low < high or steps < 2:
        raise SettingsError(f"need 0 < low < high and at least 2 steps, got {low}, {high}, {steps}")
    model = MLP(config, seed=seed)
    g = torch.Generator().manual_seed(seed)
    rates = [low * (high / low) ** (i / (steps - 1)) for i in range(steps)]
    losses = []
    for lr in rates:
        ix = torch.randint(0, len(X), (batch_size,), generator=g)
        loss = F.cross_entropy(model(X[ix]), Y[ix])
        model.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p.sub_(lr * p.grad)
        losses.append(loss.item())
    return rates, losses
# --8<-- [end:lr_range]


# --8<-- [start:sample]
@torch.no_grad()
def sample_names(model: MLP, num: int, generator: torch.Generator, temperature: float = 1.0,
                 max_length: int = 50) -> list[str]:
    """`num` names drawn one character at a time from `model`, in eval mode.

    Each name starts from a context of boundary tokens and ends when the model
    draws the boundary token (or after `max_length` characters). A temperature
    below 1 sharpens the distribution, above 1 flattens it.
    """
    if num < 1 or not temperature > 0:
        raise SettingsError(f"need a positive count and temperature, got {num} and {temperature}")
    was_training = model.training
    model.eval()
    names = []
    for _ in range(num):
        context = [0] * model.config.block_size
        chars: list[str] = []
        while len(chars) < max_length:
            logits = model(torch.tensor([context]))[0] / temperature
            ix = int(torch.multinomial(F.softmax(logits, dim=0), 1, generator=generator).item())
            if ITOS[ix] == BOUNDARY:
                break
            chars.append(ITOS[ix])
            context = context[1:] + [ix]
        names.append("".join(chars))
    model.train(was_training)
    return names
# --8<-- [end:sample]


def config_dict(config: MLPConfig) -> dict[str, int | float | bool]:
    """The configuration as plain values, for a checkpoint."""
    return asdict(config)
