"""`gradbook gpt train` and `gradbook gpt generate`: the command-line side of Chapters 10 and 12.

`train_command` runs in three steps: `_plan` checks every setting and reads the
text, all before a process group is joined (so a mistake costs one line, not a
hung job); `_train_with_progress` runs `train` behind a progress bar; and
`_report` writes `summary.json` and prints the run's one-line summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from gradbook.device import pick
from gradbook.errors import DataError, SettingsError
from gradbook.files import atomic_write
from gradbook.gpt import checkpoint, distributed
from gradbook.gpt.config import GPTConfig, TrainConfig, preset
from gradbook.gpt.data import TextData, load_text
from gradbook.gpt.distributed import Ranks
from gradbook.gpt.flops import flops_per_token, peak_flops
from gradbook.gpt.generate import generate
from gradbook.gpt.tokenizer import CharTokenizer, Tokenizer, UnknownCharacters, tokenizer_from_dict
from gradbook.gpt.train import TrainResult, model_from_checkpoint, train
from gradbook.progress import progress
from gradbook.tokens.tokenizer import BPETokenizer


@dataclass
class _Plan:
    """What `gradbook gpt train` will do, every part of it checked."""
    out: Path                         # the checkpoint folder
    model_cfg: GPTConfig
    train_cfg: TrainConfig
    tokenizer: Tokenizer
    data: TextData
    source: str                       # the text's name, for messages and summary.json
    device: torch.device
    resume: dict[str, Any] | None     # the checkpoint to continue, if --resume
    preset: str | None                # the preset a new run starts from


def train_command(args: argparse.Namespace) -> None:
    plan = _plan(args)
    ranks, device = distributed.setup(plan.device)
    try:
        # the peak of one process's device (or cores); MFU compares with world_size × this
        stated = None if args.peak_tflops is None else args.peak_tflops * 1e12
        peak = peak_flops(device, stated) if ranks.is_main else (0.0, "")
        result = _train_with_progress(plan, ranks, device)
    finally:
        distributed.teardown()
    if ranks.is_main:
        _report(plan, result, ranks, device, peak)


def _plan(args: argparse.Namespace) -> _Plan:
    """Every check that can fail, before the process group is joined."""
    out = Path(args.out)
    resume, model_cfg, train_cfg, tokenizer = _starting_point(args, out)
    train_cfg = _with_options(train_cfg, args, resuming=resume is not None)
    if resume is not None and resume["step"] >= train_cfg.max_iters:
        raise SettingsError(f"{out}: already trained for {resume['step']} steps; pass a larger "
                            "--max-iters to train further")
    device = pick(args.device)
    source = args.data or "Tiny Shakespeare"
    text = load_text(args.data)
    if tokenizer is None:
        tokenizer = CharTokenizer.from_text(text)
    try:
        data = TextData.from_text(text, tokenizer, model_cfg.block_size, source=source)
    except UnknownCharacters as exc:
        raise DataError(f"{source}: cannot continue this checkpoint on it: {exc}") from None
    model_cfg = replace(model_cfg, vocab_size=tokenizer.vocab_size)
    return _Plan(out, model_cfg, train_cfg, tokenizer, data, source, device, resume,
                 preset=None if resume is not None else args.preset)


def _starting_point(args: argparse.Namespace, out: Path
                    ) -> tuple[dict[str, Any] | None, GPTConfig, TrainConfig, Tokenizer | None]:
    """With --resume: the checkpoint in `out`, its settings and tokenizer. Else a preset's
    settings, and the BPE tokenizer of --tokenizer, or none yet (one token per character
    of the text is made from the text)."""
    if args.resume:
        if args.tokenizer:
            raise SettingsError("--tokenizer: a run continued with --resume keeps the "
                                "tokenizer of its checkpoint; leave --tokenizer out")
        state = checkpoint.load(out)
        return (state, GPTConfig.from_dict(state["model_config"]),
                TrainConfig.from_dict(state["train_config"]),
                tokenizer_from_dict(state["tokenizer"]))
    if checkpoint.checkpoint_file(out).exists():
        raise SettingsError(f"{out} already holds a checkpoint; pass --resume to continue "
                            "it, or choose another folder with --out")
    model_cfg, train_cfg = preset(args.preset)
    tokenizer = BPETokenizer.load(args.tokenizer) if args.tokenizer else None
    return None, model_cfg, train_cfg, tokenizer


def _with_options(cfg: TrainConfig, args: argparse.Namespace, resuming: bool) -> TrainConfig:
    """The training settings as the command line changes them, and as the processes share them."""
    if args.max_iters is not None:
        cfg = replace(cfg, max_iters=args.max_iters)
    if args.seed is not None and not resuming:
        cfg = replace(cfg, seed=args.seed)
    cfg = replace(cfg, compile=args.compile)
    world = int(os.environ.get("WORLD_SIZE", 1)) if distributed.launched_by_torchrun() else 1
    return replace(cfg, grad_accum=_accumulation(cfg, world)).check()


def _accumulation(cfg: TrainConfig, world: int) -> int:
    """Micro-batches per step: a multiple of the number of processes, so the global batch,
    and with it the training run, stays the same whatever the number of processes."""
    accum = -(-cfg.grad_accum // world) * world
    if cfg.batch_size % accum:
        raise SettingsError(f"{cfg.batch_size} blocks per step cannot be shared evenly by {world} "
                            f"processes; use a number of processes that divides {cfg.batch_size}")
    return accum


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _kind(tokenizer: Tokenizer) -> str:
    return "characters" if isinstance(tokenizer, CharTokenizer) else "BPE"


def _train_with_progress(plan: _Plan, ranks: Ranks, device: torch.device) -> TrainResult:
    """`train` behind a progress bar (on the main process); Ctrl-C keeps the last checkpoint."""
    cfg = plan.train_cfg
    if ranks.is_main:
        _say(f"training on {ranks.world_size} × {device.type}: {len(plan.data.train):,} training "
             f"and {len(plan.data.val):,} validation tokens, vocabulary "
             f"{plan.tokenizer.vocab_size} ({_kind(plan.tokenizer)}); {cfg.batch_size} blocks per step in "
             f"{cfg.grad_accum} micro-batch(es)")
    start = plan.resume["step"] if plan.resume is not None else 0
    with progress(total=cfg.max_iters, initial=start, desc="training", unit="step",
                  dynamic_ncols=True, disable=not ranks.is_main) as bar:
        def on_step(step: int, loss: float, lr: float, tokens_per_s: float) -> None:
            bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{tokens_per_s:,.0f}", refresh=False)
            bar.update(1)

        def on_eval(step: int, losses: dict[str, float]) -> None:
            bar.write(f"step {step}: train loss {losses['train']:.4f}, "
                      f"val loss {losses['val']:.4f}", file=sys.stderr)

        try:
            return train(plan.data, plan.tokenizer, plan.model_cfg, cfg, device=device,
                         out=plan.out, resume=plan.resume, on_step=on_step, on_eval=on_eval,
                         ranks=ranks)
        except KeyboardInterrupt:
            bar.close()
            if ranks.is_main:
                _say(f"interrupted; the last checkpoint in {plan.out} is kept: continue with "
                     "--resume")
            raise


def _report(plan: _Plan, result: TrainResult, ranks: Ranks, device: torch.device,
            peak: tuple[float, str]) -> None:
    """Write `summary.json` beside the checkpoint and print the run in one line."""
    cfg = plan.train_cfg
    per_token = flops_per_token(plan.model_cfg, result.model.num_parameters())
    peak_flops_all = peak[0] * ranks.world_size   # every process has a device (or cores) of its own
    mfu = per_token * result.tokens_per_second / peak_flops_all
    summary = {"steps": result.step, "seconds": result.seconds,
               "tokens_per_second": result.tokens_per_second, "final": result.final,
               "final_eval_iters": cfg.final_eval_iters, "device": str(device),
               "processes": ranks.world_size, "grad_accum": cfg.grad_accum,
               "flops_per_token": per_token, "peak_flops": peak_flops_all, "peak_source": peak[1],
               "mfu": mfu, "preset": plan.preset, "resumed": plan.resume is not None,
               "data": plan.source, "tokenizer": _kind(plan.tokenizer),
               "vocab_size": plan.tokenizer.vocab_size,
               "tokens_per_char": {s: plan.data.tokens_per_char(s) for s in ("train", "val")},
               "final_bits_per_char": {s: plan.data.bits_per_char(loss, s)
                                       for s, loss in result.final.items()}}
    with atomic_write(plan.out / "summary.json") as fh:
        fh.write((json.dumps(summary, indent=2) + "\n").encode())
    final = (f"; final loss over {cfg.final_eval_iters} batches: train "
             f"{result.final['train']:.4f}, val {result.final['val']:.4f} nats per token "
             f"(val {plan.data.bits_per_char(result.final['val']):.3f} bits per character)"
             if result.final else "")
    print(f"{result.step} steps in {result.seconds:.0f} s, {result.tokens_per_second:,.0f} "
          f"tokens/s, MFU {mfu:.1%} of {peak_flops_all / 1e12:.3g} TFLOP/s ({ranks.world_size} × "
          f"{peak[1]}){final}; saved to {checkpoint.checkpoint_file(plan.out)}")


def generate_command(args: argparse.Namespace) -> None:
    if not args.prompt:
        raise SettingsError("--prompt must not be empty")
    device = pick(args.device)
    model, tokenizer = model_from_checkpoint(checkpoint.load(args.checkpoint), device)
    prompt = tokenizer.encode(args.prompt)
    ids = generate(model, prompt, args.length, temperature=args.temperature, top_k=args.top_k,
                   seed=args.seed)
    print(tokenizer.decode(ids))
