"""Progress bars that suit both a terminal and a log file.

On a terminal, `progress` is an ordinary tqdm bar, redrawn in place up to ten
times a second. When stderr goes to a file or a pipe (`gradbook gpt train > log 2>&1`,
a CI job), redrawing in place makes no sense: every redraw would be kept in the log.
There the bar is printed as a plain line each time another twentieth of the work is
done (`LOG_LINES`), but not more often than every `LOG_INTERVAL_S` seconds,
and at the end: a log holds a short, readable record of the run however long it takes.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from tqdm import tqdm

LOG_INTERVAL_S = 5.0   # at most one line this often
LOG_LINES = 20         # and at most about this many lines for a bar whose total is known


class _Lines:
    """A stream for tqdm that turns its carriage-return redraws into whole lines."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:                         # skip tqdm's clearing writes and bare newlines
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def progress(stream: IO[str] | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar on `stream` (stderr by default); plain periodic lines when it is not a terminal."""
    stream = stream if stream is not None else sys.stderr
    if is_terminal(stream):
        return tqdm(file=stream, **kwargs)
    kwargs.pop("dynamic_ncols", None)
    total = kwargs.get("total")
    every = max(1, int(total) // LOG_LINES) if total else None
    # maxinterval=inf: tqdm's monitor thread would otherwise force extra lines in slow runs
    return tqdm(file=_Lines(stream), mininterval=LOG_INTERVAL_S, miniters=every,
                maxinterval=float("inf"), ascii=True, ncols=100, **kwargs)
