"""Choosing where PyTorch computes: one rule, used by every torch chapter."""

from __future__ import annotations

import os

import torch

from gradbook.errors import SettingsError

ENV = "GRADBOOK_DEVICE"


# --8<-- [start:pick]
def pick(preferred: str | torch.device | None = None) -> torch.device:
    """The device to compute on: `preferred`, else `$GRADBOOK_DEVICE`, else the best one.

    "Best" means an NVIDIA GPU (CUDA) if there is one, else an Apple GPU (MPS), else
    the CPU. Asking for a device that is not there is an error, not a silent fall
    back to the CPU: a run you meant for the GPU should not quietly take all night.
    """
    choice = preferred if preferred is not None else os.environ.get(ENV) or None
    if choice is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    source = "the argument" if preferred is not None else f"${ENV}"
    try:
        device = torch.device(choice)
    except (RuntimeError, TypeError):
        raise SettingsError(f"unknown device {choice!r} (from {source}); use cpu, cuda, "
                            "cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SettingsError(f"device {choice!r} (from {source}) asked for, but CUDA is "
                                "not available on this machine")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise SettingsError(f"device {choice!r} (from {source}): only "
                                f"{torch.cuda.device_count()} CUDA device(s) here")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise SettingsError(f"device {choice!r} (from {source}) asked for, but Apple MPS is "
                            "not available on this machine")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise SettingsError(f"unsupported device {choice!r} (from {source}); use cpu, cuda, "
                            "cuda:N or mps")
    return device
# --8<-- [end:pick]
