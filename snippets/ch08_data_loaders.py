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
# # Lab 8 — Data loaders
#
# A data loader answers three questions: what is example $i$ (the **dataset**), in
# which order are the examples served (the **sampler**), and how do a few examples
# become one batch (the **collate** function). This lab builds the answers from
# scratch with `gradbook.data.loader`, checks them against
# `torch.utils.data.DataLoader`, and draws the chapter's two figures. Run it as a
# script (`python snippets/ch08_data_loaders.py`) or open it as a notebook.
#
# Worker processes are the one part of Chapter 8 left out: a script that starts
# them needs an `if __name__ == "__main__":` guard on macOS and Windows, and a lab
# is run as a script too. Section 8.6 of the chapter shows them.

# %%
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import Dataset

from gradbook.bikes.data import Normalizer, load_hours, make_features
from gradbook.data import batches, load_digits
from gradbook.data.fetch import fetch
from gradbook.data.loader import ArrayDataset, DataLoader, default_collate
from gradbook.data.stream import CSVStream, StreamLoader
from gradbook.device import pick
from gradbook.figures import loaders as drawings
from gradbook.figures import save_figure

# %% [markdown]
# ## 1. A dataset: a length and an item per index
#
# `ArrayDataset` wraps arrays of equal length and serves one row of each at a time.
# Anything else with `__len__` and `__getitem__` (a list, a folder of files behind
# an index) would do just as well.

# %%
X_toy = np.arange(30, dtype=np.float32).reshape(10, 3)
y_toy = np.arange(10) % 2
toy = ArrayDataset(X_toy, y_toy)
x3, label3 = toy[3]
print(f"{len(toy)} examples; example 3 is x = {x3.tolist()}, y = {label3}")

# %% [markdown]
# ## 2. A new order every epoch, the same run every time
#
# With `shuffle=True` each pass over the loader draws a new permutation from one
# seeded generator: the epochs differ, and a fresh loader with the same seed
# repeats them exactly.

# %%
ids = ArrayDataset(np.arange(10))            # example i is simply the number i
loader = DataLoader(ids, batch_size=4, shuffle=True, rng=0)
for epoch in (1, 2, 3):
    print(f"epoch {epoch}:", [b.tolist() for (b,) in loader])
rerun = DataLoader(ids, batch_size=4, shuffle=True, rng=0)
print("a new loader, seed 0, epoch 1:", [b.tolist() for (b,) in rerun])
for drop_last in (False, True):
    sizes = [len(b) for (b,) in DataLoader(ids, batch_size=4, drop_last=drop_last)]
    print(f"drop_last={drop_last}: batch sizes {sizes}")

# %% [markdown]
# Chapter 5's `batches()` did the same job for two arrays: it slices them with a
# shuffled index array. Given generators with the same seed, the two serve the
# same batches, epoch after epoch.

# %%
digits = load_digits()
ours = DataLoader(ArrayDataset(digits.X_train, digits.y_train), batch_size=32, shuffle=True,
                  rng=np.random.default_rng(0))
chapter5 = np.random.default_rng(0)
same = all(np.array_equal(a, c) and np.array_equal(b, d)
           for _ in range(3)
           for (a, b), (c, d) in zip(ours, batches(digits.X_train, digits.y_train, 32,
                                                    rng=chapter5), strict=True))
print("same batches as Chapter 5's batches(), three epochs:", same)

# %% [markdown]
# ### Figure: which batch each example lands in
#
# 22 examples, batches of 5, `drop_last=True`: four full batches per epoch and two
# examples left over. Shuffling reshuffles the batches *and* the leftovers, so no
# example is left out for good.

# %%
N_SMALL, BATCH_SMALL, EPOCHS = 22, 5, 3
small = DataLoader(ArrayDataset(np.arange(N_SMALL)), batch_size=BATCH_SMALL, shuffle=True,
                   drop_last=True, rng=0)
assignment = np.full((EPOCHS, N_SMALL), -1)          # -1: dropped this epoch
for epoch in range(EPOCHS):
    for number, (members,) in enumerate(small):
        assignment[epoch, members] = number
    members = [np.flatnonzero(assignment[epoch] == k).tolist() for k in range(4)]
    dropped = np.flatnonzero(assignment[epoch] < 0).tolist()
    print(f"epoch {epoch + 1}: batches {members}, dropped {dropped}")

shuffled = {"assignment": assignment, "batch_size": BATCH_SMALL}
print("saved", save_figure("ch08_epochs", shuffled, drawings.epochs).name)

# %% [markdown]
# ## 3. Why shuffle? The bike data are sorted by time
#
# `hour.csv` lists the hours of 2011 and 2012 in order. Served in that order,
# batches of 64 consecutive hours are nothing like the data as a whole: winter
# batches rent little, summer batches a lot, and a weekend batch has no working
# day in it. Shuffled, every batch is a small random sample of the whole.

# %%
table = load_hours(fetch("bikes"))
rentals, workingday = table["cnt"], table["workingday"]
by_hour = ArrayDataset(rentals, workingday)
stats = {}
for shuffle in (False, True):
    means, shares = [], []
    for cnt, wd in DataLoader(by_hour, batch_size=64, shuffle=shuffle, rng=0):
        means.append(cnt.mean())
        shares.append(wd.mean())
    stats[shuffle] = np.array(means), np.array(shares)
    print(f"shuffle={shuffle!s:5}: {len(means)} batches; mean rentals per batch from "
          f"{min(means):5.1f} to {max(means):5.1f} (spread {np.std(means):4.1f}); "
          f"working-day share from {min(shares):.2f} to {max(shares):.2f}")
print(f"all {len(rentals)} hours: mean rentals {rentals.mean():.1f}, "
      f"working-day share {workingday.mean():.2f}")

# %%
batch_stats = {"means": [stats[False][0], stats[True][0]],
               "shares": [stats[False][1], stats[True][1]],
               "overall_mean": rentals.mean(), "overall_share": workingday.mean()}
print("saved", save_figure("ch08_batch_means", batch_stats, drawings.batch_means).name)

# %% [markdown]
# ## 4. Collating: from a list of examples to a batch
#
# `default_collate` stacks field by field and keeps the structure of an example:
# tuples stay tuples, dicts stay dicts. It cannot stack sequences of different
# lengths; a custom collate function pads them.

# %%
batch = default_collate([{"x": np.ones(3), "label": 1}, {"x": np.zeros(3), "label": 0}])
print({key: value.shape for key, value in batch.items()})

words = ["data", "loaders", "batch", "a", "shuffle", "epoch"]
sequences = [np.frombuffer(w.encode(), dtype=np.uint8) for w in words]   # character codes
try:
    default_collate(sequences[:2])
except ValueError as err:
    print("default_collate on ragged sequences:", err)


def pad_collate(examples: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Pad sequences with zeros to the longest in the batch; keep their true lengths."""
    lengths = np.array([len(e) for e in examples])
    tokens = np.zeros((len(examples), lengths.max()), dtype=examples[0].dtype)
    for row, e in zip(tokens, examples):
        row[:len(e)] = e
    return {"tokens": tokens, "lengths": lengths}


for b in DataLoader(sequences, batch_size=3, collate_fn=pad_collate):
    shown = [bytes(row).decode().replace("\0", "·") for row in b["tokens"]]
    print(b["tokens"].shape, b["lengths"].tolist(), shown)

# %% [markdown]
# ## 5. The same batches as PyTorch's DataLoader
#
# Give torch's `DataLoader` our epoch's order as its `sampler`: then batching,
# `drop_last` and collation must agree exactly, whatever the sizes.

# %%
agree = True
for n, size in ((10, 4), (17, 5), (64, 64), (7, 8)):
    dataset = ArrayDataset(np.arange(3 * n, dtype=np.float32).reshape(n, 3), np.arange(n))
    for drop_last in (False, True):
        order = DataLoader(dataset, shuffle=True, rng=n).order()
        ours_batches = list(DataLoader(dataset, batch_size=size, shuffle=True, rng=n,
                                       drop_last=drop_last))
        torch_batches = list(TorchLoader(dataset, batch_size=size, sampler=order.tolist(),
                                         drop_last=drop_last))
        agree &= len(ours_batches) == len(torch_batches) and all(
            np.array_equal(xa, xb.numpy()) and np.array_equal(ya, yb.numpy())
            for (xa, ya), (xb, yb) in zip(ours_batches, torch_batches))
print("same batches as torch.utils.data.DataLoader, 8 settings:", agree)

# %% [markdown]
# ## 6. torch.utils.data on the bike data, to the device, into a model
#
# A `Dataset` subclass says what one hour is; the `DataLoader` shuffles with a seeded
# `torch.Generator`, and each batch moves to the device chosen by `pick()` with
# `non_blocking=True` (asynchronous when the batch sits in pinned memory and the
# device is a CUDA GPU; an ordinary copy otherwise).


# %%
class BikeHours(Dataset):
    """One hour of bike rentals: five features and the number of rentals."""

    def __init__(self, table: dict[str, np.ndarray], inputs: Normalizer, target: Normalizer):
        X = inputs.transform(make_features(table))
        y = target.transform(table["cnt"].reshape(-1, 1))
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.X[i], self.y[i]


inputs = Normalizer.fit(make_features(table))
target = Normalizer.fit(table["cnt"].reshape(-1, 1))
hours = BikeHours(table, inputs, target)
device = pick()
bike_loader = TorchLoader(hours, batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0),
                          pin_memory=device.type == "cuda")
xb, yb = next(iter(bike_loader))
print(f"{len(hours)} hours, {len(bike_loader)} batches of up to 64")
print("a batch:", tuple(xb.shape), xb.dtype, tuple(yb.shape), yb.dtype)

# %% [markdown]
# The loop the diagram of the chapter ends in: each batch goes to the device, then
# through a training step. A straight line through the five features, three epochs
# of SGD. The normalisation uses all the hours and there is no test split, because
# the point here is the loop; Chapter 7 trains and evaluates the models properly.

# %%
torch.manual_seed(0)
model = nn.Linear(5, 1).to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
losses = []
for epoch in range(3):
    total = 0.0
    for xb, yb in bike_loader:
        xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        loss = nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    losses.append(total / len(hours))
    print(f"epoch {epoch + 1}: mean training loss {losses[-1]:.4f} (on {device})")

# %% [markdown]
# Try it in file order: build `bike_loader` with `shuffle=False` and run the last
# cell again. The batches then follow the seasons (Section 3 above): compare the
# losses with those of the shuffled run.

# %% [markdown]
# ## 7. Data too big for memory: a stream
#
# `CSVStream` reads a file one line at a time and has no length: an iterable-style
# data set. `shard(k, n)` is the part of the file worker `k` of `n` reads, cut by
# bytes, so that every line belongs to exactly one shard. Here the shards are read
# one after the other in this process; the chapter starts real worker processes.

# %%
stream = CSVStream(fetch("bikes"), ["instant", "cnt"])
shards = [np.array([row[0] for row in stream.shard(k, 2)]) for k in range(2)]
print("hours in each of 2 shards:", [len(s) for s in shards])
print("every hour exactly once:",
      np.array_equal(np.concatenate(shards), np.arange(1, len(table["cnt"]) + 1)))

# %% [markdown]
# A stream can only be shuffled within a buffer: an hour is served at most
# `buffer_size - 1` places before its line, so small buffers leave the seasons in
# the batches.

# %%
for buffer in (0, 256, 4096):
    means = [b[:, 1].mean() for b in StreamLoader(stream, batch_size=64,
                                                  buffer_size=buffer, rng=0)]
    print(f"buffer {buffer:5}: rentals per batch {min(means):5.1f} to {max(means):5.1f}")
