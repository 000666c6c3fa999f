"""How much arithmetic training does, and how much of the hardware's peak it uses (MFU)."""

from __future__ import annotations

import time

import torch

from gradbook.gpt.model import GPTConfig

# Dense bf16 tensor-core peaks from NVIDIA's data sheets, in FLOP/s; the first name
# found in the device's name wins, so the more specific names come first.
GPU_PEAKS = {"H100 PCIe": 756e12, "H100": 989e12, "H200": 989e12, "A100": 312e12}


# --8<-- [start:flops]
def flops_per_token(cfg: GPTConfig, n_params: int) -> float:
    """Forward + backward FLOPs to train on one token.

    Every weight is used in one multiply-add (2 FLOPs) per token going forward and
    two going backward (gradients for the input and for the weight): 6 FLOPs per
    parameter. Attention adds the scores and the weighted sum, which have no
    weights: 2·T·d multiply-adds (4·T·d FLOPs) per layer forward, three times
    that with backward, so 12·L·T·d FLOPs in all.
    Position embeddings are looked up, not multiplied, so they are not counted.
    """
    n = n_params - cfg.block_size * cfg.n_embd
    return 6 * n + 12 * cfg.n_layer * cfg.block_size * cfg.n_embd
# --8<-- [end:flops]


def measured_matmul_peak(device: torch.device, size: int = 1024, seconds: float = 0.5) -> float:
    """The best matrix-product rate this device reaches, in FLOP/s: a practical peak.

    float32 on a CPU; bfloat16 on a GPU, the precision training runs in there.
    """
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    if device.type == "cuda":
        size *= 8
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    best, deadline = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        (a @ b).sum().item()
        best = max(best, 2 * size ** 3 / (time.perf_counter() - start))
    return best


def peak_flops(device: torch.device, stated: float | None = None) -> tuple[float, str]:
    """The peak to compare against, and where it comes from (for the printed line)."""
    if stated is not None:
        return stated, "as given"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, value in GPU_PEAKS.items():
            if key in name:
                return value, f"{name} dense bf16 peak"
    kind = "bfloat16" if device.type == "cuda" else "float32"
    return measured_matmul_peak(device), f"{kind} matmul peak measured on this {device.type}"
