"""Optimizers: how to turn gradients into parameter updates.

Each follows the update rule PyTorch documents for its namesake, so the two
produce the same trajectory from the same start (Chapter 5 checks this).
"""

from __future__ import annotations

import numpy as np

from gradbook.tensor.tensor import Tensor


class Optimizer:
    def __init__(self, params: list[Tensor], lr: float):
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
    """:math:`v \\leftarrow \\mu v + g`, :math:`\\theta \\leftarrow \\theta - \\eta v`.

    With ``momentum`` :math:`\\mu = 0` this is plain gradient descent. Weight decay
    :math:`\\lambda` adds :math:`\\lambda\\theta` to the gradient (L2 regularisation).
    """

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def _update(self, i, p, grad):
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

    :math:`s \\leftarrow \\alpha s + (1-\\alpha) g^2`,
    :math:`\\theta \\leftarrow \\theta - \\eta\\, g / (\\sqrt{s} + \\epsilon)`:
    parameters with consistently large gradients take smaller steps, and vice versa.
    """

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.square_avg = [np.zeros_like(p.data) for p in self.params]

    def _update(self, i, p, grad):
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

    .. math::
        m \\leftarrow \\beta_1 m + (1-\\beta_1) g, \\quad
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2, \\quad
        \\theta \\leftarrow \\theta - \\eta\\,
        \\frac{m / (1-\\beta_1^t)}{\\sqrt{v / (1-\\beta_2^t)} + \\epsilon}

    The corrections undo the pull towards zero of ``m`` and ``v``, which start at 0.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay = eps, weight_decay
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, i, p, grad):
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
