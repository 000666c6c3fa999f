"""Reading the hourly bike-sharing CSV, carefully, and turning it into features."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gradbook.data.fetch import DATASETS, fetch
from gradbook.errors import DataError

# --8<-- [start:columns]
# The data set stores temperature, humidity and wind speed already scaled to [0, 1]:
# hum = humidity / 100, windspeed = speed / 67, and temp = t / 41 °C by its Readme.txt
# but (t + 8 °C) / 47 °C by its UCI web page (the two disagree).
FEATURES = ("hr", "temp", "hum", "windspeed", "workingday")
TARGET = "cnt"                               # rentals in that hour, casual + registered
# --8<-- [end:columns]


# --8<-- [start:find]
def find_hours(dataset: str | os.PathLike[str] | None = None) -> Path:
    """`hour.csv`: the file at `dataset` if there is one, else the verified copy in
    the cache, asked for by name (`bikes` or `hour.csv`) or by default."""
    names = ("bikes", Path(DATASETS["bikes"].path).name)
    if dataset is None or (not Path(dataset).is_file() and str(dataset) in names):
        return fetch("bikes")
    if not Path(dataset).is_file():
        raise DataError(f"{dataset}: no such file, and not the name of a data set in the cache "
                        f"({' or '.join(names)})")
    return Path(dataset)
# --8<-- [end:find]


# --8<-- [start:load]
def load_hours(path: str | os.PathLike[str], columns: tuple[str, ...] = (*FEATURES, TARGET)
               ) -> dict[str, np.ndarray]:
    """The named columns of `hour.csv` as float arrays, after checking every value.

    A missing or unreadable file, an empty file, a missing column, or a cell that is
    empty or not a number is a `DataError` naming the file, the line and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; run `gradbook data fetch bikes` or pass --dataset")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:       # no permission, not text, ...
        raise DataError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise DataError(f"{path}: the file is empty")
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; "
                        f"the header has {', '.join(header)}")
    index = [header.index(c) for c in columns]
    values: list[list[float]] = []
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        try:
            values.append([float(row[i]) for i in index])
        except IndexError:
            raise DataError(f"{path}, line {line}: expected {len(header)} fields, "
                            f"found {len(row)}") from None
        except ValueError:
            bad = next(c for c, i in zip(columns, index) if not _is_number(row[i]))
            cell = row[header.index(bad)]
            what = "empty" if not cell.strip() else f"not a number ({cell!r})"
            raise DataError(f"{path}, line {line}, column {bad}: value is {what}") from None
    if not values:
        raise DataError(f"{path}: the file has a header but no rows")
    table = np.array(values, dtype=np.float64)
    return {c: table[:, j] for j, c in enumerate(columns)}
# --8<-- [end:load]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --8<-- [start:features]
def make_features(table: dict[str, np.ndarray], cyclic_hour: bool = False) -> np.ndarray:
    """The model's inputs, one row per hour, as `float32`.

    With `cyclic_hour` the hour becomes a point on a circle, (sin, cos) of
    2π·hr/24, so 23:00 and 00:00 are neighbours instead of 23 units apart.
    """
    hr = table["hr"]
    hour = ([np.sin(2 * np.pi * hr / 24), np.cos(2 * np.pi * hr / 24)] if cyclic_hour else [hr])
    rest = [table[c] for c in FEATURES if c != "hr"]
    return np.column_stack(hour + rest).astype(np.float32)
# --8<-- [end:features]


# --8<-- [start:split]
def split(n: int, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 0,
          chronological: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices for training, validation and test (70/10/20 by default).

    Random (seeded) by default. `chronological` keeps the order of the rows, which
    in `hour.csv` is the order of time: the model is tested on the latest hours,
    validated on the ones just before, and trained on all the earlier ones.
    """
    order = (np.arange(n)[::-1] if chronological     # the last rows first
             else np.random.default_rng(seed).permutation(n))
    n_test, n_val = round(n * test_fraction), round(n * val_fraction)
    return order[n_test + n_val:], order[n_test:n_test + n_val], order[:n_test]
# --8<-- [end:split]


# --8<-- [start:normalizer]
@dataclass
class Normalizer:
    """Shift and scale each column to mean 0, standard deviation 1.

    The statistics come from the training split only: the test set must not leak
    into anything the model sees while it learns.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Normalizer:
        std = X.std(axis=0)
        return cls(mean=X.mean(axis=0), std=np.where(std > 0, std, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.std).astype(np.float32)

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        return Z * self.std + self.mean

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, list[float]]) -> Normalizer:
        return cls(mean=np.asarray(d["mean"], dtype=np.float64),
                   std=np.asarray(d["std"], dtype=np.float64))
# --8<-- [end:normalizer]
