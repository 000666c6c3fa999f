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
# # Lab 11 — Tokens: byte-pair encoding from scratch
#
# Text becomes UTF-8 bytes, and byte-pair encoding (BPE) merges the most frequent
# adjacent pair of tokens into a new token, again and again. The lab draws the
# chapter's figures and saves beside each the numbers it plots: bytes per character
# in several scripts, the merge loop on a tiny text, and compression against
# vocabulary size on Tiny Shakespeare. Then it looks at what tokens break. Run it as
# a script (`python snippets/ch11_tokens.py`) or open it as a notebook; it trains
# its tokenizers in seconds.

# %%
from collections import Counter

from gradbook.data.text import load_text
from gradbook.figures import save_figure
from gradbook.figures import tokens as drawings
from gradbook.tokens.pretokenize import split_text
from gradbook.tokens.reference import hf_merges_as_bytes, hf_train, our_merges_as_bytes
from gradbook.tokens.tokenizer import BPETokenizer
from gradbook.tokens.train import best_pair, merge, pair_counts, train, train_naive

# %% [markdown]
# ## 1. Bytes per character
#
# The same short sentence in several scripts, encoded as UTF-8: ASCII letters take
# one byte, accented Latin, Greek, Cyrillic and Arabic letters two, Devanagari,
# Chinese and Japanese three, emoji four. The data are these strings.

# %%
SAMPLES = {
    "English": "The cat sits on the mat.",
    "French": "Déjà l'été : le chat préfère la fenêtre.",
    "Greek": "Η γάτα κάθεται στο χαλί.",
    "Russian": "Кошка сидит на ковре.",
    "Arabic": "القطة تجلس على السجادة.",
    "Hindi": "बिल्ली चटाई पर बैठी है।",
    "Chinese": "猫坐在垫子上。",
    "Japanese": "猫はマットの上に座っている。",
    "emoji": "🐈🧶🙂👍🏽",
}
samples = []
for script, text in SAMPLES.items():
    lengths = Counter(len(ch.encode("utf-8")) for ch in text)
    samples.append({"script": script, "text": text, "characters": len(text),
                    "bytes": len(text.encode("utf-8")),
                    "by_length": [lengths[n] for n in (1, 2, 3, 4)]})
    print(f"{script:9s} {len(text):3d} characters, {len(text.encode('utf-8')):3d} bytes")
figure = save_figure("ch11_utf8_bytes", {"samples": samples}, drawings.utf8_bytes)

# %% [markdown]
# ## 2. The merge loop by hand
#
# Count the adjacent pairs of every chunk, merge the most frequent (ties: the smaller
# pair), and repeat. The figure shows the text after each of the first six merges.

# %%
TEXT = "low lower lowest newest widest"
chunks = [list(c.encode("utf-8")) for c in split_text(TEXT)]
vocab = {i: bytes([i]) for i in range(256)}


def as_text(ids):
    return [vocab[i].decode("utf-8") for i in ids]


steps = [{"chunks": [as_text(ids) for ids in chunks], "new": None, "pair": None, "count": 0}]
for k in range(6):
    counts = Counter()
    for ids in chunks:
        pair_counts(ids, counts)
    pair = best_pair(counts)
    new_id = 256 + k
    vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
    chunks = [merge(ids, pair, new_id) for ids in chunks]
    steps.append({"chunks": [as_text(ids) for ids in chunks], "new": vocab[new_id].decode(),
                  "pair": as_text(pair), "count": counts[pair]})
    print(f"merge {k}: {as_text(pair)} -> {vocab[new_id].decode()!r} (count {counts[pair]})")
save_figure("ch11_merge_steps", {"text": TEXT, "steps": steps}, drawings.merge_steps)
assert [tuple(s) for s in train_naive(TEXT, 262)] == train(TEXT, 262)

# %% [markdown]
# ## 3. Naive and fast training agree
#
# The naive trainer recounts every pair after each merge; the fast one keeps the
# counts up to date. On the first 20,000 characters of Tiny Shakespeare they learn
# the same merges, in the same order.

# %%
shakespeare = load_text()
piece = shakespeare[:20_000]
print("same merges:", train_naive(piece, 320) == train(piece, 320))

# %% [markdown]
# ## 4. Compression against vocabulary size
#
# Train once on the first 90% of Tiny Shakespeare to 8,192 tokens; the tokenizer
# with the first k merges is the one training to 256 + k tokens would give. Measure
# characters per token on the training part and on the held-out last 10%.

# %%
cut = int(0.9 * len(shakespeare))
train_text, val_text = shakespeare[:cut], shakespeare[cut:]
big = BPETokenizer.train(train_text, 8192)
SIZES = [256, 320, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192]
on_train, on_val = [], []
for size in SIZES:
    tok = BPETokenizer(big.merges[:size - 256])
    on_train.append(len(train_text) / len(tok.encode(train_text)))
    on_val.append(len(val_text) / len(tok.encode(val_text)))
    print(f"vocabulary {size:5d}: {on_train[-1]:.3f} chars/token trained on, {on_val[-1]:.3f} held out")
figure = save_figure("ch11_vocab_compression",
                     {"sizes": SIZES, "train": on_train, "val": on_val,
                      "train_chars": len(train_text), "val_chars": len(val_text)},
                     drawings.vocab_compression)

# %% [markdown]
# ## 5. What tokens break
#
# A tokenizer of 4,096 tokens trained on all of Tiny Shakespeare: leading spaces
# and capitals make different tokens of one word, and some tokens never occur in
# the encoded text they were learnt from.

# %%
tok = BPETokenizer.train(shakespeare, 4096)
for word in ("the", " the", "The", " The"):
    print(f"{word!r:7} -> {tok.encode(word)}")
used = Counter(tok.encode(shakespeare))
unused = [i for i in range(256, len(tok.vocab)) if used[i] == 0]
print(f"{len(unused)} of {len(tok.merges)} merged tokens never occur in the encoded text, e.g.",
      [tok.token_str(i) for i in unused[:8]])

# %% [markdown]
# ## 6. Against Hugging Face `tokenizers`
#
# The same training in Rust: the same merges, as a set; the order differs only among
# pairs that were equally frequent.

# %%
ours = our_merges_as_bytes(BPETokenizer.train(shakespeare, 512))
theirs = hf_merges_as_bytes(hf_train(shakespeare, 512))
print("same merges as a set:", set(ours) == set(theirs),
      "| same merge at the same rank:", sum(a == b for a, b in zip(ours, theirs)), "of", len(ours))
