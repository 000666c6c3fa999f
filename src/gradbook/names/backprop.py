"""Backpropagation by hand through the MLP language model with BatchNorm.

The model is written out one operation at a time, with its parameters as a plain
dict of tensors:

    emb     = C[X]                          embedding lookup        (n, block, emb_dim)
    embcat  = emb joined per row                                    (n, block × emb_dim)
    hprebn  = embcat @ W1 + b1              linear                  (n, hidden)
    hpreact = gain × (hprebn − mean) / √(var + eps) + bias    BatchNorm, batch statistics
    h       = tanh(hpreact)
    logits  = h @ W2 + b2                   linear                  (n, 27)
    loss    = cross-entropy(logits, Y)

`backward` computes the gradient of the loss with respect to every one of these,
from the last to the first, each with a formula derived on paper; `check_gradients`
compares each with what autograd finds. Everything runs in float64, where the two
agree to about 1e-15.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gradbook.errors import SettingsError
from gradbook.names.data import VOCAB

Params = dict[str, torch.Tensor]
PARAM_NAMES = ("C", "W1", "b1", "gain", "bias", "W2", "b2")


def init_params(block_size: int = 3, emb_dim: int = 10, hidden: int = 64, seed: int = 0,
                dtype: torch.dtype = torch.float64) -> Params:
    """Parameters for the hand-written model, Kaiming-scaled, with small random gains and
    biases (not the usual 1 and 0) so that no gradient is trivially zero or one."""
    g = torch.Generator().manual_seed(seed)
    V, fan_in = len(VOCAB), block_size * emb_dim

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=dtype)
    return {
        "C": randn(V, emb_dim),
        "W1": randn(fan_in, hidden) * (5 / 3) / math.sqrt(fan_in),
        "b1": randn(hidden) * 0.1,             # BatchNorm subtracts it again: its gradient is 0
        "gain": 1.0 + randn(hidden) * 0.1,
        "bias": randn(hidden) * 0.1,
        "W2": randn(hidden, V) * 0.1 / math.sqrt(hidden),
        "b2": randn(V) * 0.1,
    }


# --8<-- [start:forward]
def forward(p: Params, X: torch.Tensor, Y: torch.Tensor, eps: float = 1e-5) -> dict[str, torch.Tensor]:
    """The loss, and every intermediate on the way, by name (the gradients need them)."""
    n = X.shape[0]
    emb = p["C"][X]                                        # (n, block, emb_dim)
    embcat = emb.view(n, -1)                               # (n, block × emb_dim)
    hprebn = embcat @ p["W1"] + p["b1"]                    # (n, hidden)
    bnmean = hprebn.mean(0, keepdim=True)
    bndiff = hprebn - bnmean
    bnvar = (bndiff ** 2).mean(0, keepdim=True)            # the batch's (biased) variance
    bnvar_inv = (bnvar + eps) ** -0.5
    bnraw = bndiff * bnvar_inv                             # mean 0, variance 1 per unit
    hpreact = p["gain"] * bnraw + p["bias"]
    h = torch.tanh(hpreact)
    logits = h @ p["W2"] + p["b2"]                         # (n, 27)
    loss = F.cross_entropy(logits, Y)
    return {"emb": emb, "embcat": embcat, "hprebn": hprebn, "bnvar_inv": bnvar_inv, "bnraw": bnraw,
            "hpreact": hpreact, "h": h, "logits": logits, "loss": loss}
# --8<-- [end:forward]


# --8<-- [start:cross_entropy_backward]
def cross_entropy_backward(logits: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """d loss / d logits for the mean cross-entropy: (softmax(logits) − one_hot(Y)) / n.

    Raising a wrong character's logit costs its probability; raising the right
    one's gains 1 − its probability. One formula replaces the backward passes of
    max, exp, sum, divide and log.
    """
    n = logits.shape[0]
    dlogits = F.softmax(logits, dim=1)
    dlogits[torch.arange(n), Y] -= 1
    return dlogits / n
# --8<-- [end:cross_entropy_backward]


# --8<-- [start:linear_backward]
def linear_backward(x: torch.Tensor, W: torch.Tensor, dout: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For out = x @ W + b: dx = dout @ Wᵀ, dW = xᵀ @ dout, db = Σ over the batch of dout.

    The shapes decide it: dx must be shaped like x, dW like W, and the only
    products that give those shapes are these.
    """
    return dout @ W.T, x.T @ dout, dout.sum(0)
# --8<-- [end:linear_backward]


# --8<-- [start:tanh_backward]
def tanh_backward(h: torch.Tensor, dh: torch.Tensor) -> torch.Tensor:
    """For h = tanh(a): da = (1 − h²) × dh. A saturated unit (h near ±1) passes almost nothing."""
    return (1 - h ** 2) * dh
# --8<-- [end:tanh_backward]


# --8<-- [start:batchnorm_backward]
def batchnorm_backward(dout: torch.Tensor, xhat: torch.Tensor, gain: torch.Tensor,
                       var_inv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For out = gain × x̂ + bias, x̂ = (x − mean) / √(var + eps) over a batch of n rows:

        dx = gain / √(var + eps) / n × (n × dout − Σ dout − x̂ × Σ (dout × x̂))

    (sums over the batch), and dgain = Σ dout × x̂, dbias = Σ dout. Every row's x
    moves the batch mean and variance, so every row's gradient reaches every
    other's: the two sums are that coupling.
    """
    n = dout.shape[0]
    dgain = (dout * xhat).sum(0)
    dbias = dout.sum(0)
    dx = gain * var_inv / n * (n * dout - dout.sum(0) - xhat * (dout * xhat).sum(0))
    return dx, dgain, dbias
# --8<-- [end:batchnorm_backward]


# --8<-- [start:embedding_backward]
def embedding_backward(X: torch.Tensor, demb: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """For emb = C[X]: each row of C collects the gradients of every place it was looked up."""
    dC = torch.zeros(vocab_size, demb.shape[-1], dtype=demb.dtype)
    dC.index_add_(0, X.reshape(-1), demb.reshape(-1, demb.shape[-1]))
    return dC
# --8<-- [end:embedding_backward]


# --8<-- [start:backward]
def backward(p: Params, cache: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor
             ) -> dict[str, torch.Tensor]:
    """The gradient of the loss with respect to every intermediate and every parameter."""
    d: dict[str, torch.Tensor] = {}
    d["logits"] = cross_entropy_backward(cache["logits"], Y)
    d["h"], d["W2"], d["b2"] = linear_backward(cache["h"], p["W2"], d["logits"])
    d["hpreact"] = tanh_backward(cache["h"], d["h"])
    d["hprebn"], d["gain"], d["bias"] = batchnorm_backward(d["hpreact"], cache["bnraw"], p["gain"],
                                                           cache["bnvar_inv"])
    d["embcat"], d["W1"], d["b1"] = linear_backward(cache["embcat"], p["W1"], d["hprebn"])
    d["emb"] = d["embcat"].view(cache["emb"].shape)         # joining rows only moves numbers
    d["C"] = embedding_backward(X, d["emb"], p["C"].shape[0])
    return d
# --8<-- [end:backward]


# --8<-- [start:check]
INTERMEDIATES = ("logits", "h", "hpreact", "hprebn", "embcat", "emb")


def check_gradients(p: Params, X: torch.Tensor, Y: torch.Tensor) -> dict[str, float]:
    """The largest absolute difference between each hand-written gradient and autograd's."""
    leaves = {k: v.detach().clone().requires_grad_() for k, v in p.items()}
    cache = forward(leaves, X, Y)
    for name in INTERMEDIATES:
        cache[name].retain_grad()                          # keep autograd's d/d intermediate
    cache["loss"].backward()
    ours = backward(p, {k: v.detach() for k, v in cache.items()}, X, Y)
    autograd = {**{n: cache[n].grad for n in INTERMEDIATES}, **{n: leaves[n].grad for n in p}}
    diffs = {}
    for name, grad in autograd.items():
        assert grad is not None
        diffs[name] = (ours[name] - grad).abs().max().item()
    return diffs
# --8<-- [end:check]


# --8<-- [start:train_by_hand]
def train_by_hand(p: Params, X: torch.Tensor, Y: torch.Tensor, steps: int, batch_size: int = 32,
                  lr: float = 0.1, seed: int = 0, use_autograd: bool = False) -> list[float]:
    """SGD on a copy of `p` with the hand-written gradients (or autograd's, to compare);
    the loss at every step. The same seed draws the same mini-batches either way."""
    if steps < 1 or batch_size < 2 or not lr > 0:
        raise SettingsError(f"need steps >= 1, batch_size >= 2 (BatchNorm), lr > 0; got {steps}, "
                            f"{batch_size}, {lr}")
    p = {k: v.detach().clone() for k, v in p.items()}
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=g)
        Xb, Yb = X[ix], Y[ix]
        if use_autograd:
            for v in p.values():
                v.requires_grad_()
            cache = forward(p, Xb, Yb)
            cache["loss"].backward()
            grads = {k: v.grad for k, v in p.items()}
            p = {k: v.detach() for k, v in p.items()}
        else:
            cache = forward(p, Xb, Yb)
            grads = dict(backward(p, cache, Xb, Yb))
        for name in PARAM_NAMES:
            grad = grads[name]
            assert grad is not None
            p[name] = p[name] - lr * grad                  # the same update, whoever found grad
        losses.append(cache["loss"].item())
    return losses
# --8<-- [end:train_by_hand]
