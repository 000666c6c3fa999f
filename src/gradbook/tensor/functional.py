"""Losses and the operations layers are built from: cross-entropy, convolution, pooling.

Each is one node in the graph with a hand-written backward, because each is a hot
spot of training: a fused cross-entropy avoids half a dozen intermediate arrays,
and convolution as a matrix product (im2col) turns a seven-deep loop into one call
to the BLAS library numpy uses.
"""

from __future__ import annotations

import numpy as np

from gradbook.tensor.tensor import Tensor


# --8<-- [start:mse]
def mse_loss(pred: Tensor, target: Tensor | np.ndarray) -> Tensor:
    """Mean squared error, (1/N) Σ (p − t)², built from basic ops."""
    target = target if isinstance(target, Tensor) else Tensor(target, dtype=pred.dtype)
    if pred.shape != target.shape:
        raise ValueError(f"mse_loss: prediction {pred.shape} and target {target.shape} differ")
    diff = pred - target
    return (diff * diff).mean()
# --8<-- [end:mse]


# --8<-- [start:cross_entropy]
def cross_entropy(logits: Tensor, targets: np.ndarray | Tensor) -> Tensor:
    """Mean of −log softmax(z)_y over a batch, as one node.

    `logits` z has shape `(N, C)`; `targets` holds N class indices y in `[0, C)`.
    With p = softmax(z) the gradient is the famously simple (p − onehot(y)) / N.
    """
    targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (N, C), got {logits.shape}")
    n, c = logits.shape
    if targets.shape != (n,):
        raise ValueError(f"cross_entropy: logits {logits.shape} need targets of shape ({n},), "
                         f"got {targets.shape}")
    if targets.dtype.kind not in "iu" or targets.min(initial=0) < 0 or targets.max(initial=0) >= c:
        raise ValueError(f"cross_entropy: targets must be integers in [0, {c})")
    z = logits.data
    shifted = z - z.max(axis=1, keepdims=True)                    # log-sum-exp trick
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, targets].mean()

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.exp(log_probs)                                  # softmax
        grad[rows, targets] -= 1.0
        return (grad * (g / n),)

    return Tensor.from_op(np.asarray(loss, dtype=z.dtype), (logits,), backward, "cross_entropy")
# --8<-- [end:cross_entropy]


# --8<-- [start:im2col]
def im2col(x: np.ndarray, kh: int, kw: int, stride: int,
           padding: int) -> tuple[np.ndarray, int, int]:
    """Every `kh×kw` patch of every image, laid out as one row of a matrix.

    `x` is `(N, C, H, W)`. Returns `cols` of shape `(N·OH·OW, C·kh·kw)` and
    the output size, so that convolution becomes `cols @ weights`.
    """
    n, c, h, w = x.shape
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    # A strided *view*: no copying until the reshape below.
    sn, sc, sh, sw = x.strides
    patches = np.lib.stride_tricks.as_strided(
        x, shape=(n, oh, ow, c, kh, kw),
        strides=(sn, sh * stride, sw * stride, sc, sh, sw), writeable=False)
    return patches.reshape(n * oh * ow, c * kh * kw), oh, ow


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], kh: int, kw: int, stride: int,
           padding: int, oh: int, ow: int) -> np.ndarray:
    """The adjoint of `im2col`: add each patch's gradient back where it came from."""
    n, c, h, w = x_shape
    grad = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    cols = cols.reshape(n, oh, ow, c, kh, kw)
    for i in range(kh):                       # kh·kw slices, each a whole-array add
        for j in range(kw):
            patch_grad = cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
            grad[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += patch_grad
    return grad[:, :, padding:padding + h, padding:padding + w] if padding else grad
# --8<-- [end:im2col]


# --8<-- [start:conv2d]
def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int = 0) -> Tensor:
    """2-D convolution (strictly, cross-correlation, as in every framework).

    `x`: `(N, C, H, W)`; `weight`: `(F, C, kh, kw)`; output `(N, F, OH, OW)`.
    Forward: `out = im2col(x) @ W.reshape(F, -1).T`. Backward: the two matmul
    gradients, with `col2im` carrying the patch gradients back to the image.
    """
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input {x.shape} and weight {weight.shape} are not compatible "
                         "(need (N, C, H, W) and (F, C, kh, kw))")
    f, c, kh, kw = weight.shape
    cols, oh, ow = im2col(x.data, kh, kw, stride, padding)
    w2 = weight.data.reshape(f, -1)
    out = cols @ w2.T                                            # (N·OH·OW, F)
    if bias is not None:
        out += bias.data
    n = x.shape[0]
    result = out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, f)              # (N·OH·OW, F)
        grad_w = (g2.T @ cols).reshape(weight.shape)
        grad_x = col2im(g2 @ w2, x.shape, kh, kw, stride, padding, oh, ow)
        grad_b = g2.sum(axis=0) if bias is not None else None
        return grad_x, grad_w, grad_b

    children = (x, weight) if bias is None else (x, weight, bias)
    return Tensor.from_op(np.ascontiguousarray(result), children, backward, "conv2d")
# --8<-- [end:conv2d]


# --8<-- [start:max_pool2d]
def max_pool2d(x: Tensor, size: int = 2) -> Tensor:
    """Non-overlapping `size×size` max pooling; the gradient goes to each window's max."""
    n, c, h, w = x.shape
    if h % size or w % size:
        raise ValueError(f"max_pool2d: height and width {h}×{w} must be multiples of {size}")
    windows = x.data.reshape(n, c, h // size, size, w // size, size)
    out = windows.max(axis=(3, 5))
    winners = windows == out[:, :, :, None, :, None]
    winners = winners / winners.sum(axis=(3, 5), keepdims=True)    # split ties

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return ((winners * g[:, :, :, None, :, None]).reshape(n, c, h, w),)

    return Tensor.from_op(out, (x,), backward, "max_pool2d")
# --8<-- [end:max_pool2d]


# --8<-- [start:dropout]
def dropout(x: Tensor, p: float, rng: np.random.Generator) -> Tensor:
    """Zero each entry with probability `p` and scale the rest by `1/(1-p)`."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p)
    return x * Tensor(mask, dtype=x.dtype)
# --8<-- [end:dropout]
