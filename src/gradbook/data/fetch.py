"""Downloading data sets once, verifying them, and reading them from a cache afterwards.

Every data set has a canonical URL and the sha256 of the file the book uses. The
first use downloads it into the cache (`~/.cache/gradbook`, or
`$GRADBOOK_DATA_DIR` when set), checks the hash, and only then moves it into
place; later uses read the cached copy without touching the network.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gradbook.errors import DataError
from gradbook.files import atomic_write

ENV = "GRADBOOK_DATA_DIR"


@dataclass(frozen=True)
class Dataset:
    name: str
    url: str
    path: str                    # where the verified file lives, relative to the cache
    sha256: str
    member: str | None = None    # the file to take from a downloaded zip archive
    citation: str = ""


# --8<-- [start:registry]
DATASETS = {
    "shakespeare": Dataset(
        name="shakespeare",
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        path="tinyshakespeare.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        citation="Tiny Shakespeare, from A. Karpathy's char-rnn (2015).",
    ),
    "bikes": Dataset(
        name="bikes",
        url="https://archive.ics.uci.edu/static/public/275/bike+sharing+dataset.zip",
        path="bike-sharing/hour.csv",
        sha256="e03de4ee4ef4dc376ac6e04bf829673c6269e8eba5c60fa121640fa2f829504f",
        member="hour.csv",
        citation="H. Fanaee-T and J. Gama, Event labeling combining ensemble detectors and "
                 "background knowledge, Progress in Artificial Intelligence 2, 113-127 "
                 "(2014); "
                 "UCI Machine Learning Repository, CC BY 4.0.",
    ),
    "names": Dataset(
        name="names",
        url="https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
        path="names.txt",
        sha256="0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
        citation="32,032 given names from the US Social Security Administration's baby-name "
                 "data (public domain), as collected in A. Karpathy's makemore (2022).",
    ),
}
# --8<-- [end:registry]


def data_dir() -> Path:
    """The cache folder: `$GRADBOOK_DATA_DIR` if set, else `~/.cache/gradbook`."""
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gradbook"


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The sha256 of the file at `path`, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


# --8<-- [start:fetch]
def fetch(name: str, timeout: float = 60.0) -> Path:
    """The verified local copy of data set `name`, downloading it on first use."""
    ds = _dataset(name)
    target = data_dir() / ds.path
    if target.exists():
        if sha256_of(target) != ds.sha256:
            raise DataError(
                f"{target}: checksum mismatch (expected sha256 {ds.sha256[:12]}…); the file is "
                "corrupt or a different version: delete it and run `gradbook data fetch "
                f"{name}` again")
        return target
    try:
        with urllib.request.urlopen(ds.url, timeout=timeout) as response:
            payload = response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(
            f"{target}: not cached, and downloading {ds.url} failed ({exc}). Download it by hand "
            f"and place it at {target}, or set {ENV} to a folder that holds {ds.path}") from None
    if ds.member is not None:
        payload = _extract(payload, ds.member, ds.url)
    if hashlib.sha256(payload).hexdigest() != ds.sha256:
        raise DataError(f"{ds.url}: the download does not match the expected sha256 "
                        f"{ds.sha256[:12]}…; nothing was saved. Try again later.")
    try:
        with atomic_write(target) as fh:       # appears whole, or not at all
            fh.write(payload)
    except OSError as exc:                     # no permission, disk full, ...
        raise DataError(f"{target}: cannot save the download ({exc.strerror or exc}); set "
                        f"{ENV} to a folder you can write to") from None
    return target
# --8<-- [end:fetch]


def _extract(payload: bytes, member: str, url: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            matches = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == member]
            if not matches:
                raise DataError(f"{url}: the archive has no {member}")
            return archive.read(matches[0])
    except zipfile.BadZipFile:
        raise DataError(f"{url}: the download is not a valid zip archive") from None
