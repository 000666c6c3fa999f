"""Training on many processes with `torch.distributed`: the glue around `train`.

Started by `torchrun`, each process finds its place in the job in environment
variables (`RANK`, `LOCAL_RANK`, `WORLD_SIZE`, `MASTER_ADDR`,
`MASTER_PORT`). `setup` joins the process group (NCCL between GPUs, Gloo
between CPUs), picks this process's device, and returns a `Ranks` whose
`wrap_in_ddp` wraps the model in `DistributedDataParallel`. Started any other
way, it returns a single-process `Ranks` and changes nothing.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from gradbook.errors import SettingsError

# Don't re-send the buffers at every forward pass. PyTorch 2.13 names this
# `forward_sync_buffers=False` and deprecates `broadcast_buffers=False`, which older
# versions need (and which also leaves the buffers out of the first broadcast).
_DDP_ARGS = inspect.signature(DistributedDataParallel).parameters
NO_BUFFER_RESYNC: dict[str, Any] = ({"forward_sync_buffers": False}
                                    if "forward_sync_buffers" in _DDP_ARGS
                                    else {"broadcast_buffers": False})


# --8<-- [start:setup]
@dataclass
class Ranks:
    """Where this process sits in a job: one process unless run under `torchrun`."""
    rank: int = 0
    world_size: int = 1
    # wraps the model in DistributedDataParallel; None when there is one process
    wrap_in_ddp: Callable[[nn.Module], DistributedDataParallel] | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def setup(device: torch.device) -> tuple[Ranks, torch.device]:
    """Join the job `torchrun` started (if any); return our place in it and our device."""
    if not launched_by_torchrun():
        return Ranks(), device
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if device.type == "cuda":                     # one GPU per process, NCCL between them
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise SettingsError(f"distributed training needs CUDA or the CPU, not {device.type}")
    dist.init_process_group(backend=backend, rank=rank, world_size=world)

    def wrap(model: nn.Module) -> DistributedDataParallel:
        # DDP: broadcast rank 0's weights once, then all-reduce (average) the
        # gradients during every backward pass, bucket by bucket.
        # The only buffer is the constant causal mask: no need to re-send it every step.
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, **NO_BUFFER_RESYNC)

    return Ranks(rank=rank, world_size=world, wrap_in_ddp=wrap), device
# --8<-- [end:setup]


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def mean_over_ranks(value: float, ranks: Ranks, device: torch.device) -> float:
    """The average of `value` over every process (for logging a global loss)."""
    if ranks.world_size == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64,
                     device=device if device.type == "cuda" else "cpu")
    dist.all_reduce(t)
    return float(t.item()) / ranks.world_size
