"""``gradbook gpt train`` and ``gradbook gpt generate``: the command-line side of Chapter 9."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from gradbook.data.fetch import DataError
from gradbook.files import atomic_write


def train_command(args) -> None:
    from gradbook.device import pick
    from gradbook.gpt import checkpoint, distributed
    from gradbook.gpt.data import TextData, load_text
    from gradbook.gpt.flops import flops_per_token, peak_flops
    from gradbook.gpt.model import GPTConfig
    from gradbook.gpt.tokenizer import CharTokenizer, UnknownCharacters
    from gradbook.gpt.train import TrainConfig, preset, train
    from gradbook.progress import progress

    # Every check that can fail comes before the process group is joined.
    out = Path(args.out)
    resume = None
    if args.resume:
        resume = checkpoint.load(out)
        model_cfg = GPTConfig.from_dict(resume["model_config"])
        train_cfg = TrainConfig.from_dict(resume["train_config"])
        tokenizer = CharTokenizer.from_dict(resume["tokenizer"])
    else:
        if checkpoint.checkpoint_file(out).exists():
            raise FileExistsError(f"{out} already holds a checkpoint; pass --resume to continue "
                                  "it, or choose another folder with --out")
        model_cfg, train_cfg = preset(args.preset)
        tokenizer = None
    if args.max_iters is not None:
        train_cfg = replace(train_cfg, max_iters=args.max_iters)
    if args.seed is not None and resume is None:
        train_cfg = replace(train_cfg, seed=args.seed)
    train_cfg = replace(train_cfg, compile=args.compile)
    world = int(os.environ.get("WORLD_SIZE", 1)) if distributed.launched_by_torchrun() else 1
    train_cfg = replace(train_cfg, grad_accum=_accumulation(train_cfg, world))
    train_cfg.check()
    if resume is not None and resume["step"] >= train_cfg.max_iters:
        raise ValueError(f"{out}: already trained for {resume['step']} steps; pass a larger "
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

    ranks, device = distributed.setup(device)
    try:
        # the peak of one process's device (or cores); MFU compares with world_size × this
        peak, peak_source = (peak_flops(device, args.peak_tflops and args.peak_tflops * 1e12)
                             if ranks.is_main else (0.0, ""))
        start = resume["step"] if resume is not None else 0
        say = (lambda *a, **k: print(*a, file=sys.stderr, **k)) if ranks.is_main else (
            lambda *a, **k: None)
        say(f"training on {ranks.world_size} × {device.type}: {len(data.train):,} training and "
            f"{len(data.val):,} validation characters, vocabulary {tokenizer.vocab_size}; "
            f"{train_cfg.batch_size} blocks per step in {train_cfg.grad_accum} micro-batch(es)")
        with progress(total=train_cfg.max_iters, initial=start, desc="training", unit="step",
                      dynamic_ncols=True, disable=not ranks.is_main) as bar:
            def on_step(step, loss, lr, tokens_per_s):
                bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{tokens_per_s:,.0f}", refresh=False)
                bar.update(1)

            def on_eval(step, losses):
                bar.write(f"step {step}: train loss {losses['train']:.4f}, "
                          f"val loss {losses['val']:.4f}", file=sys.stderr)

            try:
                result = train(data, tokenizer, model_cfg, train_cfg, device=device, out=out,
                               resume=resume, on_step=on_step, on_eval=on_eval, ranks=ranks)
            except KeyboardInterrupt:
                bar.close()
                say(f"interrupted; the last checkpoint in {out} is kept: continue with --resume")
                raise
    finally:
        distributed.teardown()
    if not ranks.is_main:
        return
    per_token = flops_per_token(model_cfg, result.model.num_parameters())
    peak *= ranks.world_size                  # every process has a device (or cores) of its own
    mfu = per_token * result.tokens_per_second / peak
    summary = {"steps": result.step, "seconds": result.seconds,
               "tokens_per_second": result.tokens_per_second, "final": result.final,
               "final_eval_iters": train_cfg.final_eval_iters, "device": str(device),
               "processes": ranks.world_size, "grad_accum": train_cfg.grad_accum,
               "flops_per_token": per_token, "peak_flops": peak, "peak_source": peak_source,
               "mfu": mfu, "preset": None if args.resume else args.preset,
               "resumed": bool(args.resume), "data": source}
    with atomic_write(out / "summary.json") as fh:
        fh.write((json.dumps(summary, indent=2) + "\n").encode())
    final = (f"; final loss over {train_cfg.final_eval_iters} batches: train "
             f"{result.final['train']:.4f}, val {result.final['val']:.4f}" if result.final else "")
    print(f"{result.step} steps in {result.seconds:.0f} s, {result.tokens_per_second:,.0f} "
          f"tokens/s, MFU {mfu:.1%} of {peak / 1e12:.3g} TFLOP/s ({ranks.world_size} × "
          f"{peak_source}){final}; "
          f"saved to {checkpoint.checkpoint_file(out)}")


def _accumulation(cfg, world: int) -> int:
    """Micro-batches per step: a multiple of the number of processes, so the global batch,
    and with it the training run, stays the same whatever the number of processes."""
    accum = -(-cfg.grad_accum // world) * world
    if cfg.batch_size % accum:
        raise ValueError(f"{cfg.batch_size} blocks per step cannot be shared evenly by {world} "
                         f"processes; use a number of processes that divides {cfg.batch_size}")
    return accum


def generate_command(args) -> None:
    from gradbook.device import pick
    from gradbook.gpt import checkpoint
    from gradbook.gpt.generate import generate
    from gradbook.gpt.train import model_from_checkpoint

    if not args.prompt:
        raise ValueError("--prompt must not be empty")
    device = pick(args.device)
    model, tokenizer = model_from_checkpoint(checkpoint.load(args.checkpoint), device)
    prompt = tokenizer.encode(args.prompt)
    ids = generate(model, prompt, args.length, temperature=args.temperature, top_k=args.top_k,
                   seed=args.seed)
    print(tokenizer.decode(ids))
