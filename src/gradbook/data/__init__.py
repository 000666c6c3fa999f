"""Data sets for the book: made by code, or loaded from files and verified."""

from gradbook.data.batches import batches
from gradbook.data.digits import Split, load_digits
from gradbook.data.idx import read_idx
from gradbook.data.moons import make_moons
from gradbook.data.stream import CSVStream, StreamLoader, shuffle_buffer

__all__ = ["CSVStream", "Split", "StreamLoader", "batches", "load_digits", "make_moons",
           "read_idx", "shuffle_buffer"]
