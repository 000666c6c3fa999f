"""Streaming data sets: examples read from disk one line at a time, never all at once.

A map-style data set (`len(ds)`, `ds[i]`) needs random access to every
example. A file too big for memory is read in order instead, as a stream: an
**iterable-style** data set is anything with `__iter__`. Chapter 8 builds one
for CSV files, splits it between worker processes so that each record is read
exactly once, and shuffles it as well as a stream allows: within a buffer.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from gradbook.data.loader import default_collate
from gradbook.errors import DataError
from gradbook.rng import as_generator


# --8<-- [start:stream]
class CSVStream:
    """The rows of a CSV file, read line by line: each row is the given columns as numbers.

    `shard(worker, workers)` is the same stream restricted to one of `workers`
    consecutive byte ranges of the file: worker `k` reads the lines that *start*
    in its range, so every line belongs to exactly one worker.
    """

    def __init__(self, path: str | os.PathLike, columns: Sequence[str],
                 worker: int = 0, workers: int = 1):
        if not 0 <= worker < workers:
            raise ValueError(f"worker must be in 0..{workers - 1}, got {worker}")
        self.path, self.columns = os.fspath(path), list(columns)
        self.worker, self.workers = worker, workers

    def shard(self, worker: int, workers: int) -> CSVStream:
        return CSVStream(self.path, self.columns, worker, workers)

    def __iter__(self) -> Iterator[np.ndarray]:
        with open(self.path, "rb") as f:
            picks = self._header(f.readline())
            first, size = f.tell(), os.fstat(f.fileno()).st_size
            # This worker's share of the bytes after the header: [start, end).
            start = first + (size - first) * self.worker // self.workers
            end = first + (size - first) * (self.worker + 1) // self.workers
            if start > first:            # maybe mid-line: the line belongs to the worker before
                f.seek(start - 1)
                f.readline()             # skip to the first line starting at or after `start`
            while f.tell() < end:
                at, line = f.tell(), f.readline()
                if line.strip():
                    yield self._parse(line, picks, at)

    def _header(self, line: bytes) -> list[int]:
        names = line.decode().strip().split(",")
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise DataError(f"{self.path}: no column {missing} in the header; "
                             f"it has {names}")
        return [names.index(c) for c in self.columns]

    def _parse(self, line: bytes, picks: list[int], at: int) -> np.ndarray:
        fields = line.decode().strip().split(",")
        try:
            return np.array([float(fields[i]) for i in picks])
        except (IndexError, ValueError):
            raise DataError(f"{self.path}: malformed line at byte {at}: "
                             f"{line.decode().strip()!r}") from None
# --8<-- [end:stream]


# --8<-- [start:buffer]
def shuffle_buffer(stream: Iterable[Any], size: int,
                   rng: np.random.Generator | int | None = 0) -> Iterator[Any]:
    """Shuffle a stream as far as a buffer of `size` examples allows.

    Fill the buffer, then, for each new example, serve a random one from the
    buffer and put the new one in its place; at the end, serve what is left in
    random order. Memory stays at `size` examples, and the example read as
    number `i` cannot be served before position `i - size + 1`.
    """
    if size < 1:
        raise ValueError(f"buffer size must be at least 1, got {size}")
    rng = as_generator(rng)
    buffer: list[Any] = []
    for example in stream:
        if len(buffer) < size:
            buffer.append(example)
            continue
        j = rng.integers(size)
        yield buffer[j]
        buffer[j] = example
    for j in rng.permutation(len(buffer)):
        yield buffer[j]
# --8<-- [end:buffer]


# --8<-- [start:loader]
class StreamLoader:
    """Batches from an iterable data set, read in `num_workers` processes.

    Worker `k` is started with its number and iterates over
    `dataset.shard(k, num_workers)`; the main process takes one batch from each
    worker in turn. With `buffer_size`, each worker shuffles its shard within a
    buffer, seeded from `rng` afresh each epoch.
    """

    def __init__(self, dataset: Any, batch_size: int = 1, num_workers: int = 0,
                 buffer_size: int = 0, collate_fn: Callable[[list], Any] = default_collate,
                 rng: np.random.Generator | int | None = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset, self.batch_size, self.num_workers = dataset, batch_size, num_workers
        self.buffer_size, self.collate_fn = buffer_size, collate_fn
        self.rng = as_generator(rng)

    def batches(self, stream: Iterable[Any], seed: list[int]) -> Iterator[Any]:
        """One stream in batches, shuffled within the buffer if there is one."""
        if self.buffer_size:
            stream = shuffle_buffer(stream, self.buffer_size, np.random.default_rng(seed))
        batch = []
        for example in stream:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch:
            yield self.collate_fn(batch)

    def __iter__(self) -> Iterator[Any]:
        seed = int(self.rng.integers(2**63))          # new each epoch; a run repeats
        if self.num_workers == 0:
            yield from self.batches(self.dataset, [seed, 0])
            return
        context = multiprocessing.get_context()
        channels = [context.Queue(maxsize=2) for _ in range(self.num_workers)]
        workers = [context.Process(target=_work, args=(self, k, channels[k], seed),
                                   daemon=True) for k in range(self.num_workers)]
        for worker in workers:
            worker.start()
        try:
            running = list(range(self.num_workers))
            while running:                            # one batch from each worker in turn
                for k in list(running):
                    batch = _receive(channels[k], workers[k], k)
                    if batch is None:                 # worker k has finished its shard
                        running.remove(k)
                    else:
                        yield batch
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
                worker.join()


def _work(loader: StreamLoader, k: int, channel: Any, seed: int) -> None:
    """Worker k: read shard k of the data set, send its batches, then say it is done."""
    try:
        shard = loader.dataset.shard(k, loader.num_workers)
        for batch in loader.batches(shard, [seed, k]):
            channel.put(batch)
    except Exception as err:
        channel.put(_Failed(f"worker {k}: {type(err).__name__}: {err}"))
    channel.put(None)                                 # done
# --8<-- [end:loader]


class _Failed:
    def __init__(self, message: str):
        self.message = message


def _receive(channel: Any, worker: Any, k: int) -> Any:
    """The next item worker k sent; an error if it failed or died."""
    while True:
        alive = worker.is_alive()     # checked first: a dead worker's last items are queued
        try:
            item = channel.get(timeout=0.2)
        except queues.Empty:
            if not alive:
                raise RuntimeError(f"worker {k} exited unexpectedly "
                                   f"(exit code {worker.exitcode})") from None
            continue
        if isinstance(item, _Failed):
            raise RuntimeError(item.message)
        return item
