"""Text for the Tiny GPT: loading, splitting, and sampling random blocks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from gradbook.data.text import load_text as load_text  # the text to model, read from here too
from gradbook.errors import DataError
from gradbook.gpt.tokenizer import Tokenizer

VAL_FRACTION = 0.1


# --8<-- [start:split]
@dataclass
class TextData:
    """A text cut once, at 90% of its characters: the first part, encoded, for training,
    the rest for validation. Each split keeps its number of characters, so a loss per
    token can be turned into a loss per character, whatever the tokenizer."""
    train: torch.Tensor
    val: torch.Tensor
    train_chars: int
    val_chars: int

    @classmethod
    def from_text(cls, text: str, tokenizer: Tokenizer, block_size: int,
                  source: str = "the text") -> TextData:
        cut = int(len(text) * (1 - VAL_FRACTION))
        data = cls(torch.tensor(tokenizer.encode(text[:cut]), dtype=torch.long),
                   torch.tensor(tokenizer.encode(text[cut:]), dtype=torch.long),
                   train_chars=cut, val_chars=len(text) - cut)
        for name, split in (("training", data.train), ("validation", data.val)):
            if len(split) < block_size + 1:
                raise DataError(
                    f"{source}: {len(text)} characters is too short: the {name} split has "
                    f"{len(split)} tokens, fewer than one block of {block_size} plus the next one")
        return data
    # --8<-- [end:split]

    def tokens_per_char(self, name: str) -> float:
        return len(self.split(name)) / getattr(self, f"{name}_chars")

    # --8<-- [start:bits_per_char]
    def bits_per_char(self, loss: float, name: str = "val") -> float:
        """A loss in nats per token as bits per character: the same yardstick for any
        tokenizer. Over a split of C characters in T tokens the total is loss × T nats,
        so loss × T / C per character, and dividing by ln 2 turns nats into bits."""
        return loss * self.tokens_per_char(name) / math.log(2)
    # --8<-- [end:bits_per_char]

    def split(self, name: str) -> torch.Tensor:
        return {"train": self.train, "val": self.val}[name]


# --8<-- [start:get_batch]
def take_blocks(data: torch.Tensor, starts: torch.Tensor,
                block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The blocks `x` beginning at `starts`, and the same blocks shifted by one, `y`.

    Every position of `y` is the character that follows the same position of `x`:
    one block holds `block_size` training examples.
    """
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return x, y


def random_starts(data: torch.Tensor, block_size: int, batch_size: int,
                  generator: torch.Generator) -> torch.Tensor:
    return torch.randint(len(data) - block_size, (batch_size,), generator=generator)


def get_batch(data: torch.Tensor, block_size: int, batch_size: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch_size` random contiguous blocks and their targets."""
    return take_blocks(data, random_starts(data, block_size, batch_size, generator), block_size)
# --8<-- [end:get_batch]
