"""The same byte-level BPE trained with Hugging Face `tokenizers`, to check ours against.

`tokenizers` (Rust, https://github.com/huggingface/tokenizers) is what production
models ship with. Its byte-level BPE pre-splits with the GPT-2 pattern, as ours does,
but stores tokens as *strings*: each byte is first mapped to a printable character
(GPT-2's `bytes_to_unicode`, so a space is 'Ġ'). `hf_merges_as_bytes` undoes that
mapping, so its merges can be compared with ours byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gradbook.tokens.tokenizer import BPETokenizer


def byte_to_char() -> dict[int, str]:
    """GPT-2's map from the 256 byte values to printable characters: printable Latin-1
    bytes map to themselves, the others (space, control bytes, ...) to 256 onwards."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    moved = [b for b in range(256) if b not in keep]
    return {**{b: chr(b) for b in keep}, **{b: chr(256 + n) for n, b in enumerate(moved)}}


def hf_train(text: str, vocab_size: int, special_tokens: Sequence[str] = ()) -> Any:
    """A `tokenizers.Tokenizer`: byte-level BPE with the GPT-2 pre-split, trained on `text`
    to `vocab_size` tokens (256 bytes, merges and special tokens, as ours)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  min_frequency=0, show_progress=False)
    tok.train_from_iterator([text], trainer)
    return tok


def hf_merges_as_bytes(tok: Any) -> list[tuple[bytes, bytes]]:
    """The trained `tokenizers` model's merges, in order, each as the two byte strings."""
    to_byte = {c: b for b, c in byte_to_char().items()}
    merges = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [(bytes(to_byte[c] for c in a), bytes(to_byte[c] for c in b)) for a, b in pairs]


def our_merges_as_bytes(tok: BPETokenizer) -> list[tuple[bytes, bytes]]:
    """Our merges, in order, each as the two byte strings it joins."""
    return [(tok.vocab[a], tok.vocab[b]) for a, b in tok.merges]


def hf_split(text: str) -> list[str]:
    """The chunks `tokenizers`' byte-level pre-tokenizer cuts `text` into, as text."""
    from tokenizers import pre_tokenizers

    to_byte = {c: b for b, c in byte_to_char().items()}
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    return [bytes(to_byte[c] for c in piece).decode("utf-8", errors="surrogateescape")
            for piece, _ in pre.pre_tokenize_str(text)]
