"""gradbook.data.fetch: download once, verify, cache — tested without the network."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from gradbook import errors, files
from gradbook.data import fetch as fetch_module
from gradbook.data.fetch import Dataset, data_dir, fetch
from gradbook.errors import DataError, GradbookError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADBOOK_DATA_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _serve(tmp_path, name: str, payload: bytes) -> str:
    """A file:// URL: urllib reads it like a download, with no network involved."""
    path = tmp_path / name
    path.write_bytes(payload)
    return path.as_uri()


def _register(monkeypatch, **kwargs) -> None:
    monkeypatch.setitem(fetch_module.DATASETS, "toy", Dataset(name="toy", **kwargs))


def test_data_dir_follows_the_environment(cache):
    assert data_dir() == cache


def test_download_verify_and_cache(tmp_path, cache, monkeypatch):
    payload = b"hello, data\n"
    url = _serve(tmp_path, "toy.txt", payload)
    _register(monkeypatch, url=url, path="toy/toy.txt", sha256=hashlib.sha256(payload).hexdigest())
    path = fetch("toy")
    assert path == cache / "toy" / "toy.txt" and path.read_bytes() == payload
    (tmp_path / "toy.txt").unlink()  # "offline" now: the cache answers
    assert fetch("toy") == path
    assert [p.name for p in path.parent.iterdir()] == ["toy.txt"]


def test_zip_member_is_extracted_and_verified(tmp_path, cache, monkeypatch):
    member = b"a,b\n1,2\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("folder/hour.csv", member)
        archive.writestr("folder/other.txt", b"x")
    url = _serve(tmp_path, "data.zip", buffer.getvalue())
    _register(
        monkeypatch, url=url, path="z/hour.csv", member="hour.csv", sha256=hashlib.sha256(member).hexdigest()
    )
    assert fetch("toy").read_bytes() == member


def test_wrong_checksum_saves_nothing(tmp_path, cache, monkeypatch):
    url = _serve(tmp_path, "toy.txt", b"tampered")
    _register(monkeypatch, url=url, path="toy.txt", sha256="0" * 64)
    with pytest.raises(DataError, match="does not match the expected sha256"):
        fetch("toy")
    assert not (cache / "toy.txt").exists()


def test_corrupt_cached_file_is_reported(cache, monkeypatch):
    (cache).mkdir(parents=True)
    (cache / "toy.txt").write_bytes(b"not the real thing")
    _register(monkeypatch, url="file:///nowhere", path="toy.txt", sha256="1" * 64)
    with pytest.raises(DataError, match=r"toy.txt: checksum mismatch.*delete it"):
        fetch("toy")


def test_offline_without_a_copy_says_what_to_do(tmp_path, cache, monkeypatch):
    _register(monkeypatch, url=(tmp_path / "absent.txt").as_uri(), path="toy.txt", sha256="2" * 64)
    with pytest.raises(DataError, match=r"not cached, and downloading .* failed.*GRADBOOK_DATA_DIR"):
        fetch("toy")


def test_a_cache_we_cannot_write_to_is_a_data_error(tmp_path, cache, monkeypatch):
    payload = b"hello"
    _register(
        monkeypatch,
        url=_serve(tmp_path, "toy.txt", payload),
        path="toy.txt",
        sha256=hashlib.sha256(payload).hexdigest(),
    )

    def read_only(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fetch_module, "atomic_write", read_only)
    with pytest.raises(
        DataError, match=r"toy.txt: cannot save the download \(Permission denied\).*GRADBOOK_DATA_DIR"
    ):
        fetch("toy")


def test_the_old_import_paths_name_the_classes_of_gradbook_errors():
    assert fetch_module.DataError is errors.DataError
    assert files.CheckpointError is errors.CheckpointError
    assert issubclass(DataError, GradbookError) and issubclass(errors.CheckpointError, GradbookError)


def test_unknown_data_set():
    with pytest.raises(DataError, match="unknown data set 'mnist'"):
        fetch("mnist")


@pytest.mark.parametrize("name", sorted(fetch_module.DATASETS))
def test_real_data_sets_verify_when_available(name):
    """With GRADBOOK_DATA_DIR pointing at the shared copies (as in CI), each verifies."""
    ds = fetch_module.DATASETS[name]
    if not (data_dir() / ds.path).exists():
        pytest.skip(f"{name} is not in {data_dir()}; set GRADBOOK_DATA_DIR to run this")
    assert fetch(name).name == ds.path.rsplit("/", 1)[-1]
