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
# # Lab 9 — Language models: from counting to a neural network
#
# A language model of names, built four ways: a table of counted bigrams, the same
# model as a one-layer network, an MLP with embeddings (Bengio et al., 2003), and a
# deeper MLP we look inside while it trains. The lab draws the chapter's figures and
# saves beside each the numbers it plots. Run it as a script
# (`python snippets/ch09_language_models.py`) or open it as a notebook. It trains
# small models for a few hundred to a few thousand steps, so it runs in seconds;
# `gradbook names train` runs the chapter's full model.

# %%
import math

import numpy as np
import torch
import torch.nn.functional as F

from gradbook.figures import names as drawings
from gradbook.figures import save_figure
from gradbook.names import backprop, bigram
from gradbook.names.data import VOCAB, build_dataset, find_names, load_names, split_names
from gradbook.names.metrics import bits_per_char, perplexity
from gradbook.names.mlp import (
    MLP,
    MLPConfig,
    Tanh,
    TrainConfig,
    evaluate,
    keep_gradients,
    lr_range_test,
    sample_names,
    tanh_stats,
    train_mlp,
)

# %% [markdown]
# ## 1. Counting bigrams
#
# Every name, framed by the boundary token `.`, gives one pair per character. The
# table of counts, normalised row by row, is the bigram model.

# %%
names = load_names(find_names())
split = split_names(names)
print(f"{len(names)} names: {len(split.train)} train, {len(split.dev)} dev, {len(split.test)} test")
N = bigram.count_bigrams(split.train)
save_figure("ch09_names_bigram_counts", {"vocab": list(VOCAB), "counts": N.tolist()},
            drawings.bigram_heatmap)
for k in (0.0, 1.0):
    P = bigram.bigram_probs(N, smoothing=k)
    print(f"add-{k:g}: train {bigram.bigram_nll(P, split.train):.4f}, "
          f"dev {bigram.bigram_nll(P, split.dev):.4f} nats/char")
P = bigram.bigram_probs(N, smoothing=1.0)
print("sampled:", bigram.sample_bigram(P, 8, torch.Generator().manual_seed(1)))

# %% [markdown]
# ## 2. The same model as a network
#
# One-hot inputs times a 27×27 matrix W, softmax, negative log-likelihood, gradient
# descent: on 2,000 training names it reaches the loss of counting those names.

# %%
subset = split.train[:2000]
counted = bigram.bigram_nll(bigram.bigram_probs(bigram.count_bigrams(subset), 0.0), subset)
W, losses = bigram.train_neural_bigram(subset, steps=300, lr=50.0, init_scale=0.0)
neural = bigram.bigram_nll(bigram.neural_bigram_probs(W), subset)
print(f"counted {counted:.4f}, network {neural:.4f} nats/char after 300 steps")

# %% [markdown]
# ## 3. An MLP language model
#
# First a learning-rate range test: SGD for 1,000 steps with the rate raised from
# 0.001 to 10. The loss falls fastest, then bottoms out near a rate of 0.1–0.3, and
# explodes above 1.

# %%
Xtr, Ytr = build_dataset(split.train)
Xdev, Ydev = build_dataset(split.dev)
rates, lr_losses = lr_range_test(MLPConfig(emb_dim=10, hidden=200, batchnorm=False), Xtr, Ytr,
                                 steps=1000)
finite = np.nan_to_num(np.array(lr_losses), nan=1e3, posinf=1e3)
smoothed = np.array([finite[max(0, i - 49):i + 1].mean() for i in range(len(finite))])
save_figure("ch09_names_lr_range",
            {"rates": rates, "losses": finite.clip(max=1e3), "smoothed": smoothed.clip(max=1e3),
             "chosen": 0.1, "loss_near_chosen": float(smoothed[np.searchsorted(rates, 0.1)])},
            drawings.lr_range)

# %% [markdown]
# Then a small MLP with two-number embeddings, so that we can plot them: Adam at
# 0.01 with a cosine decay, 3,000 steps of 64 contexts. Vowels end up together:
# the model has found that they are interchangeable in many contexts.

# %%
model = MLP(MLPConfig(emb_dim=2, hidden=100), seed=0)
train_mlp(model, Xtr, Ytr, TrainConfig(steps=3000, batch_size=64, lr=1e-2))
dev_loss = evaluate(model, Xdev, Ydev)
print(f"2-D embeddings: train {evaluate(model, Xtr, Ytr):.3f}, dev {dev_loss:.3f} nats/char")
points = model.C.detach().double()
vowels = points[[VOCAB.index(v) for v in "aeiou"]]
spread = (torch.cdist(vowels, vowels).mean() / torch.cdist(points, points).mean()).item()
save_figure("ch09_names_embeddings",
            {"vocab": list(VOCAB), "points": points.tolist(), "dev_loss": dev_loss,
             "vowel_spread": spread},
            drawings.embeddings_2d)
print("sampled:", sample_names(model, 8, torch.Generator().manual_seed(1)))

# %% [markdown]
# ## 4. Looking inside a deeper model
#
# Four tanh layers of 100 units. Before the fixes: weights drawn from N(0, 1), no
# BatchNorm, an output layer at full scale. After: Kaiming-scaled weights, BatchNorm
# before each tanh, the output layer shrunk. We look at step 0 (histograms of the
# tanh outputs and of their gradients), then train each 500 steps of SGD at 0.1 and
# record the update-to-data ratio of every weight matrix.

# %%
SETTINGS = (MLPConfig(emb_dim=10, hidden=100, layers=4, batchnorm=False, kaiming=False, out_scale=1.0),
            MLPConfig(emb_dim=10, hidden=100, layers=4))
g = torch.Generator().manual_seed(3)
batch = torch.randint(0, len(Xtr), (512,), generator=g)
acts, act_edges, grads, grad_edges, stats, ratios = [], [], [], [], [], []
for config in SETTINGS:
    deep = MLP(config, seed=0)
    keep_gradients(deep)
    loss = F.cross_entropy(deep(Xtr[batch]), Ytr[batch])
    loss.backward()
    tanhs = [layer for layer in deep.layers if isinstance(layer, Tanh)]
    edges = np.linspace(-1, 1, 41)
    acts.append([np.histogram(t.out.detach().numpy(), edges)[0] / t.out.numel() for t in tanhs])
    act_edges.append(edges)
    reach = max(t.out.grad.abs().max().item() for t in tanhs)
    gedges = np.linspace(-reach, reach, 41)
    grads.append([np.histogram(t.out.grad.numpy(), gedges)[0] / t.out.numel() for t in tanhs])
    grad_edges.append(gedges)
    stats.append({"step0_loss": loss.item(), "layers": tanh_stats(deep)})
    keep_gradients(deep, False)
    result = train_mlp(deep, Xtr, Ytr, TrainConfig(steps=500, batch_size=32, lr=0.1, optimizer="sgd",
                                                     decay="none"), track_updates=True)
    ratios.append(result.update_ratios)
    print(f"step-0 loss {stats[-1]['step0_loss']:.2f} (ln 27 = {math.log(27):.2f}); saturated share "
          f"per layer: {[round(s['saturated'], 2) for s in stats[-1]['layers']]}")
summary = {
    "step0_loss": [s["step0_loss"] for s in stats],
    "saturated": [[layer["saturated"] for layer in s["layers"]] for s in stats],
    "act_std": [[layer["std"] for layer in s["layers"]] for s in stats],
    "grad_std": [[layer["grad_std"] for layer in s["layers"]] for s in stats],
}
save_figure("ch09_names_activations",
            {"activations": acts, "activations_edges": act_edges, **summary},
            drawings.activation_histograms)
save_figure("ch09_names_gradients",
            {"gradients": grads, "gradients_edges": grad_edges, **summary},
            drawings.gradient_histograms)
late = [np.array(r)[-100:].mean(0) for r in ratios]
save_figure("ch09_names_update_ratios",
            {"ratios": ratios, "names": ["C", "W1", "W2", "W3", "W4", "W out"], "late_mean": late},
            drawings.update_ratios)

# %% [markdown]
# ## 5. Backpropagation by hand, and measuring
#
# Every gradient of the MLP with BatchNorm, written out by hand in float64, against
# autograd; then the loss in nats, bits per character and perplexity.

# %%
diffs = backprop.check_gradients(backprop.init_params(seed=1), Xtr[:32], Ytr[:32])
print("largest difference from autograd:", f"{max(diffs.values()):.1e}")
for nats in (bigram.bigram_nll(P, split.dev), dev_loss):
    print(f"{nats:.3f} nats/char = {bits_per_char(nats):.3f} bits/char, perplexity {perplexity(nats):.2f}")
