"""A streaming data set for `torch.utils.data.DataLoader`: Chapter 8's `CSVStream`.

Torch's loader copies an `IterableDataset` into every worker and does not tell
`__iter__` which worker it runs in; the data set has to ask
`torch.utils.data.get_worker_info()`. `TorchStream` does not ask, so with
workers every record is served once per worker; `ShardedTorchStream` asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torch.utils.data import IterableDataset, get_worker_info


# --8<-- [start:unsharded]
class TorchStream(IterableDataset):
    """A stream for torch's loader, as it is: every worker reads all of it."""

    def __init__(self, stream: Any):
        self.stream = stream               # e.g. a CSVStream

    def __iter__(self) -> Iterator[Any]:
        return iter(self.stream)
# --8<-- [end:unsharded]


# --8<-- [start:sharded]
class ShardedTorchStream(TorchStream):
    """A stream for torch's loader that each worker reads only its shard of."""

    def __iter__(self) -> Iterator[Any]:
        info = get_worker_info()           # None in the main process
        if info is None:
            return iter(self.stream)
        return iter(self.stream.shard(info.id, info.num_workers))
# --8<-- [end:sharded]
