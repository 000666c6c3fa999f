"""names.txt: reading it, its 27-character vocabulary, the split, and (context, next) pairs.

Every name is lowercase a–z. The models see a name as a sequence of characters
framed by one boundary token, `.`, which marks both its start and its end:
`emma` is read as `.emma.`, five predictions (e after ., m after e, …, . after a).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from gradbook.data.fetch import DATASETS, fetch
from gradbook.errors import DataError

# --8<-- [start:vocab]
BOUNDARY = "."                                   # starts and ends every name
LETTERS = "abcdefghijklmnopqrstuvwxyz"
VOCAB = BOUNDARY + LETTERS                       # 27 tokens: '.' is 0, 'a' is 1, …, 'z' is 26
STOI = {ch: i for i, ch in enumerate(VOCAB)}     # string to integer
ITOS = dict(enumerate(VOCAB))                    # integer to string


def encode(text: str) -> list[int]:
    """The token ids of `text`, which holds only characters of `VOCAB`."""
    return [STOI[ch] for ch in text]


def decode(ids: list[int]) -> str:
    """The characters of token ids."""
    return "".join(ITOS[i] for i in ids)
# --8<-- [end:vocab]


def find_names(data: str | os.PathLike[str] | None = None) -> Path:
    """The names file: the one at `data` if it exists, else the verified cached copy,
    asked for by name (`names` or `names.txt`) or by default."""
    known = ("names", Path(DATASETS["names"].path).name)
    if data is None or (not Path(data).is_file() and str(data) in known):
        return fetch("names")
    if not Path(data).is_file():
        raise DataError(f"{data}: no such file, and not the name of a data set in the cache "
                        f"({' or '.join(known)})")
    return Path(data)


# --8<-- [start:load]
def load_names(path: str | os.PathLike[str]) -> list[str]:
    """The names in `path`, one per line, after checking every line.

    An unreadable or empty file, or a line with anything but the letters a–z
    (capitals, spaces, accents, an empty line), is a `DataError` that names the file
    and the line.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; run `gradbook data fetch names` or pass --data"
                        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        line = text_line_of(path.read_bytes(), exc.start)
        raise DataError(f"{path}, line {line}: not UTF-8 text; names must be lowercase a-z"
                        ) from None
    names = text.splitlines()
    if not names:
        raise DataError(f"{path}: the file is empty; it should hold one name per line")
    allowed = set(LETTERS)
    for number, name in enumerate(names, start=1):
        bad = sorted(set(name) - allowed)
        if not name or bad:
            what = "an empty line" if not name else "character(s) " + " ".join(repr(c) for c in bad)
            raise DataError(f"{path}, line {number}: {what}; every line must be one name "
                            "in lowercase a-z")
    return names
# --8<-- [end:load]


def text_line_of(raw: bytes, offset: int) -> int:
    """The 1-based line number of byte `offset` in `raw`."""
    return raw.count(b"\n", 0, offset) + 1


# --8<-- [start:split]
@dataclass(frozen=True)
class Split:
    train: list[str]
    dev: list[str]
    test: list[str]


def split_names(names: list[str], seed: int = 42, fractions: tuple[float, float] = (0.8, 0.9)
                ) -> Split:
    """Shuffle a copy of `names` with `random.Random(seed)` and cut it 80/10/10.

    Python's `random` gives the same shuffle for the same seed on every machine and
    every version of Python 3, so the three sets are the same everywhere.
    `fractions` are the two cut points, as shares of the list.
    """
    shuffled = list(names)
    random.Random(seed).shuffle(shuffled)
    n1, n2 = int(fractions[0] * len(shuffled)), int(fractions[1] * len(shuffled))
    return Split(train=shuffled[:n1], dev=shuffled[n1:n2], test=shuffled[n2:])
# --8<-- [end:split]


# --8<-- [start:dataset]
def build_dataset(names: list[str], block_size: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (context, next character) pair of `names`, as two tensors of token ids.

    The context is the `block_size` characters before the next one, padded on the
    left with the boundary token: `emma` with a block of 3 gives `...`→e, `..e`→m,
    `.em`→m, `emm`→a and `mma`→`.`. X has shape (pairs, block_size), Y (pairs,).
    """
    xs: list[list[int]] = []
    ys: list[int] = []
    for name in names:
        context = [0] * block_size
        for ix in encode(name + BOUNDARY):
            xs.append(context)
            ys.append(ix)
            context = context[1:] + [ix]                 # slide the window one character
    return torch.tensor(xs, dtype=torch.long).view(-1, block_size), torch.tensor(ys, dtype=torch.long)
# --8<-- [end:dataset]
