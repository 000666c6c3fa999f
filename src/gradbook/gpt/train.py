"""Training the Tiny GPT: AdamW, warm-up then cosine decay, clipping, evaluation, checkpoints.

One function, :func:`train`, runs the loop for a single process or for one rank
of a ``torchrun`` job (:mod:`gradbook.gpt.distributed`). Every optimizer step
draws one *global* batch of ``batch_size`` random blocks from a seeded generator;
it is cut into ``grad_accum`` micro-batches, and each process works through its
own share of them. So the examples that make up a step, and therefore the
training run, do not depend on how many processes share the work.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch

from gradbook.gpt import checkpoint
from gradbook.gpt.data import TextData, random_starts, take_blocks
from gradbook.gpt.model import GPTConfig, TinyGPT, require_positive_ints, settings_from_dict
from gradbook.gpt.tokenizer import CharTokenizer


# --8<-- [start:config]
@dataclass
class TrainConfig:
    max_iters: int = 2000
    batch_size: int = 12          # blocks per optimizer step, summed over all processes
    grad_accum: int = 1           # micro-batches per step, summed over all processes
    lr: float = 4e-3              # peak learning rate, reached after the warm-up
    min_lr: float = 4e-4          # the cosine decay ends here at max_iters
    warmup_iters: int = 100
    weight_decay: float = 0.1     # applied to matrices only
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0        # largest allowed global gradient norm
    eval_interval: int = 250
    eval_iters: int = 20          # batches per split at each periodic evaluation
    final_eval_iters: int = 200   # batches per split for the final numbers
    seed: int = 1337
    compile: bool = False
# --8<-- [end:config]

    def check(self) -> "TrainConfig":
        require_positive_ints(self, ("max_iters", "batch_size", "grad_accum", "eval_interval",
                                     "eval_iters", "final_eval_iters"))
        if self.batch_size % self.grad_accum:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of grad_accum "
                             f"({self.grad_accum})")
        if not self.lr > 0 or not 0 <= self.min_lr <= self.lr:
            raise ValueError(f"need lr > 0 and 0 <= min_lr <= lr, got lr={self.lr}, "
                             f"min_lr={self.min_lr}")
        if self.warmup_iters < 0 or self.weight_decay < 0 or self.grad_clip <= 0:
            raise ValueError("warmup_iters and weight_decay must be >= 0 and grad_clip > 0")
        return self

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        return settings_from_dict(cls, d, "training")


# --8<-- [start:presets]
PRESETS = {
    # A laptop CPU: about 0.8 M parameters, a couple of minutes.
    "cpu": (GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0),
            TrainConfig(max_iters=2000, batch_size=12)),
    # One GPU: about 10.7 M parameters.
    "gpu": (GPTConfig(block_size=256, n_layer=6, n_head=6, n_embd=384, dropout=0.2),
            TrainConfig(max_iters=5000, batch_size=64, lr=1e-3, min_lr=1e-4, warmup_iters=100,
                        eval_interval=500, eval_iters=50)),
}
# --8<-- [end:presets]


def preset(name: str) -> tuple[GPTConfig, TrainConfig]:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    model_config, train_config = PRESETS[name]
    return replace(model_config), replace(train_config)


# --8<-- [start:schedule]
def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up from ~0 to ``lr``, then a half cosine down to ``min_lr``."""
    if step < cfg.warmup_iters:
        return cfg.lr * (step + 1) / cfg.warmup_iters
    progress = (step - cfg.warmup_iters) / max(1, cfg.max_iters - cfg.warmup_iters)
    progress = min(progress, 1.0)
    return cfg.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)
# --8<-- [end:schedule]


# --8<-- [start:optimizer]
def make_optimizer(model: TinyGPT, cfg: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW with weight decay on the matrices; biases and LayerNorm gains are not decayed."""
    params = [p for p in model.parameters() if p.requires_grad]   # the tied matrix counted once
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2),
                             fused=device.type == "cuda")
# --8<-- [end:optimizer]


def autocast(device: torch.device):
    """bf16 autocast on CUDA (matrix products in bfloat16, sums and softmax in float32)."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


# --8<-- [start:estimate_loss]
@torch.no_grad()
def estimate_loss(model: TinyGPT, data: TextData, batch_size: int, iters: int, seed: int,
                  device: torch.device, splits=("train", "val")) -> dict[str, float]:
    """Mean loss over ``iters`` random batches of each split; the same batches every call."""
    was_training = model.training
    model.eval()
    block = model.config.block_size
    out = {}
    for k, split in enumerate(splits):
        generator = torch.Generator().manual_seed(seed + k)
        total = 0.0
        for _ in range(iters):
            x, y = take_blocks(data.split(split), random_starts(
                data.split(split), block, batch_size, generator), block)
            with autocast(device):
                _, loss = model(x.to(device), y.to(device))
            total += loss.item()
        out[split] = total / iters
    model.train(was_training)
    return out
# --8<-- [end:estimate_loss]


@dataclass
class Ranks:
    """Where this process sits in a job: one process unless run under ``torchrun``."""
    rank: int = 0
    world_size: int = 1
    ddp_model: torch.nn.Module | None = None   # the DistributedDataParallel wrapper

    @property
    def is_main(self) -> bool:
        return self.rank == 0


@dataclass
class TrainResult:
    model: TinyGPT
    step: int
    history: list[list[float]]            # [step, train loss, val loss] at each evaluation
    final: dict[str, float] = field(default_factory=dict)   # after max_iters, final_eval_iters
    seconds: float = 0.0                  # wall time of this call, evaluations included
    tokens_per_second: float = 0.0        # training steps only, all processes together


def _state(model, optimizer, model_cfg, train_cfg, tokenizer, step, generator, history):
    rng = {"torch": torch.get_rng_state(), "batch": generator.get_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "model_config": asdict(model_cfg), "train_config": asdict(train_cfg),
            "tokenizer": tokenizer.to_dict(), "step": step, "rng": rng, "history": history}


# --8<-- [start:train]
def train(data: TextData, tokenizer: CharTokenizer, model_cfg: GPTConfig, cfg: TrainConfig,
          device: torch.device | str = "cpu", out: str | Path | None = None,
          resume: dict | None = None, stop_after: int | None = None,
          on_step: Callable[[int, float, float, float], None] | None = None,
          on_eval: Callable[[int, dict[str, float]], None] | None = None,
          ranks: Ranks | None = None) -> TrainResult:
    """Train from scratch, or from the checkpoint state ``resume``, up to ``cfg.max_iters``.

    ``out`` is the checkpoint folder, written at every evaluation and at the end
    (by the main process only). ``stop_after`` ends the call early after that many
    steps, as an interruption would. ``on_step(step, loss, lr, tokens_per_s)`` and
    ``on_eval(step, losses)`` report progress.
    """
    device, ranks = torch.device(device), ranks or Ranks()
    model_cfg, cfg = model_cfg.check(), cfg.check()
    if cfg.grad_accum % ranks.world_size:
        raise ValueError(f"grad_accum ({cfg.grad_accum}) must be a multiple of the number of "
                         f"processes ({ranks.world_size})")
    torch.manual_seed(cfg.seed)                       # same initial weights in every process
    model = TinyGPT(model_cfg).to(device)
    optimizer = make_optimizer(model, cfg, device)
    generator = torch.Generator().manual_seed(cfg.seed)   # the batch stream, same in every rank
    step, history = 0, []
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        step, history = resume["step"], [list(h) for h in resume["history"]]
        torch.set_rng_state(resume["rng"]["torch"])
        generator.set_state(resume["rng"]["batch"])
        saved_cuda = resume["rng"].get("cuda", [])
        if device.type == "cuda" and len(saved_cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(saved_cuda)
    if ranks.rank:     # other ranks: their own dropout masks (rank 0 keeps the saved stream)
        torch.manual_seed(cfg.seed + 7919 * ranks.rank + step)
    ddp = ranks.ddp_model(model) if ranks.ddp_model is not None else None
    forward = ddp if ddp is not None else model
    if cfg.compile:
        forward = torch.compile(forward)
    block, micro = model_cfg.block_size, cfg.batch_size // cfg.grad_accum
    mine = cfg.grad_accum // ranks.world_size         # micro-batches this process computes
    tokens_per_step = cfg.batch_size * block
    eval_seed = cfg.seed + 1000

    def evaluate(iters: int) -> dict[str, float]:   # the same batches, however many processes
        return estimate_loss(model, data, cfg.batch_size, iters, eval_seed, device)

    def save() -> None:
        if out is not None and ranks.is_main:
            checkpoint.save(out, _state(model, optimizer, model_cfg, cfg, tokenizer, step,
                                        generator, history))

    began, train_time, trained_steps = time.perf_counter(), 0.0, 0
    last = cfg.max_iters if stop_after is None else min(cfg.max_iters, step + stop_after)
    model.train()
    while True:
        if ranks.is_main and (step % cfg.eval_interval == 0 or step == cfg.max_iters) and (
                not history or history[-1][0] != step):
            losses = evaluate(cfg.eval_iters)
            history.append([step, losses["train"], losses["val"]])
            if on_eval:
                on_eval(step, losses)
            save()
        if step >= last:
            break
        tick = time.perf_counter()
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        starts = random_starts(data.train, block, cfg.batch_size, generator)
        total = 0.0
        for j in range(mine):
            chunk = ranks.rank * mine + j
            x, y = take_blocks(data.train, starts[chunk * micro:(chunk + 1) * micro], block)
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            # all-reduce the gradients only after this process's last micro-batch
            sync = ddp.no_sync() if ddp is not None and j < mine - 1 else contextlib.nullcontext()
            with sync:
                with autocast(device):                # forward and loss in bf16 on CUDA
                    _, loss = forward(x, y)
                (loss / mine).backward()              # backward outside autocast, as advised
            total += loss.item() / mine
        if ranks.world_size > 1:                      # log the loss of the whole batch
            from gradbook.gpt.distributed import mean_over_ranks
            total = mean_over_ranks(total, ranks, device)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        elapsed = time.perf_counter() - tick
        train_time, trained_steps = train_time + elapsed, trained_steps + 1
        if on_step:
            on_step(step, total, lr, tokens_per_step / elapsed)
    if ranks.is_main and step != history[-1][0]:
        save()                                        # stopped between evaluations
    result = TrainResult(model, step, history, seconds=time.perf_counter() - began,
                         tokens_per_second=trained_steps * tokens_per_step / max(train_time, 1e-9))
    if step == cfg.max_iters and ranks.is_main:
        result.final = evaluate(cfg.final_eval_iters)
    return result
# --8<-- [end:train]


def model_from_checkpoint(state: dict, device: torch.device | str = "cpu"
                          ) -> tuple[TinyGPT, CharTokenizer]:
    """The trained model (in eval mode) and its tokenizer, from a loaded checkpoint."""
    model_cfg = GPTConfig.from_dict(state["model_config"])
    model = TinyGPT(model_cfg)
    model.load_state_dict(state["model"])
    return model.to(device).eval(), CharTokenizer.from_dict(state["tokenizer"])
