"""Reading MNIST's IDX files (plain or gzipped), for readers who have them."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

# The third byte of the magic number says what the numbers are (big-endian).
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# --8<-- [start:idx]
def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An IDX file as a numpy array: `(N, 28, 28)` images or `(N,)` labels for MNIST.

    Format: two zero bytes, a type byte, the number of dimensions, then each
    dimension as a big-endian 32-bit integer, then the data.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header promises {expected} bytes of data for shape {shape}, "
                         f"file has {len(raw) - header}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
# --8<-- [end:idx]
