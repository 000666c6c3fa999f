"""Learning BPE merges: start from bytes, merge the most frequent adjacent pair, repeat.

Token ids 0-255 are the 256 byte values. Merge number k (counting from 0) makes
token 256 + k from the pair of tokens that was most frequent at that moment. Ties
are broken by the smaller pair, compared as (left id, right id), so training is
deterministic and both trainers below learn exactly the same merges.

`train_naive` recounts every pair of the whole text after each merge: easy to read,
and slow (each merge costs a pass over the text). `train` counts once, then after
each merge updates only the counts of the chunks that held the merged pair, and
finds the most frequent pair with a heap instead of a scan.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import regex

from gradbook.errors import TokenizerError
from gradbook.tokens.pretokenize import GPT2_PATTERN, split_text

Pair = tuple[int, int]
FIRST_MERGE_ID = 256          # ids below are the bytes themselves


# --8<-- [start:pairs]
def pair_counts(ids: Sequence[int], counts: Counter[Pair] | None = None,
                weight: int = 1) -> Counter[Pair]:
    """How often each adjacent pair occurs in `ids` (times `weight`), added to `counts`."""
    counts = Counter() if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] += weight
    return counts


def merge(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """`ids` with every occurrence of `pair`, read left to right, replaced by `new_id`."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
# --8<-- [end:pairs]


def best_pair(counts: Counter[Pair]) -> Pair:
    """The most frequent pair; among equally frequent ones, the smallest."""
    return min(counts, key=lambda pair: (-counts[pair], pair))


def training_chunks(text: str, pattern: str | None = GPT2_PATTERN,
                    special_tokens: Iterable[str] = ()) -> list[str]:
    """The chunks training learns from: the pre-split of `text`, with the special tokens
    cut out first (no merge may reach into them)."""
    specials = [s for s in special_tokens if s]
    pieces = regex.split("|".join(regex.escape(s) for s in specials), text) if specials else [text]
    return [chunk for piece in pieces for chunk in split_text(piece, pattern)]


def merges_wanted(vocab_size: int, n_special: int = 0) -> int:
    """How many merges make a vocabulary of `vocab_size`: 256 bytes, merges, special tokens."""
    if not isinstance(vocab_size, int) or vocab_size < FIRST_MERGE_ID + n_special:
        raise TokenizerError(f"the vocabulary size must be at least {FIRST_MERGE_ID + n_special} "
                             f"(256 bytes and {n_special} special token(s)), got {vocab_size!r}")
    return vocab_size - FIRST_MERGE_ID - n_special


# --8<-- [start:train_naive]
def train_naive(text: str, vocab_size: int, pattern: str | None = GPT2_PATTERN,
                special_tokens: Sequence[str] = ()) -> list[Pair]:
    """The merges, learnt by recounting every pair of every chunk after each merge."""
    n_merges = merges_wanted(vocab_size, len(special_tokens))
    chunks = [list(c.encode("utf-8")) for c in training_chunks(text, pattern, special_tokens)]
    merges: list[Pair] = []
    for k in range(n_merges):
        counts: Counter[Pair] = Counter()
        for ids in chunks:
            pair_counts(ids, counts)
        if not counts:                     # every chunk is a single token: nothing to merge
            break
        pair = best_pair(counts)
        chunks = [merge(ids, pair, FIRST_MERGE_ID + k) for ids in chunks]
        merges.append(pair)
    return merges
# --8<-- [end:train_naive]


# --8<-- [start:train]
def train(text: str, vocab_size: int, pattern: str | None = GPT2_PATTERN,
          special_tokens: Sequence[str] = (),
          on_merge: Callable[[int, Pair, int], None] | None = None) -> list[Pair]:
    """The same merges as `train_naive`, with counts updated instead of recounted.

    Equal chunks are tokenized alike, so each distinct chunk is kept once, with the
    number of times it occurs. `where[pair]` holds the chunks the pair may occur in;
    a merge rewrites only those, and changes the counts of only the pairs they hold.
    The heap holds (-count, pair) entries; an entry whose count is out of date is
    skipped when it comes to the top. `on_merge(k, pair, count)` reports progress.
    """
    n_merges = merges_wanted(vocab_size, len(special_tokens))
    freq = Counter(training_chunks(text, pattern, special_tokens))
    words = [list(chunk.encode("utf-8")) for chunk in freq]
    weights = list(freq.values())
    counts: Counter[Pair] = Counter()
    where: dict[Pair, set[int]] = {}
    for w, ids in enumerate(words):
        pair_counts(ids, counts, weights[w])
        for pair in zip(ids, ids[1:]):
            where.setdefault(pair, set()).add(w)
    heap = [(-n, pair) for pair, n in counts.items()]
    heapq.heapify(heap)
    merges: list[Pair] = []
    while len(merges) < n_merges and heap:
        neg, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -neg:   # out of date: a fresher entry is in the heap
            continue
        new_id = FIRST_MERGE_ID + len(merges)
        changed: Counter[Pair] = Counter()
        for w in where.pop(pair):
            old, new = words[w], merge(words[w], pair, new_id)
            if len(new) == len(old):        # the pair left this chunk in an earlier merge
                continue
            changed.subtract(pair_counts(old, weight=weights[w]))
            changed.update(pair_counts(new, weight=weights[w]))
            for p in zip(new, new[1:]):
                where.setdefault(p, set()).add(w)
            words[w] = new
        for p, delta in changed.items():
            if delta:
                counts[p] += delta
                if counts[p] > 0:
                    heapq.heappush(heap, (-counts[p], p))
                else:
                    del counts[p]
        merges.append(pair)
        if on_merge is not None:
            on_merge(len(merges) - 1, pair, -neg)
    return merges
# --8<-- [end:train]
