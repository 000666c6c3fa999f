"""The Tiny GPT: a character-level, decoder-only transformer.

Token and learned position embeddings feed `n_layer` blocks. Each block is
pre-LayerNorm → causal multi-head self-attention → residual add, then
pre-LayerNorm → feed-forward network (ReLU) → residual add. A final LayerNorm and
an output head, whose weights are the token embedding's (tied), give logits over
the vocabulary for every position.

Attention comes in two interchangeable forms: written out step by step
(`attention="explicit"`) and PyTorch's fused
`scaled_dot_product_attention` (`attention="sdpa"`). Both accept a
`KVCache` so that generation feeds one new position at a time.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from gradbook.gpt.config import GPTConfig


# --8<-- [start:cache]
class LayerCache:
    """Keys and values of the positions one attention layer has already seen."""

    def __init__(self, batch: int, n_head: int, max_len: int, head_size: int,
                 device: torch.device, dtype: torch.dtype):
        self.k = torch.zeros(batch, n_head, max_len, head_size, device=device, dtype=dtype)
        self.v = torch.zeros_like(self.k)
        self.length = 0

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new positions' keys and values; return those of every position so far."""
        end = self.length + k.size(2)
        if end > self.k.size(2):
            raise ValueError(f"the cache holds {self.k.size(2)} positions; {end} asked for")
        self.k[:, :, self.length:end] = k
        self.v[:, :, self.length:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]


class KVCache:
    """One `LayerCache` per block, all the same length."""

    def __init__(self, config: GPTConfig, batch: int = 1, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float32):
        head_size = config.n_embd // config.n_head
        self.layers = [LayerCache(batch, config.n_head, config.block_size, head_size,
                                  torch.device(device or "cpu"), dtype)
                       for _ in range(config.n_layer)]

    @property
    def length(self) -> int:
        return self.layers[0].length
# --8<-- [end:cache]


# --8<-- [start:attention]
class CausalSelfAttention(nn.Module):
    mask: torch.Tensor   # a buffer, registered in __init__: moves with the model, never trained

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)   # queries, keys, values at once
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = config.dropout
        self.attn_drop = nn.Dropout(config.dropout)
        self.resid_drop = nn.Dropout(config.dropout)
        self.explicit = config.attention == "explicit"
        mask = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)   # True where attending is allowed

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, n_head, T, head_size): each head attends on its own slice
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            k, v = cache.append(k, v)          # keys and values of every position so far
        past = k.size(2) - T                   # positions already in the cache
        if self.explicit:
            scores = q @ k.transpose(-2, -1) / math.sqrt(hs)           # (B, nh, T, past + T)
            allowed = self.mask[past:past + T, :past + T]              # no peeking ahead
            scores = scores.masked_fill(~allowed, float("-inf"))
            weights = self.attn_drop(F.softmax(scores, dim=-1))
            y = weights @ v                                            # weighted sum of values
        else:
            p = self.dropout if self.training else 0.0
            if past == 0:
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
            elif T == 1:    # one new position may attend to everything before it
                y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
            else:   # is_causal aligns the mask top-left; with a cache we need bottom-right
                allowed = self.mask[past:past + T, :past + T]
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)              # heads side by side again
        return self.resid_drop(self.proj(y))
# --8<-- [end:attention]


# --8<-- [start:block]
class FeedForward(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.up = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.relu(self.up(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln2 = nn.LayerNorm(config.n_embd)
        self.ffwd = FeedForward(config)

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache)    # tokens exchange information
        x = x + self.ffwd(self.ln2(x))           # each token thinks on its own
        return x
# --8<-- [end:block]


# --8<-- [start:model]
class TinyGPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config.check()
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight   # tied: one matrix reads and writes tokens
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # keep the residual stream's variance in check
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T = idx.shape
        past = cache.length if cache is not None else 0
        if past + T > self.config.block_size:
            raise ValueError(f"{past + T} positions, but the model's block size is "
                             f"{self.config.block_size}")
        pos = torch.arange(past, past + T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))
        for i, block in enumerate(self.blocks):
            x = block(x, cache.layers[i] if cache is not None else None)
        logits = self.head(self.ln_f(x))                          # (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss
    # --8<-- [end:model]

    def num_parameters(self) -> int:
        """Parameters counted once (the tied head shares the token embedding)."""
        return sum(p.numel() for p in self.parameters())
