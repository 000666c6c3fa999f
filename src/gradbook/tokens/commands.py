"""`gradbook tokens train` and `gradbook tokens encode`: Chapter 11's tokenizer from a terminal."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gradbook.data.text import load_text
from gradbook.errors import SettingsError, TokenizerError
from gradbook.progress import progress
from gradbook.tokens.pretokenize import GPT2_PATTERN
from gradbook.tokens.tokenizer import END_OF_TEXT, BPETokenizer
from gradbook.tokens.train import Pair, merges_wanted


def train_command(args: argparse.Namespace) -> None:
    """Learn merges from a text file and save the tokenizer as JSON (never over an old one)."""
    out = Path(args.out)
    if out.is_dir():
        raise SettingsError(f"{out}: is a folder; give the path of the JSON file to write")
    if out.exists() and not args.force:
        raise SettingsError(f"{out} already exists; pass --force to replace it, or choose "
                            "another --out")
    specials = [END_OF_TEXT] if args.special is None else args.special
    if len(set(specials)) != len(specials) or not all(specials):
        raise SettingsError("--special: the special tokens must be distinct and not empty")
    n_merges = merges_wanted(args.vocab_size, len(specials))
    text = load_text(args.data)
    pattern = None if args.no_split else GPT2_PATTERN
    began = time.perf_counter()
    with progress(total=n_merges, desc="merges", unit="merge", dynamic_ncols=True) as bar:
        def on_merge(k: int, pair: Pair, count: int) -> None:
            bar.update(1)

        tok = BPETokenizer.train(text, args.vocab_size, pattern, specials, on_merge)
    seconds = time.perf_counter() - began
    ids = tok.encode_ordinary(text)
    tok.save(out)
    short = (f" (the text ran out of pairs after {len(tok.merges)} merges)"
             if len(tok.merges) < n_merges else "")
    print(f"{len(tok.merges)} merges in {seconds:.1f} s, vocabulary {tok.vocab_size}{short}; "
          f"{len(text) / max(1, len(ids)):.2f} characters per token on "
          f"{args.data or 'Tiny Shakespeare'}; saved to {out}")


def encode_command(args: argparse.Namespace) -> None:
    """Print the tokens of a text: their ids, then the list of the texts they stand for."""
    tok = BPETokenizer.load(args.tokenizer)
    if not args.text:
        raise TokenizerError("give some text to encode")
    ids = tok.encode(args.text, allow_special=args.allow_special)
    print(" ".join(str(i) for i in ids))
    print([tok.token_str(i) for i in ids])             # as Python writes strings: spaces show
    print(f"{len(args.text)} characters, {len(args.text.encode('utf-8'))} bytes, "
          f"{len(ids)} tokens", file=sys.stderr)
