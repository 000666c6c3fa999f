"""Chapter 9: a character-level Tiny GPT, trained, checkpointed and sampled."""

from gradbook.gpt.generate import generate, next_token_distribution
from gradbook.gpt.model import GPTConfig, KVCache, TinyGPT
from gradbook.gpt.tokenizer import CharTokenizer, UnknownCharacters
from gradbook.gpt.train import PRESETS, TrainConfig, lr_at, preset, train

__all__ = ["CharTokenizer", "GPTConfig", "KVCache", "PRESETS", "TinyGPT", "TrainConfig",
           "UnknownCharacters", "generate", "lr_at", "next_token_distribution", "preset", "train"]
