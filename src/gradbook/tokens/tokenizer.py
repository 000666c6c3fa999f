"""`BPETokenizer`: byte-level BPE encoding and decoding, and its merges saved as JSON.

The file format (`save`, `load`) is plain JSON, never pickle:

    {"format": "gradbook-bpe/1",
     "pattern": "'s|'t|...",                   # the pre-split regex, or null for none
     "merges": [[32, 116], [104, 101], ...],   # merge k makes token 256 + k from the pair
     "special_tokens": {"<|endoftext|>": 4095}}

Token ids 0-255 are bytes, 256 + k is merge k, and the special tokens come after
the merges. Loading checks every part, so a damaged or foreign file is a
TokenizerError that says what is wrong, not a crash later.
"""

from __future__ import annotations

import codecs
import heapq
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import regex

from gradbook.errors import TokenizerError
from gradbook.files import atomic_write
from gradbook.tokens.pretokenize import GPT2_PATTERN, check_pattern, split_text
from gradbook.tokens.train import FIRST_MERGE_ID, Pair, merge, train

FORMAT = "gradbook-bpe/1"
END_OF_TEXT = "<|endoftext|>"
CACHE_LIMIT = 100_000         # chunks whose encoding is remembered
LONG_CHUNK = 256              # bytes; a longer chunk is encoded with a heap
_HEX_BYTES = "gradbook-hex-bytes"
codecs.register_error(_HEX_BYTES, lambda e: (
    "".join(f"<0x{b:02X}>" for b in e.object[e.start:e.end]), e.end))  # type: ignore[attr-defined]


# --8<-- [start:init]
class BPETokenizer:
    """Byte-level BPE: text -> UTF-8 bytes -> merged tokens, and back."""

    def __init__(self, merges: Sequence[Pair], pattern: str | None = GPT2_PATTERN,
                 special_tokens: Sequence[str] = ()):
        self.merges = [(int(a), int(b)) for a, b in merges]
        self.pattern = pattern
        self.ranks = {pair: k for k, pair in enumerate(self.merges)}   # earlier = applied first
        self._check(special_tokens)
        self.vocab = [bytes([b]) for b in range(FIRST_MERGE_ID)]       # id -> the bytes it stands for
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        first_special = len(self.vocab)
        self.special_tokens = {s: first_special + i for i, s in enumerate(special_tokens)}
        self._cache: dict[str, list[int]] = {}
        # --8<-- [end:init]
        self._special_re = (regex.compile("(" + "|".join(
            regex.escape(s) for s in sorted(self.special_tokens, key=len, reverse=True)) + ")")
            if self.special_tokens else None)
        self._special_ids = {i: s for s, i in self.special_tokens.items()}

    def _check(self, special_tokens: Sequence[str]) -> None:
        for k, (a, b) in enumerate(self.merges):
            if not (0 <= a < FIRST_MERGE_ID + k and 0 <= b < FIRST_MERGE_ID + k):
                raise TokenizerError(f"merge {k} ({a}, {b}) uses a token that does not exist yet "
                                     f"(ids below {FIRST_MERGE_ID + k})")
        if len(self.ranks) != len(self.merges):
            raise TokenizerError("the merges repeat a pair")
        if any(not s for s in special_tokens) or len(special_tokens) != len(set(special_tokens)):
            raise TokenizerError("special tokens must be distinct and not empty")
        if self.pattern is not None:
            check_pattern(self.pattern)

    @classmethod
    def train(cls, text: str, vocab_size: int, pattern: str | None = GPT2_PATTERN,
              special_tokens: Sequence[str] = (),
              on_merge: Callable[[int, Pair, int], None] | None = None) -> BPETokenizer:
        """Learn `vocab_size` - 256 - len(special_tokens) merges from `text` (fewer if the
        text runs out of pairs first: then the vocabulary is smaller)."""
        if pattern is not None:
            check_pattern(pattern)
        return cls(train(text, vocab_size, pattern, special_tokens, on_merge), pattern,
                   special_tokens)

    @property
    def vocab_size(self) -> int:
        """Every id is below this: 256 bytes, the merges, the special tokens."""
        return len(self.vocab) + len(self.special_tokens)

    # --8<-- [start:encode]
    def encode_chunk(self, chunk: str) -> list[int]:
        """One chunk's tokens: apply the learnt merges in the order they were learnt."""
        ids = list(chunk.encode("utf-8"))
        if len(ids) > LONG_CHUNK:
            return self._encode_long(ids)      # the same result, without a scan per merge
        while len(ids) >= 2:
            # of the pairs present, the one merged earliest in training goes first
            pair = min(zip(ids, ids[1:]), key=lambda p: self.ranks.get(p, len(self.ranks)))
            if pair not in self.ranks:
                break                          # no pair left that training merged
            ids = merge(ids, pair, FIRST_MERGE_ID + self.ranks[pair])
        return ids

    def _encode_long(self, ids: list[int]) -> list[int]:
        """`encode_chunk` for a long chunk (a text with no pre-split): a heap of
        (rank, position) finds the next merge, lowest rank first and leftmost among
        equals, as the loop above does; neighbours are linked, as in `train`."""
        n = len(ids)
        prev, nxt = list(range(-1, n - 1)), [*range(1, n), -1]
        heap = [(self.ranks[p], i) for i, p in enumerate(zip(ids, ids[1:])) if p in self.ranks]
        heapq.heapify(heap)
        while heap:
            rank, i = heapq.heappop(heap)
            j = nxt[i]
            if ids[i] < 0 or j == -1 or self.ranks.get((ids[i], ids[j])) != rank:
                continue                       # this position changed since it was pushed
            ids[i], ids[j] = FIRST_MERGE_ID + rank, -1
            nxt[i] = nxt[j]
            if nxt[i] != -1:
                prev[nxt[i]] = i
            for left in (prev[i], i):          # the new token's pairs with its neighbours
                if left != -1 and nxt[left] != -1:
                    r = self.ranks.get((ids[left], ids[nxt[left]]))
                    if r is not None:
                        heapq.heappush(heap, (r, left))
        return [t for t in ids if t >= 0]

    def encode_ordinary(self, text: str) -> list[int]:
        """Tokens of `text`, reading special-token strings as plain text."""
        ids: list[int] = []
        for chunk in split_text(text, self.pattern):
            cached = self._cache.get(chunk)
            if cached is None:
                cached = self.encode_chunk(chunk)
                if len(self._cache) < CACHE_LIMIT:
                    self._cache[chunk] = cached
            ids.extend(cached)
        return ids

    def encode(self, text: str, allow_special: bool = True) -> list[int]:
        """Tokens of `text`. A special token's string becomes its one id, never split,
        unless `allow_special` is False: then it is read as plain text (the safe choice
        for text from users, who could otherwise forge an end of text)."""
        if not allow_special or self._special_re is None:
            return self.encode_ordinary(text)
        ids: list[int] = []
        for i, piece in enumerate(self._special_re.split(text)):
            if i % 2:                           # the split keeps the special strings at odd places
                ids.append(self.special_tokens[piece])
            elif piece:
                ids.extend(self.encode_ordinary(piece))
        return ids
    # --8<-- [end:encode]

    # --8<-- [start:decode]
    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes the ids stand for; a special token gives its string's bytes."""
        parts = []
        for i in ids:
            i = int(i)
            if 0 <= i < len(self.vocab):
                parts.append(self.vocab[i])
            elif i in self._special_ids:
                parts.append(self._special_ids[i].encode("utf-8"))
            else:
                raise TokenizerError(f"token id {i} is not in the vocabulary "
                                     f"(0 to {self.vocab_size - 1})")
        return b"".join(parts)

    def decode(self, ids: Iterable[int]) -> str:
        """The text the ids stand for. Ids need not end on a character boundary (a model
        can sample any sequence): bytes that are not valid UTF-8 become U+FFFD, '\ufffd'."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")
    # --8<-- [end:decode]

    def token_str(self, i: int) -> str:
        """One token, readable: its text, with any byte that is not part of a whole UTF-8
        character written as <0xHH> (one of the four bytes of an emoji: <0xF0>)."""
        if i in self._special_ids:
            return self._special_ids[i]
        return self.decode_bytes([i]).decode("utf-8", errors=_HEX_BYTES)

    # --8<-- [start:save]
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "pattern": self.pattern,
                "merges": [list(pair) for pair in self.merges],
                "special_tokens": dict(self.special_tokens)}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the tokenizer to `path` as JSON, atomically."""
        path = Path(path)
        with atomic_write(path) as fh:
            fh.write((json.dumps(self.to_dict(), ensure_ascii=False) + "\n").encode("utf-8"))
        return path
    # --8<-- [end:save]

    @classmethod
    def from_dict(cls, d: Any, source: str = "the tokenizer") -> BPETokenizer:
        """A tokenizer from `to_dict`'s output, every part checked."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise TokenizerError(f"{source}: not a BPE tokenizer (format {FORMAT} expected)")
        merges, pattern, specials = d.get("merges"), d.get("pattern"), d.get("special_tokens", {})
        if not isinstance(merges, list) or not all(
                isinstance(m, list) and len(m) == 2 and all(type(i) is int for i in m)
                for m in merges):
            raise TokenizerError(f"{source}: 'merges' must be a list of [id, id] pairs")
        if pattern is not None and not isinstance(pattern, str):
            raise TokenizerError(f"{source}: 'pattern' must be a string or null")
        if not isinstance(specials, dict) or not all(
                isinstance(s, str) and type(i) is int for s, i in specials.items()):
            raise TokenizerError(f"{source}: 'special_tokens' must map strings to ids")
        order = sorted(specials, key=specials.__getitem__)
        expected = range(FIRST_MERGE_ID + len(merges), FIRST_MERGE_ID + len(merges) + len(order))
        if [specials[s] for s in order] != list(expected):
            raise TokenizerError(f"{source}: special token ids must follow the merges "
                                 f"({FIRST_MERGE_ID + len(merges)} onwards, one each)")
        try:
            return cls([(a, b) for a, b in merges], pattern, order)
        except TokenizerError as exc:
            raise TokenizerError(f"{source}: {exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> BPETokenizer:
        """Read a tokenizer `save` wrote; a missing or damaged file is a TokenizerError."""
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TokenizerError(f"{path}: no such file; train one with "
                                 "`gradbook tokens train`") from None
        except IsADirectoryError:
            raise TokenizerError(f"{path}: is a folder; give the tokenizer's JSON file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TokenizerError(f"{path}: not a tokenizer file (not JSON: {exc})") from None
        except OSError as exc:
            raise TokenizerError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        return cls.from_dict(d, source=str(path))

    def __repr__(self) -> str:
        return (f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)}, "
                f"special_tokens={list(self.special_tokens)})")
