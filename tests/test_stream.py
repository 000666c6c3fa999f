"""gradbook.data.stream: a CSV read as a stream, split between workers, shuffled in a buffer."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.data.stream import CSVStream, StreamLoader, shuffle_buffer
from gradbook.errors import DataError


def _write(
    path: Path, n: int, pads: list[int] | None = None, newline: str = "\n", final_newline: bool = True
) -> CSVStream:
    """A CSV of n records: column `id` is 0..n-1, column `pad` has a chosen width."""
    pads = pads or [1] * n
    lines = ["id,pad"] + [f"{i},{'7' * pads[i]}" for i in range(n)]
    path.write_bytes((newline.join(lines) + (newline if final_newline else "")).encode())
    return CSVStream(path, ["id"])


def _ids(batches) -> list[int]:
    return [int(i) for batch in batches for i in np.asarray(batch)[:, 0]]


@settings(max_examples=60, deadline=None)
@given(
    pads=st.lists(st.integers(1, 40), max_size=30),
    workers=st.integers(1, 4),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
)
def test_shards_cover_every_record_exactly_once(pads, workers, newline, final_newline):
    with tempfile.TemporaryDirectory() as folder:
        stream = _write(Path(folder) / "r.csv", len(pads), pads, newline, final_newline)
        shards = [[int(r[0]) for r in stream.shard(k, workers)] for k in range(workers)]
    # Concatenated in worker order, the shards are the file in order: nothing lost,
    # nothing read twice, and each shard a contiguous run of lines.
    assert sum(shards, []) == list(range(len(pads)))


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_cuts_exactly_at_line_starts(tmp_path, workers):
    # 12 lines of 5 bytes ("0,77", ..., "10,7"): every cut falls exactly where a
    # line starts, the case in which a worker must skip nothing.
    stream = _write(tmp_path / "r.csv", 12, pads=[2] * 10 + [1] * 2)
    shards = [[int(r[0]) for r in stream.shard(k, workers)] for k in range(workers)]
    assert shards == [list(range(k * 12 // workers, (k + 1) * 12 // workers)) for k in range(workers)]


def test_more_workers_than_records_leaves_some_shards_empty(tmp_path):
    stream = _write(tmp_path / "r.csv", 2)
    shards = [[int(r[0]) for r in stream.shard(k, 4)] for k in range(4)]
    assert sum(shards, []) == [0, 1] and [] in shards


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_loader_with_workers_serves_every_record_once(tmp_path, workers):
    stream = _write(tmp_path / "r.csv", 11, pads=[1, 9, 2, 30, 1, 1, 5, 1, 12, 1, 3])
    loader = StreamLoader(stream, batch_size=3, num_workers=workers, buffer_size=4, rng=1)
    first = _ids(loader)
    assert sorted(first) == list(range(11))
    if workers == 2:
        second = _ids(loader)
        assert sorted(second) == list(range(11))
        assert second != first  # a new buffer shuffle each epoch
        again = StreamLoader(stream, batch_size=3, num_workers=2, buffer_size=4, rng=1)
        assert _ids(again) == first  # and a run repeats


def test_loader_without_workers_and_batching(tmp_path):
    stream = _write(tmp_path / "r.csv", 7)
    batches = list(StreamLoader(stream, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1] and _ids(batches) == list(range(7))
    with pytest.raises(ValueError, match="batch_size"):
        StreamLoader(stream, batch_size=0)


def test_loader_stopped_early_stops_its_workers(tmp_path):
    stream = _write(tmp_path / "r.csv", 200)
    before = set(multiprocessing.active_children())
    iterator = iter(StreamLoader(stream, batch_size=2, num_workers=2))
    next(iterator)
    assert len(set(multiprocessing.active_children()) - before) == 2
    iterator.close()  # runs the loader's `finally`
    assert set(multiprocessing.active_children()) - before == set()


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,x\n0,1\n1,oops\n")
    with pytest.raises(DataError, match=r"bad\.csv: malformed line at byte 9: '1,oops'"):
        list(CSVStream(path, ["x"]))
    with pytest.raises(DataError, match=r"bad\.csv: no column \['y'\]"):
        list(CSVStream(path, ["y"]))
    with pytest.raises(ValueError, match="worker must be in 0..1"):
        CSVStream(path, ["x"], worker=2, workers=2)
    # A failure inside a worker reaches the main process as an error, not a hang.
    with pytest.raises(RuntimeError, match=r"worker \d: DataError: .*malformed line"):
        list(StreamLoader(CSVStream(path, ["x"]), batch_size=1, num_workers=2))


class _DiesInWorker:
    """A stream whose shard kills the worker process outright."""

    def shard(self, worker, workers):
        os._exit(3)


def test_a_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"worker 0 exited unexpectedly \(exit code 3\)"):
        list(StreamLoader(_DiesInWorker(), num_workers=1))


def test_shuffle_buffer_bounds_how_far_forward_an_example_moves():
    n, size = 500, 16
    out = list(shuffle_buffer(range(n), size, rng=0))
    assert sorted(out) == list(range(n)) and out != list(range(n))
    position = {x: p for p, x in enumerate(out)}
    ahead = [x - position[x] for x in range(n)]  # how many places it came early
    assert max(ahead) <= size - 1
    assert max(ahead) >= size // 2  # and the buffer does mix
    assert list(shuffle_buffer(range(n), 1)) == list(range(n))
    full = list(shuffle_buffer(range(n), n, rng=0))  # a buffer as big as the data
    assert sorted(full) == list(range(n)) and max(x - p for p, x in enumerate(full)) > size
    with pytest.raises(ValueError, match="at least 1"):
        list(shuffle_buffer(range(3), 0))


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 3 workers, 2 cores
def test_same_batches_as_torch_with_sharding_and_duplicates_without(tmp_path):
    pytest.importorskip("torch")
    from torch.utils.data import DataLoader

    from gradbook.data.torch_stream import ShardedTorchStream, TorchStream

    stream = _write(tmp_path / "r.csv", 10, pads=[1, 20, 1, 1, 7, 1, 1, 1, 3, 1])
    for workers in (2, 3):
        theirs = [
            b.numpy() for b in DataLoader(ShardedTorchStream(stream), batch_size=3, num_workers=workers)
        ]
        ours = list(StreamLoader(stream, batch_size=3, num_workers=workers))
        assert [b.tolist() for b in theirs] == [b.tolist() for b in ours]
    doubled = DataLoader(TorchStream(stream), batch_size=3, num_workers=2)
    assert Counter(_ids(b.numpy() for b in doubled)) == Counter(range(10)) + Counter(range(10))
