"""``gradbook gpt train`` and ``gradbook gpt generate``: the command-line side of Chapter 9."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from gradbook.data.fetch import DataError


def train_command(args) -> None:
    from tqdm import tqdm

    from gradbook.device import pick
    from gradbook.gpt import checkpoint
    from gradbook.gpt.data import TextData, load_text
    from gradbook.gpt.model import GPTConfig
    from gradbook.gpt.tokenizer import CharTokenizer, UnknownCharacters
    from gradbook.gpt.train import TrainConfig, preset, train

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

    start = resume["step"] if resume is not None else 0
    print(f"training on {device}: {len(data.train):,} training and {len(data.val):,} validation "
          f"characters, vocabulary {tokenizer.vocab_size}", file=sys.stderr)
    with tqdm(total=train_cfg.max_iters, initial=start, desc="training", unit="step",
              file=sys.stderr, dynamic_ncols=True) as bar:
        def on_step(step, loss, lr, tokens_per_s):
            bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{tokens_per_s:,.0f}", refresh=False)
            bar.update(1)

        def on_eval(step, losses):
            bar.write(f"step {step}: train loss {losses['train']:.4f}, "
                      f"val loss {losses['val']:.4f}", file=sys.stderr)

        try:
            result = train(data, tokenizer, model_cfg, train_cfg, device=device, out=out,
                           resume=resume, on_step=on_step, on_eval=on_eval)
        except KeyboardInterrupt:
            bar.close()
            print(f"interrupted; the last checkpoint in {out} is kept: continue with "
                  f"--resume", file=sys.stderr)
            raise
    print(f"{result.step} steps in {result.seconds:.0f} s, {result.tokens_per_second:,.0f} "
          f"tokens/s; final loss over {train_cfg.final_eval_iters} batches: "
          f"train {result.final['train']:.4f}, val {result.final['val']:.4f}; "
          f"saved to {checkpoint.checkpoint_file(out)}")


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
