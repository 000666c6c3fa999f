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
# # Lab 10 — Tiny GPT
#
# A character-level GPT, from the text to the samples: the tokenizer and the
# batches, a bigram baseline to beat, self-attention built in three steps and checked
# against the library, a short training run of the `cpu` preset, sampling with
# temperature and top-k, and the key/value cache. Run it as a script
# (`python snippets/ch10_tiny_gpt.py`) or open it as a notebook; it prints what
# Chapter 10 discusses and draws the chapter's three figures.
#
# The training run here is short (300 steps instead of the preset's 2,000), so the
# text it writes is still rough. `gradbook gpt train --preset cpu` runs the
# full 2,000 steps.

# %%
import math
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gradbook.figures import gpt as drawings
from gradbook.figures import save_figure
from gradbook.gpt.config import GPTConfig, preset
from gradbook.gpt.data import TextData, get_batch, load_text
from gradbook.gpt.generate import generate, next_token_distribution
from gradbook.gpt.model import CausalSelfAttention, TinyGPT
from gradbook.gpt.tokenizer import CharTokenizer
from gradbook.gpt.train import lr_at, train

torch.set_printoptions(precision=3, sci_mode=False)

# %% [markdown]
# ## 1. Text as a sequence of characters
#
# The vocabulary is every character that occurs in Tiny Shakespeare, sorted; a
# character's number is its position in that list.

# %%
text = load_text()                      # Tiny Shakespeare, from the data cache
tokenizer = CharTokenizer.from_text(text)
print(f"{len(text):,} characters; a vocabulary of {tokenizer.vocab_size}:")
print(repr(tokenizer.chars))
ids = tokenizer.encode("To be, or not to be")
print("encoded:", ids)
print("decoded:", repr(tokenizer.decode(ids)))

# %% [markdown]
# The first 90% of the text is for training, the last 10% for validation. A batch
# is a few random blocks `x` and the same blocks shifted by one character, `y`:
# at every position, `y` holds the character that comes next.

# %%
model_cfg, train_cfg = preset("cpu")
model_cfg = replace(model_cfg, vocab_size=tokenizer.vocab_size)
data = TextData.from_text(text, tokenizer, model_cfg.block_size)
print(f"training split: {len(data.train):,} characters, validation split: {len(data.val):,}")
x, y = get_batch(data.train, block_size=12, batch_size=2, generator=torch.Generator().manual_seed(0))
print("x:", x.tolist())
print("y:", y.tolist())
for row_x, row_y in zip(x, y):
    print(f"  {tokenizer.decode(row_x)!r} -> {tokenizer.decode(row_y)!r}")

# %% [markdown]
# ## 2. The baseline: a bigram model
#
# The simplest model of the next character looks only at the current one. Count
# how often each character follows each other one in the training split, add one to
# every count (so nothing has probability zero), and normalise each row. Its loss on
# the validation split, in nats per character, is the number a transformer has to
# beat. Guessing uniformly among 65 characters costs $\ln 65$.

# %%
V = tokenizer.vocab_size
counts = torch.ones(V, V, dtype=torch.float64)                    # add-one smoothing
counts.index_put_((data.train[:-1], data.train[1:]),
                  torch.ones(len(data.train) - 1, dtype=torch.float64), accumulate=True)
bigram = counts / counts.sum(dim=1, keepdim=True)                 # row c: P(next | c)
bigram_val = -bigram[data.val[:-1], data.val[1:]].log().mean().item()
bigram_train = -bigram[data.train[:-1], data.train[1:]].log().mean().item()
print(f"bigram model: training loss {bigram_train:.3f}, validation loss {bigram_val:.3f} "
      "nats per character")
print(f"uniform guess: ln({V}) = {math.log(V):.3f}")

generator = torch.Generator().manual_seed(0)
sample = [tokenizer.encode("T")[0]]
for _ in range(120):
    sample.append(int(torch.multinomial(bigram[sample[-1]], 1, generator=generator)))
print("a bigram sample:", repr(tokenizer.decode(sample)))

# %% [markdown]
# ## 3. Self-attention in steps
#
# ### Averaging the past
#
# The first step lets each position see the ones before it, crudely: replace
# position $t$ by the average of positions $0, \dots, t$. A loop does it; so does a
# matrix product with a lower-triangular matrix of weights; so does a softmax over
# scores of zero where $-\infty$ marks the future.

# %%
torch.manual_seed(0)
T, C = 5, 3
xs = torch.randn(T, C)

loop = torch.stack([xs[:t + 1].mean(dim=0) for t in range(T)])   # 1. a loop

tril = torch.tril(torch.ones(T, T))
weights = tril / tril.sum(dim=1, keepdim=True)                     # 2. a matrix product
by_matrix = weights @ xs

scores = torch.zeros(T, T).masked_fill(tril == 0, float("-inf"))  # 3. a masked softmax
by_softmax = F.softmax(scores, dim=1) @ xs

print("the weights:\n", weights)
print("loop == matrix:", torch.allclose(loop, by_matrix))
print("loop == masked softmax:", torch.allclose(loop, by_softmax))

# %% [markdown]
# ### One head
#
# Now the scores come from the data. Each position emits a query ("what am I looking
# for?") and a key ("what do I hold?"); the score of position $s$ for position $t$ is
# the dot product of $t$'s query with $s$'s key, divided by $\sqrt{d}$ (the head
# size) so that the scores do not grow with $d$. The future is masked, a softmax turns
# each row into weights, and the output is the weighted sum of the values.

# %%
torch.manual_seed(0)
T, C, head_size = 8, 32, 16
xs = torch.randn(T, C)
query = nn.Linear(C, head_size, bias=False)
key = nn.Linear(C, head_size, bias=False)
value = nn.Linear(C, head_size, bias=False)
q, k, v = query(xs), key(xs), value(xs)                           # (T, head_size) each

raw = q @ k.T                                                     # (T, T)
scaled = raw / math.sqrt(head_size)
print(f"spread of the scores: unscaled std {raw.std():.2f}, scaled std {scaled.std():.2f}")
mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
att = F.softmax(scaled.masked_fill(~mask, float("-inf")), dim=-1)
out = att @ v
print("attention weights of the head (row t: how much t takes from each s):\n", att)
print("rows sum to one:", torch.allclose(att.sum(dim=-1), torch.ones(T)))
print("output:", tuple(out.shape))

# %% [markdown]
# Dividing by $\sqrt{d}$ matters: without it, a larger head size makes the scores
# spread wider, and the softmax of widely spread scores puts almost all of the
# weight on one position.

# %%
for d in (16, 64, 256):
    qd, kd = torch.randn(1000, d), torch.randn(1000, d)
    dots = (qd * kd).sum(dim=1)
    print(f"head size {d:3}: std of q·k {dots.std():5.2f}, of q·k/sqrt(d) "
          f"{(dots / math.sqrt(d)).std():.2f}")

# %% [markdown]
# ### Several heads
#
# A block runs several heads side by side on slices of the embedding and puts their
# outputs back together. The library's `CausalSelfAttention` computes the queries,
# keys and values of all heads with one linear layer. The same computation written
# out with a loop over heads gives the same output, and so does the library in its
# two modes: written out (`"explicit"`) and PyTorch's fused
# `scaled_dot_product_attention` (`"sdpa"`).

# %%
torch.manual_seed(0)
small = GPTConfig(vocab_size=V, block_size=8, n_layer=1, n_head=4, n_embd=32,
                  attention="explicit")
explicit = CausalSelfAttention(small).eval()
fused = CausalSelfAttention(replace(small, attention="sdpa")).eval()
fused.load_state_dict(explicit.state_dict())
xb = torch.randn(2, 8, 32)                                        # (B, T, C)

with torch.no_grad():
    B, T, C = xb.shape
    hs = C // small.n_head
    q, k, v = explicit.qkv(xb).split(C, dim=2)
    heads = []
    for h in range(small.n_head):                                 # one head at a time
        sl = slice(h * hs, (h + 1) * hs)
        s = q[..., sl] @ k[..., sl].transpose(-2, -1) / math.sqrt(hs)
        s = s.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), float("-inf"))
        heads.append(F.softmax(s, dim=-1) @ v[..., sl])
    by_hand = explicit.proj(torch.cat(heads, dim=-1))             # heads side by side
    out_explicit, out_sdpa = explicit(xb), fused(xb)

torch.testing.assert_close(by_hand, out_explicit)
torch.testing.assert_close(out_explicit, out_sdpa)
print("loop over heads == library, explicit:", torch.allclose(by_hand, out_explicit, atol=1e-6))
print("explicit == sdpa:", torch.allclose(out_explicit, out_sdpa, atol=1e-6))

# %% [markdown]
# ## 4. The model
#
# The `cpu` preset: 4 blocks of 4 heads, 128 numbers per position, a context of 64
# characters. Before training, the model should be about as unsure as the uniform
# guess, so its loss should be close to $\ln 65$.

# %%
torch.manual_seed(train_cfg.seed)
model = TinyGPT(model_cfg)
print(model_cfg)
print(f"{model.num_parameters():,} parameters")
xb, yb = get_batch(data.train, model_cfg.block_size, train_cfg.batch_size,
                   torch.Generator().manual_seed(0))
with torch.no_grad():
    logits, loss = model(xb, yb)
print("logits:", tuple(logits.shape))
print(f"loss at initialisation {loss.item():.3f}; ln({V}) = {math.log(V):.3f}")

# %% [markdown]
# ## 5. Training, briefly
#
# The `cpu` preset for 300 steps instead of 2,000, evaluated every 100 steps on the
# same fixed batches. The learning-rate schedule is the preset's own, warm-up and
# cosine decay, stretched over the 300 steps.

# %%
short = replace(train_cfg, max_iters=300, eval_interval=100, final_eval_iters=50)


def report(step: int, losses: dict[str, float]) -> None:
    print(f"step {step:3}: train loss {losses['train']:.3f}, val loss {losses['val']:.3f}")


result = train(data, tokenizer, model_cfg, short, on_eval=report)
model = result.model.eval()
val = result.final["val"]
print(f"after {result.step} steps, over {short.final_eval_iters} batches: "
      f"train {result.final['train']:.3f}, val {val:.3f}")
print(f"val loss < bigram baseline ({bigram_val:.3f}): {val < bigram_val}")
print(f"val loss < 2.4: {val < 2.4}")
assert val < bigram_val and val < 2.4

# %% [markdown]
# ### Figure: what the heads look at
#
# The attention weights of every head on a short line of text, recomputed step by
# step from the trained model's weights: queries and keys from each block's input,
# scaled scores, the mask, the softmax. Row $t$ is the position that asks, column
# $s$ the position it takes from; everything above the diagonal is zero, because the
# future is masked. The figure shows the first and the last block.

# %%
line = "ROMEO:\nWhat say you, sir?"
idx = torch.tensor([tokenizer.encode(line)])
T, C, n_head = idx.size(1), model_cfg.n_embd, model_cfg.n_head
hs = C // n_head
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
head_weights = []                                                  # one (n_head, T, T) per block
with torch.no_grad():
    h = model.tok_emb(idx) + model.pos_emb(torch.arange(T))
    for block in model.blocks:
        q, k, _ = block.attn.qkv(block.ln1(h)).split(C, dim=2)
        q, k = (t.view(1, T, n_head, hs).transpose(1, 2) for t in (q, k))
        s = (q @ k.transpose(-2, -1) / math.sqrt(hs)).masked_fill(~causal, float("-inf"))
        head_weights.append(F.softmax(s, dim=-1)[0])
        h = block(h)                                               # on to the next block
weights = torch.stack(head_weights)                                # (n_layer, n_head, T, T)
print("attention weights:", tuple(weights.shape), "above the diagonal all zero:",
      bool((weights.triu(1) == 0).all()))
for b in (0, model_cfg.n_layer - 1):
    top = weights[b].max(dim=-1).values.mean(dim=-1)
    print(f"block {b + 1}: mean of each row's largest weight, head by head:",
          [round(v, 2) for v in top.tolist()])

shown_blocks = (0, model_cfg.n_layer - 1)
attention_data = {                      # row t of a head: its weights on positions 0..t
    "text": line, "blocks": [b + 1 for b in shown_blocks],
    "weights": [[[weights[b, head, t, :t + 1] for t in range(T)] for head in range(n_head)]
                for b in shown_blocks],
    # how selective each block is: each row's largest weight, averaged over rows and heads
    "sharpness": [weights[b].max(dim=-1).values.mean() for b in shown_blocks]}
print("saved", save_figure("ch10_attention_weights", attention_data,
                           drawings.attention_weights).name)

# %% [markdown]
# ## 6. Sampling: temperature and top-k
#
# The model gives logits for the next character; `next_token_distribution` divides
# them by the temperature and, with `top_k`, keeps only the k most likely characters.
# Here is what that does to the distribution after a prompt.

# %%
prompt = "ROMEO:\nI will not th"
with torch.no_grad():
    logits, _ = model(torch.tensor([tokenizer.encode(prompt)]))
last = logits[0, -1]
settings = [(0.5, None), (1.0, None), (2.0, None), (1.0, 5)]
dists = {s: next_token_distribution(last, *s) for s in settings}
for (t, k), p in dists.items():
    top = torch.argsort(p, descending=True)[:5]
    kept = int((p > 0).sum())
    print(f"temperature {t}, top-k {k}: {kept:2} characters possible; likeliest "
          + ", ".join(f"{tokenizer.chars[int(i)]!r} {p[i]:.2f}" for i in top))

# The figure shows the 20 characters likeliest at temperature 1. The data keeps every
# character's probability and the drawing picks the 20, because which ones (and which
# five top-k keeps) can change when two are nearly equally likely. Beside them, two
# summaries that do not depend on which character is which: the entropy of each
# distribution (in nats) and the probabilities top-k keeps, sorted.
top_k = dists[(1.0, 5)]
temperature_data = {
    "prompt": prompt, "vocabulary": tokenizer.chars,
    "temperatures": [0.5, 1.0, 2.0],
    "probabilities": [dists[(t, None)] for t in (0.5, 1.0, 2.0)],
    "entropies": [torch.special.entr(dists[(t, None)]).sum() for t in (0.5, 1.0, 2.0)],
    "top_k": 5, "top_k_temperature": 1.0, "top_k_probabilities": top_k,
    "top_k_kept": top_k[top_k > 0].sort(descending=True).values}
print("saved", save_figure("ch10_temperature", temperature_data, drawings.temperature).name)

# %% [markdown]
# A few samples. A seed fixes the random draws, so the same seed gives the same
# text; after only 300 steps the model has learned words and the look of a play,
# not yet much sense.

# %%
for seed in (0, 1):
    ids = generate(model, tokenizer.encode("ROMEO:\n"), 150, temperature=0.8, seed=seed)
    print(f"--- temperature 0.8, seed {seed} ---")
    print(tokenizer.decode(ids))

# %% [markdown]
# ## 7. The key/value cache
#
# With the cache, each new character feeds one position through the model; the
# keys and values of the earlier ones are kept from before. The model conditions on
# the same characters either way (sliding its window by half a block when it is
# full), so a seeded run gives the same text with and without the cache. Counting
# the positions each forward pass is given shows what the cache saves.

# %%
fed = []
hook = model.register_forward_pre_hook(lambda module, args: fed.append(args[0].size(1)))
prompt_ids = tokenizer.encode("ROMEO:\n")
with_cache = generate(model, prompt_ids, 300, temperature=0.8, seed=3, use_cache=True)
positions_cached, fed = sum(fed), []
without = generate(model, prompt_ids, 300, temperature=0.8, seed=3, use_cache=False)
positions_uncached = sum(fed)
hook.remove()
print("same tokens with and without the cache:", with_cache == without)
print(f"positions fed through the model for 300 new characters: with the cache "
      f"{positions_cached:,}, without {positions_uncached:,}")
assert with_cache == without

# %% [markdown]
# ## 8. The learning-rate schedule of the `cpu` preset
#
# A linear warm-up over the first 100 steps, then half a cosine down to a tenth of
# the peak at the last step.

# %%
_, full = preset("cpu")
steps = np.arange(full.max_iters + 1)
rates = np.array([lr_at(int(s), full) for s in steps])
for s in (0, 50, 99, 100, 1050, 2000):
    print(f"step {s:4}: lr {lr_at(s, full):.6f}")

schedule = {"steps": steps, "rates": rates, "warmup_iters": full.warmup_iters,
            "lr": full.lr, "min_lr": full.min_lr}
print("saved", save_figure("ch10_lr_schedule", schedule, drawings.lr_schedule).name)
