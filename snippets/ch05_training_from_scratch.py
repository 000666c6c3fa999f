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
# # Lab 5 — Training from scratch
#
# Train real networks with the tensor engine of Chapter 4: layers, losses and
# optimizers from `gradbook.tensor`, on 1,797 real handwritten digits. We compare
# four optimizers, train an MLP and a small convolutional network while watching
# their validation accuracy, run the MNIST-sized network on random data, save and
# load a trained model, and only then score the two networks on the test set. Run it as
# a script (`python snippets/ch05_training_from_scratch.py`) or open it as a
# notebook; it prints the numbers Chapter 5 talks about and draws its figures.

# %%
import tempfile
from pathlib import Path

import numpy as np

from gradbook.data import batches, load_digits
from gradbook.figures import save_figure
from gradbook.figures import tensor as drawings
from gradbook.tensor import Tensor, nn, no_grad, optim
from gradbook.tensor.functional import cross_entropy
from gradbook.tensor.serialize import load, save

# %% [markdown]
# ## 1. The data: 8×8 handwritten digits
#
# `load_digits` scales the 16 grey levels to [0, 1] and makes a seeded 60/20/20
# split into training, validation and test images. Every curve and every choice
# below uses the validation images; the test images wait until the last section.

# %%
digits = load_digits(validation_fraction=0.2)
print("training images:  ", digits.X_train.shape)
print("validation images:", digits.X_val.shape)
print("test images:      ", digits.X_test.shape)
print("images per class in training:", np.bincount(digits.y_train))

# the first 20 images, as the counts from 0 to 16 the pixels were scaled from
shown = {"grey_levels": (digits.X_train[:20] * 16).round().astype(int).reshape(20, 8, 8),
         "labels": digits.y_train[:20]}
print("saved", save_figure("ch05_digits", shown, drawings.digits).name)

# %% [markdown]
# ## 2. Initialisation: the spread of activations through ten layers
#
# Each layer is `Linear(256, 256)` followed by ReLU. He initialisation draws
# weights with variance $2/n_{in}$, Xavier with $2/(n_{in} + n_{out})$; the
# "small" one uses a standard deviation of 0.01, whatever the layer size.

# %%
def activation_stds(init: str, depth: int = 10, width: int = 256) -> list:
    x = Tensor(np.random.default_rng(0).standard_normal((1000, width)))
    stds = []
    for i in range(depth):
        if init == "small":
            layer = nn.Linear(width, width)
            layer.weight.data = np.random.default_rng(i).normal(
                0.0, 0.01, (width, width)).astype(np.float32)
        else:
            layer = nn.Linear(width, width, init=init, rng=i)
        x = layer(x).relu()
        stds.append(float(x.data.std()))
    return stds


columns = [activation_stds(init) for init in ("he", "xavier", "small")]
print("layer   he init   xavier   small init")
for i, (he, xavier, small) in enumerate(zip(*columns), 1):
    print(f"{i:5d}  {he:8.2e}  {xavier:8.2e}  {small:8.2e}")

# %% [markdown]
# ## 3. Four optimizers on the same model and data
#
# The MLP 64→128→64→10, the same initial weights and the same order of batches
# for each optimizer; only the update rule changes. We train in float64 here so
# that the curves, and the figure, come out the same on any computer. Each
# optimizer is scored on the validation images.

# %%
def digits_mlp() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(64, 128, rng=0), nn.ReLU(),
        nn.Linear(128, 64, rng=1), nn.ReLU(),
        nn.Linear(64, 10, rng=2),
    )


def to_float64(model: nn.Module) -> nn.Module:
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    return model


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    dtype = model.parameters()[0].dtype          # float32, or float64 below
    model.eval()
    with no_grad():
        predicted = model(Tensor(X, dtype=dtype)).data.argmax(axis=1)
    model.train()
    return float((predicted == y).mean())


OPTIMIZERS = {
    "SGD, lr 0.01": lambda ps: optim.SGD(ps, lr=0.01),
    "SGD + momentum 0.9, lr 0.01": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9),
    "RMSprop, lr 0.001": lambda ps: optim.RMSprop(ps, lr=1e-3),
    "Adam, lr 0.001": lambda ps: optim.Adam(ps, lr=1e-3),
}
EPOCHS = 10
curves = {}
for name, make_optimizer in OPTIMIZERS.items():
    model = to_float64(digits_mlp())
    optimizer = make_optimizer(model.parameters())
    order = np.random.default_rng(0)
    losses = []
    for _epoch in range(EPOCHS):
        for xb, yb in batches(digits.X_train, digits.y_train, 32, rng=order):
            loss = cross_entropy(model(Tensor(xb, dtype=np.float64)), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    curves[name] = np.array(losses)
    last_epoch = curves[name][-len(losses) // EPOCHS:].mean()
    val = accuracy(model, digits.X_val, digits.y_val)
    print(f"{name:28s} loss in epoch {EPOCHS}: {last_epoch:.3f}  "
          f"validation accuracy {val:.1%}")

# %%
WINDOW = 15  # smooth the noisy per-batch losses with a moving average
smoothed = [np.convolve(losses, np.ones(WINDOW) / WINDOW, mode="valid")
            for losses in curves.values()]
compared = {"names": list(curves), "smoothed": smoothed, "window": WINDOW,
            "steps_per_epoch": len(curves["Adam, lr 0.001"]) / EPOCHS}
print("saved", save_figure("ch05_optimizers", compared, drawings.optimizers).name)

# %% [markdown]
# ## 4. The MLP with Adam: 20 epochs, batches of 32
#
# The training loop: forward, loss, backward, step, zero the gradients. After
# every epoch, the accuracy on the validation images; `fit` keeps a copy of the
# model's state after the epoch `keep_epoch`, so that we can choose the number of
# epochs afterwards, from the validation curve.

# %%
def fit(model, data, epochs=20, keep_epoch=None):
    """Adam, batches of 32 in a seeded order; validation accuracy after each epoch."""
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(0)
    history, kept = [], None
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for xb, yb in batches(data.X_train, data.y_train, 32, rng=order):
            loss = cross_entropy(model(Tensor(xb)), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * len(xb)
        history.append(accuracy(model, data.X_val, data.y_val))
        if epoch == keep_epoch:
            kept = model.state_dict()
        if epoch % 5 == 0:
            print(f"epoch {epoch:2d}  loss {total / len(data.X_train):.4f}  "
                  f"validation accuracy {history[-1]:.2%}")
    return history, kept


model = digits_mlp()
mlp_history, _ = fit(model, digits)

# %% [markdown]
# ## 5. A small convolutional network
#
# 32 filters of 3×3, ReLU, 2×2 max pooling, then a hidden layer of 64 with
# BatchNorm. `model.train()` while learning, `model.eval()` to measure. We train
# it for 20 epochs to see the whole validation curve, and keep its state after
# 10, the number of epochs the chapter chooses from that curve.

# %%
images = load_digits(images=True, validation_fraction=0.2)


def build_cnn(seed: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, rng=seed), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(512, 64, rng=seed + 1), nn.BatchNorm1d(64), nn.ReLU(),
        nn.Linear(64, 10, rng=seed + 2),
    )


CNN_EPOCHS = 10
cnn = build_cnn(seed=0)
cnn_history, cnn_state = fit(cnn, images, keep_epoch=CNN_EPOCHS)
cnn.load_state_dict(cnn_state)                  # back to the chosen epoch
print("parameters:", sum(p.data.size for p in cnn.parameters()))

# %% [markdown]
# ### Validation curves: which network learns faster, and when to stop
#
# The number of epochs each network needs to reach 95% on the validation images.

# %%
THRESHOLD = 0.95
for name, history in (("MLP", mlp_history), ("CNN", cnn_history)):
    first = next((e for e, a in enumerate(history, 1) if a >= THRESHOLD), None)
    print(f"{name}: first epoch with validation accuracy >= {THRESHOLD:.0%}: {first}")
curves = {"names": ["MLP 64-128-64-10", "CNN with BatchNorm"],
          "validation_accuracy": [mlp_history, cnn_history],
          "threshold": THRESHOLD, "validation_images": len(images.y_val)}
print("saved", save_figure("ch05_validation", curves, drawings.validation).name)

# %% [markdown]
# ## 6. The MNIST-sized network on random data
#
# 784→128→64→10, 1,000 random "images" with random labels to train on and 200
# held out. The network memorises its training examples (100% accuracy) and is
# right on about one held-out example in ten: nothing was learned.

# %%
rng = np.random.default_rng(0)
X_random = rng.standard_normal((1200, 784)).astype(np.float32)
y_random = rng.integers(0, 10, 1200)
X_fit, y_fit, X_held, y_held = X_random[:1000], y_random[:1000], X_random[1000:], y_random[1000:]
big = nn.Sequential(
    nn.Linear(784, 128, rng=0), nn.ReLU(),
    nn.Linear(128, 64, rng=1), nn.ReLU(),
    nn.Linear(64, 10, rng=2),
)
optimizer = optim.Adam(big.parameters(), lr=1e-3)
order = np.random.default_rng(0)
for epoch in range(1, 11):
    total = 0.0
    for xb, yb in batches(X_fit, y_fit, 64, rng=order):
        loss = cross_entropy(big(Tensor(xb)), yb)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * len(xb)
    print(f"epoch {epoch:2d}  loss {total / len(X_fit):.3f}  "
          f"training accuracy {accuracy(big, X_fit, y_fit):6.1%}  "
          f"held-out accuracy {accuracy(big, X_held, y_held):5.1%}")

# %% [markdown]
# ## 7. Save, load, predict
#
# The trained CNN (as it was after the chosen 10 epochs) goes to a temporary
# folder and comes back in a freshly built network with different random weights.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = save(cnn, Path(folder) / "digits_cnn.npz")
    print("saved", path.name, f"({path.stat().st_size / 1024:.0f} KiB)")
    fresh = load(build_cnn(seed=100), path)
    cnn.eval()
    fresh.eval()
    with no_grad():
        ours = cnn(Tensor(images.X_val)).data
        theirs = fresh(Tensor(images.X_val)).data
    print("identical predictions after loading:", np.array_equal(ours, theirs))

# %% [markdown]
# ## 8. The test set, once
#
# Every choice is made: the number of epochs, the learning rates, the two models.
# Now, and only now, the test images: one score for each network.

# %%
print(f"MLP, 20 epochs: test accuracy {accuracy(model, digits.X_test, digits.y_test):.2%}")
print(f"CNN, {CNN_EPOCHS} epochs (the loaded copy): "
      f"test accuracy {accuracy(fresh, images.X_test, images.y_test):.2%}")
