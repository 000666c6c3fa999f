"""Chapter 11: our byte-level BPE side by side with Hugging Face `tokenizers`.

Both learn from all of Tiny Shakespeare with the same vocabulary size (256 bytes,
the merges, and one special token, <|endoftext|>) and the same pre-split (GPT-2's
pattern). For each: the seconds to train and to encode the whole text (best of
``REPEATS``, each encoding with a freshly loaded tokenizer, so no cache is warm),
the compression (characters and UTF-8 bytes per token), and how many of its merges
the other one learnt too, anywhere and at the same rank. The naive trainer, which
recounts every pair after every merge, trains on the first ``NAIVE_CHARS``
characters only, beside the fast one on the same slice: on the whole text it would
take minutes per few hundred merges. The last row is ours with no pre-split at all:
the whole text one chunk, merges free to cross words.
"""

from __future__ import annotations

import time

REPEATS = 3
SIZES = (512, 4096)
NAIVE_CHARS, NAIVE_SIZE = 100_000, 512


def _best(fn, repeats: int = REPEATS):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def REPORT() -> dict:
    from tokenizers import Tokenizer

    from gradbook.data.text import load_text
    from gradbook.tokens.reference import hf_merges_as_bytes, hf_train, our_merges_as_bytes
    from gradbook.tokens.tokenizer import END_OF_TEXT, BPETokenizer
    from gradbook.tokens.train import train, train_naive

    text = load_text()
    n_bytes = len(text.encode("utf-8"))
    specials = [END_OF_TEXT]
    rows = []

    def row(
        label: str,
        size: int,
        chars: str,
        train_s: float,
        encode_s: float | None,
        n_tokens: int,
        shared: str,
        same_rank: str,
        n_chars: int,
        n_b: int,
    ) -> dict:
        return {
            "tokenizer": label,
            "text": chars,
            "vocab": f"{size:,}",
            "train_s": f"{train_s:.2f}",
            "encode_s": "—" if encode_s is None else f"{encode_s:.2f}",
            "chars_per_token": n_chars / n_tokens,
            "bytes_per_token": n_b / n_tokens,
            "shared": shared,
            "same_rank": same_rank,
        }

    # the two trainers of ours, on a slice small enough for the naive one
    part = text[:NAIVE_CHARS]
    naive_s, naive = _best(lambda: train_naive(part, NAIVE_SIZE, special_tokens=specials), 1)
    fast_s, fast = _best(lambda: train(part, NAIVE_SIZE, special_tokens=specials))
    if naive != fast:
        raise AssertionError("the naive and the fast trainer learnt different merges")
    n_part = len(BPETokenizer(fast, special_tokens=specials).encode(part))
    same = f"{len(fast):,}/{len(naive):,}"
    for label, seconds in (("ours, naive trainer", naive_s), ("ours, fast trainer", fast_s)):
        rows.append(
            row(
                label,
                NAIVE_SIZE,
                f"first {NAIVE_CHARS // 1000}k",
                seconds,
                None,
                n_part,
                f"{same} (naive/fast)",
                same,
                len(part),
                len(part.encode("utf-8")),
            )
        )

    for size in SIZES:
        ours_train_s, ours = _best(lambda n=size: BPETokenizer.train(text, n, special_tokens=specials))
        hf_train_s, hf = _best(lambda n=size: hf_train(text, n, special_tokens=specials))
        saved, hf_json = ours.to_dict(), hf.to_str()
        ours_encode_s, ours_ids = _best(lambda d=saved: BPETokenizer.from_dict(d).encode(text))
        hf_encode_s, hf_enc = _best(lambda s=hf_json: Tokenizer.from_str(s).encode(text))
        if ours.decode(ours_ids) != text or hf.decode(hf_enc.ids) != text:
            raise AssertionError("a tokenizer did not give the text back")
        a, b = our_merges_as_bytes(ours), hf_merges_as_bytes(hf)
        shared = f"{len(set(a) & set(b)):,}/{len(a):,}"
        same_rank = f"{sum(x == y for x, y in zip(a, b)):,}"
        rows.append(
            row(
                "ours (gradbook.tokens)",
                size,
                "all",
                ours_train_s,
                ours_encode_s,
                len(ours_ids),
                shared,
                same_rank,
                len(text),
                n_bytes,
            )
        )
        rows.append(
            row(
                "Hugging Face tokenizers",
                size,
                "all",
                hf_train_s,
                hf_encode_s,
                len(hf_enc.ids),
                shared,
                same_rank,
                len(text),
                n_bytes,
            )
        )
    # no pre-split: the whole text is one chunk, and merges may cross words
    size = SIZES[-1]
    nosplit_s, nosplit = _best(lambda: BPETokenizer.train(text, size, pattern=None, special_tokens=specials))
    nosplit_saved = nosplit.to_dict()
    nosplit_encode_s, nosplit_ids = _best(lambda: BPETokenizer.from_dict(nosplit_saved).encode(text))
    rows.append(
        row(
            "ours, no pre-split",
            size,
            "all",
            nosplit_s,
            nosplit_encode_s,
            len(nosplit_ids),
            "—",
            "—",
            len(text),
            n_bytes,
        )
    )
    import tokenizers

    return {
        "columns": [
            ["tokenizer", "tokenizer", "{}"],
            ["text", "text", "{}"],
            ["vocab", "vocab", "{}"],
            ["train s", "train_s", "{}"],
            ["encode s", "encode_s", "{}"],
            ["chars / token", "chars_per_token", "{:.3f}"],
            ["bytes / token", "bytes_per_token", "{:.3f}"],
            ["merges shared", "shared", "{}"],
            ["same rank", "same_rank", "{}"],
        ],
        "rows": rows,
        "note": f"Tiny Shakespeare: {len(text):,} characters, {n_bytes:,} bytes. Hugging Face "
        f"`tokenizers` {tokenizers.__version__}: `BpeTrainer` with the byte-level pre-tokenizer "
        "(GPT-2 pattern, no prefix space), all 256 bytes as the initial alphabet, "
        f"`min_frequency=0`. Times are the best of {REPEATS} (the naive trainer: one run); "
        "encoding is of the whole text in one call, compression is on the text trained on "
        '(an ASCII text: one byte per character). "Merges shared": how many of its merges the '
        "other tokenizer of the same size also learnt (the naive and fast trainers: each other's); "
        '"same rank": how many stand at the same place in both lists.',
    }
