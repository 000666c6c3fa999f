"""Training the Tiny GPT: AdamW, warm-up then cosine decay, clipping, evaluation, checkpoints.

One function, `train`, runs the loop for a single process or for one rank of a
`torchrun` job (`gradbook.gpt.distributed`), in named steps: `restore` a
checkpoint, `train_step`, `due_for_eval` and `evaluate_and_save`. Every
optimizer step draws one *global* batch of `batch_size` random blocks from a
seeded generator; it is cut into `grad_accum` micro-batches, and each process
works through its own share of them. So the examples that make up a step, and
therefore the training run, do not depend on how many processes share the work.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from gradbook.errors import SettingsError
from gradbook.gpt import checkpoint
from gradbook.gpt.config import GPTConfig, TrainConfig
from gradbook.gpt.data import TextData, random_starts, take_blocks
from gradbook.gpt.distributed import Ranks, mean_over_ranks
from gradbook.gpt.model import TinyGPT
from gradbook.gpt.tokenizer import Tokenizer, tokenizer_from_dict

# Every random stream of a run is seeded from `cfg.seed`, each with a seed of its own.
# The evaluation batches use cfg.seed + 1000 (train split) and + 1001 (val): not
# cfg.seed, which seeds the training batches, so evaluation never replays them.
EVAL_SEED_OFFSET = 1000
# Ranks other than 0 seed their dropout masks with cfg.seed + 7919 × rank + step. A
# prime stride, the 1000th, keeps the ranks' seeds apart from each other and from
# rank 0's (cfg.seed): two coincide only for resumptions a multiple of 7919 steps apart.
RANK_SEED_STRIDE = 7919
# A floor for the measured training time, in seconds: a call that took no step
# (stop_after=0, or resumed at max_iters) reports 0 tokens/s instead of dividing by zero.
MIN_TRAIN_SECONDS = 1e-9


# --8<-- [start:schedule]
def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up from ~0 to `lr`, then a half cosine down to `min_lr`."""
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


def autocast(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16 autocast on CUDA (matrix products in bfloat16, sums and softmax in float32)."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


# --8<-- [start:estimate_loss]
@torch.no_grad()
def estimate_loss(model: TinyGPT, data: TextData, batch_size: int, iters: int, seed: int,
                  device: torch.device,
                  splits: tuple[str, ...] = ("train", "val")) -> dict[str, float]:
    """Mean loss over `iters` random batches of each split; the same batches every call."""
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


# --8<-- [start:state]
@dataclass
class TrainState:
    """Everything a checkpoint holds: training goes on from it as if it had never stopped."""
    model: TinyGPT                 # the weights, and the model's settings in model.config
    cfg: TrainConfig
    tokenizer: Tokenizer
    optimizer: torch.optim.AdamW   # with AdamW's running averages
    generator: torch.Generator     # the batch stream, drawn alike in every process
    step: int = 0                  # optimizer steps taken so far
    history: list[list[float]] = field(default_factory=list)   # [step, train loss, val loss]

    def to_checkpoint(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch": torch.get_rng_state(), "batch": self.generator.get_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "model_config": asdict(self.model.config), "train_config": asdict(self.cfg),
                "tokenizer": self.tokenizer.to_dict(), "step": self.step, "rng": rng,
                "history": self.history}
    # --8<-- [end:state]


def new_state(model_cfg: GPTConfig, cfg: TrainConfig, tokenizer: Tokenizer,
              device: torch.device) -> TrainState:
    """Step 0: the initial weights, the same in every process, and a fresh batch stream."""
    torch.manual_seed(cfg.seed)
    model = TinyGPT(model_cfg).to(device)
    optimizer = make_optimizer(model, cfg, device)
    return TrainState(model, cfg, tokenizer, optimizer, torch.Generator().manual_seed(cfg.seed))


# --8<-- [start:restore]
def restore(state: TrainState, saved: dict[str, Any], device: torch.device) -> None:
    """Continue from a loaded checkpoint: weights, AdamW's state, step, history, random streams."""
    state.model.load_state_dict(saved["model"])
    state.optimizer.load_state_dict(saved["optimizer"])
    state.step, state.history = saved["step"], [list(h) for h in saved["history"]]
    torch.set_rng_state(saved["rng"]["torch"])          # the dropout masks go on as before
    state.generator.set_state(saved["rng"]["batch"])    # and so do the batches
    saved_cuda = saved["rng"].get("cuda", [])
    if device.type == "cuda" and len(saved_cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(saved_cuda)
# --8<-- [end:restore]


# --8<-- [start:train_step]
def train_step(state: TrainState, data: TextData, forward: Callable[..., Any],
               ddp: DistributedDataParallel | None, ranks: Ranks,
               device: torch.device) -> tuple[float, float]:
    """One optimizer step on one global batch; its loss (over all processes) and learning rate.

    `forward` is the model as this process calls it: wrapped in `ddp` when there
    are several processes, compiled if `cfg.compile`.
    """
    cfg, block = state.cfg, state.model.config.block_size
    lr = lr_at(state.step, cfg)
    for group in state.optimizer.param_groups:
        group["lr"] = lr
    starts = random_starts(data.train, block, cfg.batch_size, state.generator)
    micro = cfg.batch_size // cfg.grad_accum          # blocks per micro-batch
    mine = cfg.grad_accum // ranks.world_size         # micro-batches this process computes
    total = 0.0
    for j in range(mine):
        chunk = ranks.rank * mine + j
        x, y = take_blocks(data.train, starts[chunk * micro:(chunk + 1) * micro], block)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        # all-reduce the gradients only after this process's last micro-batch
        sync = ddp.no_sync() if ddp is not None and j < mine - 1 else contextlib.nullcontext()
        with sync:
            with autocast(device):                    # forward and loss in bf16 on CUDA
                _, loss = forward(x, y)
            (loss / mine).backward()                  # backward outside autocast, as advised
        total += loss.item() / mine
    total = mean_over_ranks(total, ranks, device)     # log the loss of the whole batch
    torch.nn.utils.clip_grad_norm_(state.model.parameters(), cfg.grad_clip)
    state.optimizer.step()
    state.optimizer.zero_grad(set_to_none=True)
    state.step += 1
    return total, lr
# --8<-- [end:train_step]


# --8<-- [start:due_for_eval]
def due_for_eval(state: TrainState) -> bool:
    """Every `eval_interval` steps and at the last, but not twice at one step: a run
    resumed from the checkpoint of an evaluation does not repeat it."""
    scheduled = state.step % state.cfg.eval_interval == 0 or state.step == state.cfg.max_iters
    return scheduled and (not state.history or state.history[-1][0] != state.step)
# --8<-- [end:due_for_eval]


# --8<-- [start:evaluate_and_save]
def evaluate(state: TrainState, data: TextData, iters: int, device: torch.device
             ) -> dict[str, float]:
    """The loss on the same fixed batches at every call, however many processes train."""
    return estimate_loss(state.model, data, state.cfg.batch_size, iters,
                         state.cfg.seed + EVAL_SEED_OFFSET, device)


def save(state: TrainState, out: str | Path | None) -> None:
    """Write a checkpoint to the folder `out`; no folder, no checkpoint."""
    if out is not None:
        checkpoint.save(out, state.to_checkpoint())


def evaluate_and_save(state: TrainState, data: TextData, device: torch.device,
                      out: str | Path | None,
                      on_eval: Callable[[int, dict[str, float]], None] | None = None) -> None:
    """Record this step's loss on both splits, report it, and save a checkpoint to `out`."""
    losses = evaluate(state, data, state.cfg.eval_iters, device)
    state.history.append([state.step, losses["train"], losses["val"]])
    if on_eval:
        on_eval(state.step, losses)
    save(state, out)
# --8<-- [end:evaluate_and_save]


@dataclass
class TrainResult:
    model: TinyGPT
    step: int
    history: list[list[float]]            # [step, train loss, val loss] at each evaluation
    final: dict[str, float] = field(default_factory=dict)   # after max_iters, final_eval_iters
    seconds: float = 0.0                  # wall time of this call, evaluations included
    tokens_per_second: float = 0.0        # training steps only, all processes together


# --8<-- [start:train]
def train(data: TextData, tokenizer: Tokenizer, model_cfg: GPTConfig, cfg: TrainConfig, *,
          device: torch.device | str = "cpu", out: str | Path | None = None,
          resume: dict[str, Any] | None = None, stop_after: int | None = None,
          on_step: Callable[[int, float, float, float], None] | None = None,
          on_eval: Callable[[int, dict[str, float]], None] | None = None,
          ranks: Ranks | None = None) -> TrainResult:
    """Train from scratch, or from the checkpoint state `resume`, up to `cfg.max_iters`.

    `out` is the checkpoint folder, written at every evaluation and at the end
    (by the main process only). `stop_after` ends the call early after that many
    steps, as an interruption would. `on_step(step, loss, lr, tokens_per_s)` and
    `on_eval(step, losses)` report progress.
    """
    device, ranks = torch.device(device), ranks or Ranks()
    model_cfg, cfg = model_cfg.check(), cfg.check()
    if cfg.grad_accum % ranks.world_size:
        raise SettingsError(f"grad_accum ({cfg.grad_accum}) must be a multiple of the number of "
                            f"processes ({ranks.world_size})")
    state = new_state(model_cfg, cfg, tokenizer, device)
    if resume is not None:
        restore(state, resume, device)
    if ranks.rank:     # other ranks: their own dropout masks (rank 0 keeps the saved stream)
        torch.manual_seed(cfg.seed + RANK_SEED_STRIDE * ranks.rank + state.step)
    ddp = ranks.wrap_in_ddp(state.model) if ranks.wrap_in_ddp is not None else None
    forward: Callable[..., Any] = ddp if ddp is not None else state.model
    if cfg.compile:
        forward = torch.compile(forward)
    tokens_per_step = cfg.batch_size * model_cfg.block_size
    last = cfg.max_iters if stop_after is None else min(cfg.max_iters, state.step + stop_after)
    began, train_time, trained_steps = time.perf_counter(), 0.0, 0
    state.model.train()
    while True:
        if ranks.is_main and due_for_eval(state):
            evaluate_and_save(state, data, device, out, on_eval)
        if state.step >= last:
            break
        tick = time.perf_counter()
        loss, lr = train_step(state, data, forward, ddp, ranks, device)
        elapsed = time.perf_counter() - tick
        train_time, trained_steps = train_time + elapsed, trained_steps + 1
        if on_step:
            on_step(state.step, loss, lr, tokens_per_step / elapsed)
    if ranks.is_main and state.step != state.history[-1][0]:
        save(state, out)                              # stopped between evaluations
    tokens_per_second = trained_steps * tokens_per_step / max(train_time, MIN_TRAIN_SECONDS)
    result = TrainResult(state.model, state.step, state.history,
                         seconds=time.perf_counter() - began, tokens_per_second=tokens_per_second)
    if state.step == cfg.max_iters and ranks.is_main:
        result.final = evaluate(state, data, cfg.final_eval_iters, device)
    return result
# --8<-- [end:train]


def model_from_checkpoint(state: dict[str, Any], device: torch.device | str = "cpu"
                          ) -> tuple[TinyGPT, Tokenizer]:
    """The trained model (in eval mode) and its tokenizer, from a loaded checkpoint."""
    model_cfg = GPTConfig.from_dict(state["model_config"])
    model = TinyGPT(model_cfg)
    model.load_state_dict(state["model"])
    return model.to(device).eval(), tokenizer_from_dict(state["tokenizer"])
