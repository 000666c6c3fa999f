# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 7 — Real data
#
# Two years of hourly bike rentals in Washington, D.C. (the UCI Bike Sharing data
# set of Fanaee-T and Gama, 2013, CC BY 4.0), taken from a download to a saved,
# verified model: fetch and verify the file, read it carefully, build features,
# normalise with training statistics only, train a linear model and an MLP with
# mini-batches, and save a checkpoint. Run it as a script
# (`python snippets/ch07_real_data.py`) or open it as a notebook; it prints the
# numbers Chapter 7 quotes, with more digits, and draws its three figures.

# %%
import csv
import tempfile
from pathlib import Path

import numpy as np

from gradbook.bikes.checkpoint import load_checkpoint, save_checkpoint
from gradbook.bikes.data import FEATURES, Normalizer, load_hours, make_features, split
from gradbook.bikes.model import Config, predict, train
from gradbook.data.fetch import DATASETS, data_dir, fetch, sha256_of
from gradbook.device import pick
from gradbook.figures import bikes as drawings
from gradbook.figures import save_figure


# %% [markdown]
# ## 1. Fetch and verify
#
# `fetch("bikes")` returns the cached copy of `hour.csv` after checking its sha256,
# downloading it first if the cache (`~/.cache/gradbook`, or `$GRADBOOK_DATA_DIR`)
# does not have it yet.

# %%
path = fetch("bikes")
print("file:", path.relative_to(data_dir()), f"({path.stat().st_size:,} bytes)")
print("sha256:", sha256_of(path))
print("matches the registry:", sha256_of(path) == DATASETS["bikes"].sha256)
print("source:", DATASETS["bikes"].url)

# %% [markdown]
# ## 2. Load and inspect
#
# `load_hours` reads the columns the model needs as float arrays and checks every
# cell on the way. A few numbers about what we got:

# %%
table = load_hours(path)
cnt = table["cnt"]
print("columns:", ", ".join(table))
print(f"rows: {len(cnt):,}; 731 days x 24 hours would be {731 * 24:,}, "
      f"so {731 * 24 - len(cnt)} hours have no row")
print(f"rentals per hour: mean {cnt.mean():.2f}, median {np.median(cnt):.0f}, "
      f"std {cnt.std():.2f}, min {cnt.min():.0f}, max {cnt.max():.0f}")
print(f"total rentals: {cnt.sum():,.0f}")
working = table["workingday"] == 1
print(f"working-day hours: {working.sum():,}, other hours: {(~working).sum():,}")

# %% [markdown]
# The checks in `load_hours` are about form: every cell present and a number. They
# cannot tell whether a number is plausible. Humidity 0 % does not happen in
# Washington, yet some rows say so; the dates show they all come from one day,
# a gap in the weather record rather than a dry spell.

# %%
with open(path, newline="", encoding="utf-8") as fh:
    dry = [row["dteday"] for row in csv.DictReader(fh) if float(row["hum"]) == 0]
print(f"rows with humidity 0: {len(dry)}, on the days {sorted(set(dry))}")

# %% [markdown]
# Mean rentals for each hour of the day, split by working and non-working days.
# The shaded bands hold the middle half of the hours (25th to 75th percentile).

# %%
hours = np.arange(24)
hourly = {"hours": hours, "labels": [], "mean": [], "low": [], "high": []}
for flag, label in ((1, "working days"), (0, "weekends and holidays")):
    rows = table["workingday"] == flag
    by_hour = [cnt[rows & (table["hr"] == h)] for h in hours]
    mean = np.round([b.mean() for b in by_hour], 2)
    low, high = (np.array([np.percentile(b, q) for b in by_hour]) for q in (25, 75))
    hourly["labels"].append(label)
    hourly["mean"].append(mean)
    hourly["low"].append(low)
    hourly["high"].append(high)
    print(f"{label:22s} busiest {int(np.argmax(mean)):2d}:00 ({mean.max():.1f} on average), "
          f"quietest {int(np.argmin(mean))}:00 ({mean.min():.1f})")
print("saved", save_figure("ch07_hourly", hourly, drawings.hourly).name)

# %% [markdown]
# ## 3. Features
#
# Temperature, humidity and wind speed come already scaled to [0, 1] by the data
# set (divided by 41 °C, 100 and 67). The hour is the awkward one: as a number,
# 23 and 0 are far apart although they are neighbours. On a circle,
# $(\sin 2\pi h/24, \cos 2\pi h/24)$, every hour is the same distance from the next.

# %%
print("features:", FEATURES)
print(f"temperature in °C: {41 * table['temp'].min():.1f} to {41 * table['temp'].max():.1f}")
plain = make_features(table)
cyclic = make_features(table, cyclic_hour=True)
print("shapes:", plain.shape, cyclic.shape, plain.dtype)
circle = make_features({"hr": np.array([22.0, 23.0, 0.0, 1.0]), "temp": np.zeros(4), "hum": np.zeros(4),
                        "windspeed": np.zeros(4), "workingday": np.zeros(4)}, cyclic_hour=True)[:, :2]
steps = np.linalg.norm(np.diff(circle, axis=0), axis=1)
print("distance 22->23, 23->0, 0->1 on the circle:", np.round(steps, 4))

# %% [markdown]
# ## 4. Split and normalise
#
# 80 % of the hours, chosen at random with seed 0, for training; 20 % for testing.
# The normaliser's mean and standard deviation come from the training rows only.

# %%
train_idx, test_idx = split(len(plain))
inputs = Normalizer.fit(plain[train_idx])
print(f"train {len(train_idx):,} hours, test {len(test_idx):,} hours")
for name, m, s in zip(FEATURES, inputs.mean, inputs.std):
    print(f"  {name:10s} mean {m:8.4f}  std {s:7.4f}")
everything = Normalizer.fit(plain)
shift = np.abs(everything.mean - inputs.mean) / inputs.std
print(f"fitted on all rows, the means would move by {shift.max():.4f} std at most")

# %% [markdown]
# ## 5. Train: linear model and MLP, with and without the cyclic hour
#
# 20 epochs of Adam (learning rate $10^{-3}$) on mini-batches of 64. The chapter
# lets `pick()` choose the device; this lab asks for the CPU, so that the figures
# come out nearly the same on every machine (for models this small, a GPU would not
# be faster anyway). Predicting the training mean for every hour is the baseline.

# %%
print("pick() would choose:", pick(), "- this lab trains on: cpu")
results = {}
for cyclic_hour in (False, True):
    for kind in ("linear", "mlp"):
        results[kind, cyclic_hour] = train(table, Config(model=kind, cyclic_hour=cyclic_hour),
                                           device="cpu")
baseline = results["linear", False].baseline_rmse
print(f"{'test RMSE (bikes/hour)':24s} {'hour as number':>15s} {'hour on circle':>15s}")
print(f"{'predict the mean':24s} {baseline:15.2f} {baseline:15.2f}")
for kind in ("linear", "mlp"):
    print(f"{kind:24s} {results[kind, False].test_rmse:15.2f} {results[kind, True].test_rmse:15.2f}")

# %% [markdown]
# Loss curves: mean squared error per epoch in normalised units (1.0 is what
# predicting the mean scores), on the training batches and on the test set.

# %%
curves = {"models": ["linear", "mlp"], "train": [], "test": []}
for kind in curves["models"]:
    r = results[kind, False]
    curves["train"].append(r.train_losses)
    curves["test"].append(r.test_losses)
    print(f"{kind:6s} epoch 1: train {r.train_losses[0]:.4f}, test {r.test_losses[0]:.4f} | "
          f"epoch 20: train {r.train_losses[-1]:.4f}, test {r.test_losses[-1]:.4f}")
print("saved", save_figure("ch07_losses", curves, drawings.losses).name)

# %% [markdown]
# Predicted against actual rentals for 400 randomly chosen test hours. A perfect
# model would put every point on the diagonal.

# %%
X_test, y_test = plain[test_idx], cnt[test_idx]
shown = np.sort(np.random.default_rng(0).choice(len(test_idx), size=400, replace=False))
scatter = {"actual": y_test[shown], "models": ["linear", "mlp"], "predicted": [], "test_rmse": []}
for kind in scatter["models"]:
    r = results[kind, False]
    scatter["predicted"].append(predict((r.model, r.inputs, r.target), X_test[shown]).ravel())
    scatter["test_rmse"].append(r.test_rmse)
print("saved", save_figure("ch07_predictions", scatter, drawings.predictions).name)

# %% [markdown]
# ## 6. Save and load a checkpoint
#
# The model, its two normalisers and its configuration go into one folder with a
# manifest of checksums; loading checks every file before it trusts any of them.

# %%
best = results["mlp", True]
with tempfile.TemporaryDirectory() as folder:
    out = save_checkpoint(Path(folder) / "bikes-model", best.model, best.inputs, best.target, best.config)
    print("checkpoint files:", sorted(p.name for p in out.iterdir()))
    model, loaded_inputs, target, config = load_checkpoint(out)
    rows = make_features(table, cyclic_hour=True)[test_idx[:1000]]
    before = predict((best.model, best.inputs, best.target), rows)
    after = predict((model, loaded_inputs, target), rows)
    print(f"config: model={config.model}, cyclic_hour={config.cyclic_hour}, "
          f"epochs={config.epochs}, hidden={config.hidden}")
    print(f"largest difference in predictions after loading: {np.abs(before - after).max():.1e}")

# %% [markdown]
# The weights come back bit for bit, but the predictions differ in the fourth
# decimal: the statistics were fitted on `float32` features and so computed in
# `float32`; JSON brings the same numbers back as `float64`, and the normalisation
# of new rows is then done in double precision. Same numbers, different arithmetic.

# %% [markdown]
# ## 7. A day in the life of the model
#
# The saved MLP (cyclic hour) asked about every hour of a mild day, 20.5 °C with 60 %
# humidity and a light wind, once as a working day and once as a day off.

# %%
day = {"hr": np.arange(24.0), "temp": np.full(24, 0.5), "hum": np.full(24, 0.6),
       "windspeed": np.full(24, 0.2)}
profiles = {}
for flag, label in ((1.0, "working"), (0.0, "day off")):
    rows = make_features({**day, "workingday": np.full(24, flag)}, cyclic_hour=True)
    profiles[label] = predict((model, loaded_inputs, target), rows).ravel()
for half in (slice(0, 12), slice(12, 24)):
    print(f"{'hour':8s}", " ".join(f"{h:4d}" for h in range(24)[half]))
    for label, profile in profiles.items():
        print(f"{label:8s}", " ".join(f"{v:4.0f}" for v in profile[half]))
