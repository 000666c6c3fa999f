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
    number of times it occurs (its weight). All their tokens sit in one array, each
    linked to its neighbours in its chunk (`prev`, `nxt`; -1 at a chunk's ends), and
    `where[pair]` holds the positions where the pair may start. A merge visits only
    those positions: it joins the two tokens, and moves the counts of the pairs they
    formed with their neighbours to the pairs the new token forms. The heap holds
    (-count, pair) entries; one whose count is out of date is skipped when it comes
    to the top. `on_merge(k, pair, count)` reports progress.
    """
    n_merges = merges_wanted(vocab_size, len(special_tokens))
    tok: list[int] = []                        # the tokens of all distinct chunks, end to end
    weight: list[int] = []                     # how often each position's chunk occurs
    prev: list[int] = []                       # the position before, in the same chunk, or -1
    nxt: list[int] = []                        # the position after, in the same chunk, or -1
    for chunk, n in Counter(training_chunks(text, pattern, special_tokens)).items():
        ids, start = chunk.encode("utf-8"), len(tok)
        tok.extend(ids)
        weight.extend([n] * len(ids))
        prev.extend(range(start - 1, start + len(ids) - 1))
        nxt.extend(range(start + 1, start + len(ids) + 1))
        prev[start], nxt[-1] = -1, -1
    counts: Counter[Pair] = Counter()
    where: dict[Pair, set[int]] = {}
    for i, j in enumerate(nxt):
        if j != -1:
            pair = (tok[i], tok[j])
            counts[pair] += weight[i]
            where.setdefault(pair, set()).add(i)
    heap = [(-n, pair) for pair, n in counts.items()]
    heapq.heapify(heap)
    merges: list[Pair] = []
    while len(merges) < n_merges and heap:
        neg, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -neg:         # out of date: a fresher entry is in the heap
            continue
        a, b = pair
        new_id = FIRST_MERGE_ID + len(merges)
        changed: Counter[Pair] = Counter()
        for i in sorted(where.pop(pair)):        # left to right, as `merge` reads
            j = nxt[i]
            if tok[i] != a or j == -1 or tok[j] != b:
                continue                         # merged away earlier, or a stale position
            w, p, n = weight[i], prev[i], nxt[j]
            if p != -1:
                changed[tok[p], a] -= w
                changed[tok[p], new_id] += w
                where.setdefault((tok[p], new_id), set()).add(p)
            if n != -1:
                changed[b, tok[n]] -= w
                changed[new_id, tok[n]] += w
                where.setdefault((new_id, tok[n]), set()).add(i)
                prev[n] = i
            tok[i], nxt[i] = new_id, n
            tok[j] = -1                          # j is gone
        del counts[pair]
        for q, delta in changed.items():
            if delta and q != pair:
                counts[q] += delta
                if counts[q] > 0:
                    heapq.heappush(heap, (-counts[q], q))
                else:
                    del counts[q]
        merges.append(pair)
        if on_merge is not None:
            on_merge(len(merges) - 1, pair, -neg)
    return merges
# --8<-- [end:train]
