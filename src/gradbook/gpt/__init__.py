"""Chapters 10 and 12: a character-level Tiny GPT, trained, checkpointed and sampled."""

from gradbook.gpt.config import PRESETS, GPTConfig, TrainConfig, preset
from gradbook.gpt.generate import generate, next_token_distribution
from gradbook.gpt.model import KVCache, TinyGPT
from gradbook.gpt.tokenizer import CharTokenizer, UnknownCharacters
from gradbook.gpt.train import lr_at, train

__all__ = ["CharTokenizer", "GPTConfig", "KVCache", "PRESETS", "TinyGPT", "TrainConfig",
           "UnknownCharacters", "generate", "lr_at", "next_token_distribution", "preset", "train"]
