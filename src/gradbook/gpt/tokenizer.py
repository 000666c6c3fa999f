"""Tokenizers for the Tiny GPT: one token per character (Chapter 10), or BPE (Chapter 11).

The model needs only what `Tokenizer` names. A checkpoint stores its tokenizer's
`to_dict()`; `tokenizer_from_dict` tells the two kinds apart when it is read back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from gradbook.errors import TokenizerError
from gradbook.tokens.tokenizer import BPETokenizer


class Tokenizer(Protocol):
    """What the Tiny GPT needs of a tokenizer: CharTokenizer and BPETokenizer both have it."""

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Iterable[int]) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


def tokenizer_from_dict(d: Any) -> Tokenizer:
    """The tokenizer a checkpoint stored: a BPE one names its format, a character one
    is `{"chars": ...}`."""
    if isinstance(d, dict) and "format" in d:
        return BPETokenizer.from_dict(d, source="the checkpoint's tokenizer")
    if not isinstance(d, dict) or not isinstance(d.get("chars"), str):
        raise TokenizerError("the checkpoint's tokenizer is neither a BPE tokenizer nor a "
                             "character vocabulary")
    return CharTokenizer.from_dict(d)


class UnknownCharacters(TokenizerError):
    """Text holds characters the tokenizer never saw; the message lists them."""


# --8<-- [start:tokenizer]
class CharTokenizer:
    """Maps each character of a fixed vocabulary to an integer and back."""

    def __init__(self, chars: str):
        if not chars:
            raise TokenizerError("a tokenizer needs at least one character")
        if len(set(chars)) != len(chars):
            raise TokenizerError("the vocabulary must not repeat a character")
        self.chars = chars
        self.stoi = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The vocabulary is every character that appears in `text`, sorted."""
        return cls("".join(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            shown = ", ".join(repr(ch) for ch in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise UnknownCharacters(f"{len(unknown)} character(s) not in the model's vocabulary: "
                                    f"{shown}{more}")
        return [self.stoi[ch] for ch in text]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)
    # --8<-- [end:tokenizer]

    def to_dict(self) -> dict[str, str]:
        return {"chars": self.chars}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CharTokenizer:
        return cls(d["chars"])

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"
