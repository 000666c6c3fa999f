"""Optimizers: how to turn gradients into parameter updates.

Each follows the update rule PyTorch documents for its namesake, so the two
produce the same trajectory from the same start (Chapter 5 checks this).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from gradbook.tensor.tensor import Tensor


class Optimizer:
    """What every optimizer shares: the parameters, the learning rate, and `step`."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p, p.grad)

    def _update(self, i: int, p: Tensor, grad: np.ndarray) -> None:
        raise NotImplementedError


# --8<-- [start:sgd]
class SGD(Optimizer):
    """v ← μ v + g, then θ ← θ − η v, for a parameter θ with gradient g (η is `lr`).

    With `momentum` μ = 0 this is plain gradient descent. Weight decay λ adds λθ to
    the gradient (L2 regularisation).
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def _update(self, i: int, p: Tensor, grad: np.ndarray) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * p.data
        if self.momentum:
            v = self.velocity[i]
            v = grad.copy() if v is None else self.momentum * v + grad
            self.velocity[i] = v
            grad = v
        p.data -= self.lr * grad
# --8<-- [end:sgd]


# --8<-- [start:rmsprop]
class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients.

    s ← α s + (1 − α) g², then θ ← θ − η g / (√s + ε): parameters with consistently
    large gradients take smaller steps, and vice versa.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.square_avg = [np.zeros_like(p.data) for p in self.params]

    def _update(self, i: int, p: Tensor, grad: np.ndarray) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * p.data
        s = self.square_avg[i]
        s *= self.alpha
        s += (1 - self.alpha) * grad * grad
        p.data -= self.lr * grad / (np.sqrt(s) + self.eps)
# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Momentum (first moment) and RMSprop (second moment), with bias correction.

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)

    at step t = 1, 2, …, with gradient g and learning rate η. The corrections undo
    the pull towards zero of `m` and `v`, which start at 0.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, i: int, p: Tensor, grad: np.ndarray) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * p.data
        m, v = self.m[i], self.v[i]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        step_size = self.lr / (1 - self.beta1 ** self.t)
        denom = np.sqrt(v) / np.sqrt(1 - self.beta2 ** self.t) + self.eps
        p.data -= step_size * m / denom
# --8<-- [end:adam]
