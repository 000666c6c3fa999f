"""The bigram language model, fitted two ways: by counting, and as a one-layer network.

A bigram model predicts each character from the one before it alone. Counting
fills a 27×27 table, row by previous character, column by next; each row,
normalised, is a probability distribution. The network (one-hot input times a
27×27 weight matrix W, then softmax) is the same model: exp(W) plays the part of
the counts, and gradient descent on the negative log-likelihood finds the same
table. Pulling W towards zero (L2) pulls every row towards uniform, as adding
counts does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gradbook.errors import SettingsError
from gradbook.names.data import BOUNDARY, VOCAB, build_dataset, encode

V = len(VOCAB)


# --8<-- [start:count]
def count_bigrams(names: list[str]) -> torch.Tensor:
    """The 27×27 table N: N[i, j] is how often character j follows character i."""
    N = torch.zeros((V, V), dtype=torch.int64)
    for name in names:
        ids = encode(BOUNDARY + name + BOUNDARY)
        for a, b in zip(ids, ids[1:]):            # each pair of neighbours
            N[a, b] += 1
    return N
# --8<-- [end:count]


# --8<-- [start:probs]
def bigram_probs(N: torch.Tensor, smoothing: float = 1.0) -> torch.Tensor:
    """P[i, j] = (N[i, j] + k) / Σ_j (N[i, j] + k): each row a distribution over the next
    character, with add-k smoothing (k = `smoothing`) so that no pair has probability 0.

    With k = 0, a character that never occurs has a row of 0/0 (NaN): no data, no
    distribution. On names.txt every character occurs.
    """
    if smoothing < 0:
        raise SettingsError(f"smoothing must be 0 or more, got {smoothing}")
    P = N.double() + smoothing
    return P / P.sum(1, keepdim=True)
# --8<-- [end:probs]


# --8<-- [start:nll]
def bigram_nll(P: torch.Tensor, names: list[str]) -> float:
    """The average negative log-likelihood, in nats per character, of `names` under P.

    Every character is scored, the closing boundary too, so `emma` counts 5
    predictions. A pair of probability 0 gives +inf: the model said "impossible".
    """
    X, Y = build_dataset(names, block_size=1)
    return -P[X[:, 0], Y].log().mean().item()
# --8<-- [end:nll]


# --8<-- [start:sample]
def sample_bigram(P: torch.Tensor, num: int, generator: torch.Generator, max_length: int = 50
                  ) -> list[str]:
    """`num` names drawn from the table: from '.', draw the next character from its row,
    and again from that character's row, until '.' comes up."""
    names = []
    for _ in range(num):
        ix, chars = 0, list[str]()
        while len(chars) < max_length:
            ix = int(torch.multinomial(P[ix], 1, generator=generator).item())
            if ix == 0:
                break
            chars.append(VOCAB[ix])
        names.append("".join(chars))
    return names
# --8<-- [end:sample]


# --8<-- [start:neural]
def neural_bigram_loss(W: torch.Tensor, xenc: torch.Tensor, ys: torch.Tensor, l2: float = 0.0
                       ) -> torch.Tensor:
    """NLL of ys for the network softmax(xenc @ W), plus l2 × mean(W²); xenc holds the
    previous characters one-hot encoded: `F.one_hot(xs, 27).float()`, a 1 in each row's
    column of its character."""
    logits = xenc @ W                            # picks row xs[i] of W: log-counts
    counts = logits.exp()                        # "counts", like N
    probs = counts / counts.sum(1, keepdim=True)     # each row normalised, like P: softmax
    nll = -probs[torch.arange(len(ys)), ys].log().mean()
    return nll + l2 * (W ** 2).mean()


def train_neural_bigram(names: list[str], steps: int = 200, lr: float = 50.0, l2: float = 0.0,
                        seed: int = 0, init_scale: float = 1.0) -> tuple[torch.Tensor, list[float]]:
    """W (27×27) fitted to every bigram of `names` by full-batch gradient descent;
    returns W and the loss at each step (before that step's update).

    W starts as N(0, 1) numbers times `init_scale` (0: every row uniform).
    """
    if steps < 1 or not lr > 0 or l2 < 0:
        raise SettingsError(f"need steps >= 1, lr > 0, l2 >= 0; got {steps}, {lr}, {l2}")
    X, ys = build_dataset(names, block_size=1)
    xenc = F.one_hot(X[:, 0], V).float()         # (n, 27), encoded once for every step
    g = torch.Generator().manual_seed(seed)
    W = (torch.randn((V, V), generator=g) * init_scale).requires_grad_()
    losses: list[float] = []
    for _ in range(steps):
        loss = neural_bigram_loss(W, xenc, ys, l2)
        W.grad = None
        loss.backward()
        assert W.grad is not None
        with torch.no_grad():
            W -= lr * W.grad                     # gradient descent
        losses.append(loss.item())
    return W.detach(), losses
# --8<-- [end:neural]


def neural_bigram_probs(W: torch.Tensor) -> torch.Tensor:
    """The table the network has learned: softmax of each row of W."""
    return F.softmax(W.double(), dim=1)
