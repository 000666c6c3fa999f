"""`gradbook bikes train` and `gradbook bikes predict`: the command-line side of Chapter 7.

Each command takes the options `gradbook.cli` parsed. A problem the user can fix
raises an error from `gradbook.errors`, which the command line prints as one line.
"""

from __future__ import annotations

import argparse

import numpy as np

from gradbook.bikes.checkpoint import load_checkpoint, save_checkpoint
from gradbook.bikes.data import find_hours, load_hours, make_features
from gradbook.bikes.model import Config, Result, predict, train
from gradbook.device import pick
from gradbook.progress import progress


def train_command(args: argparse.Namespace) -> None:
    """Train a linear model and an MLP on the same split, print both, save the MLP."""
    configs = {kind: Config(model=kind, epochs=args.epochs, batch_size=args.batch_size,
                            lr=args.lr, seed=args.seed, cyclic_hour=args.cyclic_hour)
               for kind in ("linear", "mlp")}
    for config in configs.values():
        config.check()                   # every check before the progress bar appears
    device = pick(args.device)
    data = load_hours(find_hours(args.dataset))
    results: dict[str, Result] = {}
    with progress(total=2 * args.epochs, desc="training linear and mlp", unit="epoch") as bar:
        def on_epoch(epoch: int, train_loss: float, val_loss: float) -> None:
            bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}")
            bar.update(1)
        for kind, config in configs.items():       # the same seed: the same split for both
            results[kind] = train(data, config, device=str(device), on_epoch=on_epoch)
    linear, mlp = results["linear"], results["mlp"]
    print("mean squared error per epoch (normalised counts; 1.0 = predicting the mean)")
    print("epoch   linear train   linear val   mlp train   mlp val")
    for epoch in range(args.epochs):
        print(f"{epoch + 1:5d} {linear.train_losses[epoch]:14.3f} {linear.val_losses[epoch]:12.3f} "
              f"{mlp.train_losses[epoch]:11.3f} {mlp.val_losses[epoch]:9.3f}")
    print(f"test RMSE, bikes/hour: linear {linear.test_rmse:.1f}, mlp {mlp.test_rmse:.1f} "
          f"(predicting the mean: {mlp.baseline_rmse:.1f})")
    out = save_checkpoint(args.out, mlp.model, mlp.inputs, mlp.target, mlp.config)
    print(f"saved the mlp to {out}")


def predict_command(args: argparse.Namespace) -> None:
    """Predict the rentals of one hour with the checkpoint in `--model-dir`."""
    model, inputs, target, config = load_checkpoint(args.model_dir)
    hour = {"hr": args.hr, "temp": args.temp, "hum": args.hum, "windspeed": args.windspeed,
            "workingday": args.workingday}
    features = make_features({k: np.array([float(v)]) for k, v in hour.items()}, config.cyclic_hour)
    count = predict(model, features, inputs=inputs, target=target)[0, 0]
    print(f"Predicted bike count: {count:.0f}")
