"""Autoregressive generation: sample a token, append it, repeat."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gradbook.errors import SettingsError
from gradbook.gpt.model import KVCache, TinyGPT


# --8<-- [start:sample]
def next_token_distribution(logits: torch.Tensor, temperature: float = 1.0,
                            top_k: int | None = None) -> torch.Tensor:
    """Turn the last position's logits into the probabilities we sample from.

    Dividing by the temperature sharpens (T < 1) or flattens (T > 1) the
    distribution; top-k keeps only the k most likely tokens and renormalises.
    """
    if not temperature > 0:
        raise SettingsError(f"temperature must be positive, got {temperature}")
    logits = logits / temperature
    if top_k is not None:
        if top_k < 1:
            raise SettingsError(f"top_k must be at least 1, got {top_k}")
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return F.softmax(logits, dim=-1)
# --8<-- [end:sample]


# --8<-- [start:generate]
@torch.inference_mode()
def generate(model: TinyGPT, prompt: list[int], max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, seed: int | None = None,
             use_cache: bool = True) -> list[int]:
    """`prompt` followed by `max_new_tokens` sampled tokens.

    The model sees at most `block_size` tokens. When the window is full it slides
    forward by half a block: the newest half stays, and (with the cache) its keys
    and values are computed afresh, because every position embedding has moved.
    With and without the cache the model conditions on exactly the same tokens,
    so a seeded run gives the same text both ways.
    """
    if not prompt:
        raise SettingsError("the prompt must hold at least one character")
    if max_new_tokens < 1:
        raise SettingsError(f"the length must be at least 1, got {max_new_tokens}")
    next_token_distribution(torch.zeros(1), temperature, top_k)   # check the settings first
    block = model.config.block_size
    device = next(model.parameters()).device
    generator = torch.Generator(device=device)
    generator.manual_seed(seed if seed is not None else torch.seed())
    was_training = model.training
    model.eval()
    tokens = list(prompt)
    start = max(0, len(tokens) - block)             # the window is tokens[start:]
    cache, fed = None, start                        # fed: tokens[start:fed] are in the cache
    try:
        for _ in range(max_new_tokens):
            if len(tokens) - start > block:         # window full: keep the newest half
                start = len(tokens) - max(1, block // 2)
                cache = None
            if use_cache:
                if cache is None:
                    cache, fed = KVCache(model.config, 1, device), start
                new = torch.tensor([tokens[fed:]], device=device)
                logits, _ = model(new, cache=cache)
                fed = len(tokens)
            else:
                logits, _ = model(torch.tensor([tokens[start:]], device=device))
            probs = next_token_distribution(logits[0, -1].float(), temperature, top_k)
            tokens.append(int(torch.multinomial(probs, 1, generator=generator)))
    finally:
        model.train(was_training)
    return tokens
# --8<-- [end:generate]
