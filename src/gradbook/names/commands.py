"""`gradbook names train` and `gradbook names sample`: the command-line side of Chapter 9.

Each command takes the options `gradbook.cli` parsed. A problem the user can fix
raises an error from `gradbook.errors`, which the command line prints as one line.
"""

from __future__ import annotations

import argparse

import torch

from gradbook.errors import SettingsError
from gradbook.names.checkpoint import load_model, save_model
from gradbook.names.data import build_dataset, find_names, load_names, split_names
from gradbook.names.metrics import bits_per_char, perplexity
from gradbook.names.mlp import MLP, MLPConfig, TrainConfig, evaluate, sample_names, train_mlp
from gradbook.progress import progress


def train_command(args: argparse.Namespace) -> None:
    """Train the MLP with BatchNorm on the training names; print train, dev and test loss; save it."""
    given = {k: v for k, v in vars(args).items() if v is not None}    # the rest: the defaults
    config = MLPConfig(**{k: given[k] for k in ("block_size", "emb_dim", "hidden", "layers")
                          if k in given}, batchnorm=not args.no_batchnorm)
    train_config = TrainConfig(**{k: given[k] for k in ("steps", "batch_size", "lr", "seed")
                                  if k in given})
    config.check()
    train_config.check()                          # every check before any work
    names = load_names(find_names(args.data))
    split = split_names(names)
    if not split.train or not split.dev or not split.test:
        raise SettingsError(f"{len(names)} names are too few to split 80/10/10; give at least 10")
    (Xtr, Ytr), (Xdev, Ydev), (Xte, Yte) = (build_dataset(part, config.block_size)
                                            for part in (split.train, split.dev, split.test))
    with torch.random.fork_rng():                 # leave the global generator as it was
        model = MLP(config, seed=args.seed)
    every = max(1, train_config.steps // 100)
    with progress(total=train_config.steps, desc="training", unit="step") as bar:
        def on_step(step: int, loss: float) -> None:
            if (step + 1) % every == 0 or step + 1 == train_config.steps:
                bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
                bar.update(step + 1 - bar.n)
        result = train_mlp(model, Xtr, Ytr, train_config, on_step=on_step)
    losses = {"train": evaluate(model, Xtr, Ytr), "dev": evaluate(model, Xdev, Ydev),
              "test": evaluate(model, Xte, Yte)}
    print(f"{train_config.steps} steps in {result.seconds:.1f} s ({len(split.train)} training names)")
    print("split   nats/char   bits/char   perplexity")
    for name, nats in losses.items():
        print(f"{name:5s} {nats:11.4f} {bits_per_char(nats):11.4f} {perplexity(nats):12.3f}")
    info = {**{f"{k}_loss": v for k, v in losses.items()}, "steps": float(train_config.steps),
            "seconds": result.seconds}
    out = save_model(args.out, model, info)
    print(f"saved the model to {out}")


def sample_command(args: argparse.Namespace) -> None:
    """Print `--num` names sampled from the checkpoint, one per line."""
    if args.num < 1 or not args.temperature > 0:       # argparse checks these; a caller might not
        raise SettingsError(f"--num and --temperature must be positive, got {args.num} and "
                            f"{args.temperature}")
    model, _ = load_model(args.checkpoint)
    generator = torch.Generator()
    if args.seed is not None:
        generator.manual_seed(args.seed)
    else:
        generator.seed()
    for name in sample_names(model, args.num, generator, temperature=args.temperature):
        print(name)
