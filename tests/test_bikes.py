"""gradbook.bikes and the `gradbook` command line (Chapter 7), run as a user would."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gradbook.bikes.checkpoint import CheckpointError, load_checkpoint, save_checkpoint  # noqa: E402
from gradbook.bikes.data import Normalizer, find_hours, load_hours, make_features, split  # noqa: E402
from gradbook.bikes.model import Config, build_model  # noqa: E402
from gradbook.data.fetch import DataError, data_dir  # noqa: E402
from gradbook.files import atomic_write, fsync_folder  # noqa: E402

PAGE = Path(__file__).resolve().parents[1] / "docs" / "chapters" / "07-real-data.md"
HAVE_DATA = (data_dir() / "bike-sharing" / "hour.csv").exists()

HEADER = "instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed,casual,registered,cnt"


def _csv(tmp_path, rows: list[str], header: str = HEADER):
    path = tmp_path / "hour.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _row(hr=0, temp=0.24, hum=0.81, wind=0.0, working=0, cnt=16):
    return f"1,2011-01-01,1,0,1,{hr},0,6,{working},1,{temp},0.2879,{hum},{wind},3,13,{cnt}"


def _synthetic(tmp_path, n=400, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        hr, working = int(rng.integers(0, 24)), int(rng.integers(0, 2))
        temp, hum, wind = rng.uniform(0, 1, 3).round(3)
        cnt = int(50 + 200 * working * (hr in (8, 17, 18)) + 100 * temp + rng.integers(0, 20))
        rows.append(_row(hr, temp, hum, wind, working, cnt))
    return _csv(tmp_path, rows)


# Reading the CSV


def test_load_hours_reads_the_columns(tmp_path):
    table = load_hours(_csv(tmp_path, [_row(hr=5, cnt=40), _row(hr=6, cnt=50)]))
    assert table["hr"].tolist() == [5.0, 6.0] and table["cnt"].tolist() == [40.0, 50.0]


@pytest.mark.parametrize("rows,header,message", [
    ([], HEADER, "header but no rows"),
    ([_row()], HEADER.replace(",hum,", ",humidity,"), "missing column.*hum"),
    ([_row(), _row(temp="warm")], HEADER, r"line 3, column temp: value is not a number \('warm'\)"),
    ([_row(hum="")], HEADER, "line 2, column hum: value is empty"),
    (["1,2,3"], HEADER, "line 2: expected 17 fields, found 3"),
])
def test_load_hours_errors_name_file_line_and_column(tmp_path, rows, header, message):
    with pytest.raises(DataError, match=message):
        load_hours(_csv(tmp_path, rows, header))


def test_load_hours_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        load_hours(tmp_path / "empty.csv")
    with pytest.raises(DataError, match="no such file"):
        load_hours(tmp_path / "nope.csv")


def test_features_split_and_normaliser():
    table = {"hr": np.array([0.0, 6.0, 12.0, 18.0]), "temp": np.ones(4), "hum": np.zeros(4),
             "windspeed": np.zeros(4), "workingday": np.array([0.0, 1, 1, 0])}
    assert make_features(table).shape == (4, 5)
    cyc = make_features(table, cyclic_hour=True)
    assert cyc.shape == (4, 6)
    np.testing.assert_allclose(cyc[:, :2], [[0, 1], [1, 0], [0, -1], [-1, 0]], atol=1e-6)
    train, val, test = split(100, 0.1, 0.2, seed=0)
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    assert sorted([*train, *val, *test]) == list(range(100))       # every row once
    assert np.array_equal(split(100, 0.1, 0.2, seed=0)[2], test)
    assert not np.array_equal(split(100, 0.1, 0.2, seed=1)[2], test)
    train, val, test = split(100, 0.1, 0.2, chronological=True)     # earlier < later
    assert train.max() < val.min() and val.max() < test.min() and test.max() == 99
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    norm = Normalizer.fit(X)
    np.testing.assert_allclose(norm.transform(X), [[-1, 0], [1, 0]])
    again = Normalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
    np.testing.assert_allclose(again.inverse(norm.transform(X)), X)


def test_config_refuses_splits_that_leave_nothing_to_train_on():
    with pytest.raises(ValueError, match="val-fraction and test-fraction"):
        Config(val_fraction=0.5, test_fraction=0.5).check()
    with pytest.raises(ValueError, match="val-fraction and test-fraction"):
        Config(val_fraction=0.0).check()
    Config().check()


# Checkpoints


def _saved(tmp_path):
    config = Config(model="mlp", hidden=4)
    model = build_model(config, 5)
    norm = Normalizer(np.zeros(5), np.ones(5))
    target = Normalizer(np.zeros(1), np.ones(1))
    return save_checkpoint(tmp_path / "ckpt", model, norm, target, config), model


def test_checkpoint_roundtrip(tmp_path):
    path, model = _saved(tmp_path)
    loaded, inputs, target, config = load_checkpoint(path)
    x = torch.ones(2, 5)
    assert torch.equal(loaded(x), model(x)) and config.hidden == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]     # no leftovers


def test_corrupted_or_partial_checkpoints_are_reported(tmp_path):
    path, _ = _saved(tmp_path)
    with open(path / "model.pt", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01")
    with pytest.raises(CheckpointError, match="model.pt: does not match its checksum"):
        load_checkpoint(path)
    (path / "manifest.json").unlink()
    with pytest.raises(CheckpointError, match="incomplete checkpoint"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="no checkpoint here"):
        load_checkpoint(tmp_path / "missing")


def test_a_failed_save_keeps_the_good_checkpoint(tmp_path, monkeypatch):
    path, model = _saved(tmp_path)
    before = (path / "manifest.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
        save_checkpoint(path, model, Normalizer(np.ones(5), np.ones(5)),
                        Normalizer(np.zeros(1), np.ones(1)), Config(model="mlp", hidden=4))
    assert (path / "manifest.json").read_text() == before
    load_checkpoint(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]


def _record_syncs(monkeypatch):
    """Log every fsync (as 'file' or 'folder') and rename, in the order they happen."""
    events, fsync, replace = [], os.fsync, os.replace

    def logged_fsync(fd):
        events.append("folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "file")
        fsync(fd)

    def logged_replace(src, dst):
        events.append("rename")
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    return events


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_atomic_write_syncs_the_file_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = _record_syncs(monkeypatch)
    with atomic_write(tmp_path / "out.bin") as fh:
        fh.write(b"new")
    assert events == ["file", "rename", "folder"]
    assert (tmp_path / "out.bin").read_bytes() == b"new"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_checkpoint_swap_syncs_files_and_folders_before_and_after_renaming(tmp_path, monkeypatch):
    path, model = _saved(tmp_path)
    events = _record_syncs(monkeypatch)
    save_checkpoint(path, model, Normalizer(np.ones(5), np.ones(5)),
                    Normalizer(np.zeros(1), np.ones(1)), Config(model="mlp", hidden=4))
    # four files, the staging folder, the two renames of the swap, then the parent folder
    assert events == ["file"] * 4 + ["folder", "rename", "rename", "folder"]
    assert load_checkpoint(path)[1].mean.tolist() == [1.0] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]


def test_fsync_folder_is_a_no_op_where_folders_cannot_be_opened(tmp_path, monkeypatch):
    def windows_open(*args, **kwargs):
        raise PermissionError(13, "Permission denied")       # what Windows says for a folder

    monkeypatch.setattr(os, "open", windows_open)
    fsync_folder(tmp_path)                                     # no error


def test_the_loader_makes_the_batches_of_a_shuffling_dataloader():
    # train() hands the DataLoader whole batches of indices (BatchSampler); the page says
    # the batches are those of DataLoader(..., batch_size=64, shuffle=True), only faster.
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset
    pairs = TensorDataset(torch.randn(300, 3), torch.randn(300, 1))
    plain = DataLoader(pairs, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
    shuffle = torch.Generator().manual_seed(0)
    batched = DataLoader(pairs, sampler=BatchSampler(RandomSampler(pairs, generator=shuffle), 64, False),
                         batch_size=None, generator=shuffle)
    for _ in range(2):                                                 # two epochs
        pairs_of_batches = list(zip(plain, batched, strict=True))
        assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in pairs_of_batches)


def test_find_hours_takes_a_path_or_a_name(tmp_path, monkeypatch):
    own = _csv(tmp_path, [_row()])
    assert find_hours(own) == own
    monkeypatch.chdir(tmp_path)
    assert find_hours("hour.csv") == Path("hour.csv")             # a file here wins
    with pytest.raises(DataError, match="other.csv: no such file, and not the name of a data set"):
        find_hours("other.csv")
    if HAVE_DATA:
        own.unlink()
        assert find_hours("hour.csv") == find_hours("bikes") == find_hours(None)
        assert find_hours(None) == data_dir() / "bike-sharing" / "hour.csv"


# The command line, as a user runs it


def gradbook(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "gradbook.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=600)


def test_help_on_every_level():
    for args in [(), ("data",), ("data", "fetch"), ("bikes",), ("bikes", "train"), ("bikes", "predict")]:
        proc = gradbook(*args, "--help")
        assert proc.returncode == 0 and "usage: gradbook" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["bikes", "predict", "--hr", "24", "--temp", ".5", "--hum", ".5", "--windspeed", ".1", "--workingday", "1"],
     "--hr must be between 0 and 23"),
    (["bikes", "predict", "--hr", "3", "--temp", "1.5", "--hum", ".5", "--windspeed", ".1", "--workingday", "1"],
     "--temp must be between 0 and 1"),
    (["bikes", "predict", "--hr", "3", "--temp", ".5", "--hum", "wet", "--windspeed", ".1", "--workingday", "1"],
     "--hum must be a float"),
    (["bikes", "predict", "--hr", "3", "--temp", ".5", "--hum", ".5", "--windspeed", ".1", "--workingday", "2"],
     "invalid choice: 2"),
    (["bikes", "predict", "--hr", "3", "--temp", ".5", "--hum", ".5", "--windspeed", ".1", "--workingday", "1",
      "--model-dir", "no-such-dir"], "no checkpoint here"),
    (["bikes", "train", "--epochs", "0"], "must be positive"),
    (["bikes", "train", "--dataset", "missing.csv", "--epochs", "1"], "missing.csv: no such file"),
    (["bikes", "train", "--data", "missing.csv", "--epochs", "1"], "missing.csv: no such file"),
    (["bikes", "train", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["bikes", "train", "--data", "x.csv", "--device", "tpu"], "device"),
    (["data", "fetch", "mnist"], "invalid choice: 'mnist'"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, args, message):
    proc = gradbook(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_train_then_predict(tmp_path):
    data = _synthetic(tmp_path)
    proc = gradbook("bikes", "train", "--dataset", str(data), "--epochs", "3", "--out",
                    str(tmp_path / "model"), "--device", "cpu", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1].split() == ["epoch", "linear", "train", "linear", "val", "mlp", "train", "mlp", "val"]
    assert [line.split()[0] for line in lines[2:5]] == ["1", "2", "3"]
    assert lines[5].startswith("test RMSE, bikes/hour: linear ")
    assert lines[6] == f"saved the mlp to {tmp_path / 'model'}"
    assert "epoch" in proc.stderr                                    # the progress bar
    assert {p.name for p in (tmp_path / "model").iterdir()} == {
        "model.pt", "stats.json", "config.json", "manifest.json"}
    pred = gradbook("bikes", "predict", "--hr", "17", "--temp", "0.44", "--hum", "0.82",
                    "--windspeed", "0.28", "--workingday", "1", "--model-dir", str(tmp_path / "model"))
    assert pred.returncode == 0, pred.stderr
    assert re.fullmatch(r"Predicted bike count: \d+\n", pred.stdout)
    assert json.loads((tmp_path / "model" / "config.json").read_text())["model"] == "mlp"


def test_fetch_verifies_the_real_data_when_available(tmp_path):
    if not (data_dir() / "bike-sharing" / "hour.csv").exists():
        pytest.skip("bike data not in the cache; set GRADBOOK_DATA_DIR (CI does)")
    proc = gradbook("data", "fetch", "bikes")
    assert proc.returncode == 0 and "verified" in proc.stdout


# The page's commands, run as they stand on the page, against the output it shows

NUMBER = re.compile(r"\d+\.\d+|\d+")
# Another CPU's kernels move float32 training a little (measured with foreign kernels
# on one thread and with AVX2 kernels: losses by up to 0.002, the MLP's test RMSE by
# 0.3 bikes, the two predictions by up to 5 bikes); the tolerances are a few times that.
LOSS_TOL, RMSE_TOL, COUNT_TOL = 0.01, 1.5, 20


def page_commands() -> list[tuple[str, str]]:
    """Each `gradbook bikes train|predict` command the page shows with the output it shows."""
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(r"```sh\n(gradbook bikes (?:train|predict) [^\n]*)\n```\n\n```text\n(.*?)```",
                      text, re.S)


def test_the_page_shows_train_and_both_predictions():
    commands = [command for command, _ in page_commands()]
    assert commands == [
        "gradbook bikes train --dataset hour.csv --epochs 20",
        "gradbook bikes predict --hr 17 --temp 0.44 --hum 0.82 --windspeed 0.28 --workingday 1",
        "gradbook bikes predict --hr 8 --temp 0.3 --hum 0.6 --windspeed 0.1 --workingday 1"]


@pytest.fixture(scope="module")
def page_runs(tmp_path_factory):
    """Run the page's commands once, in order, in an empty folder (train, then predict)."""
    if not HAVE_DATA:
        pytest.skip("bike data not in the cache; set GRADBOOK_DATA_DIR (CI does)")
    folder = tmp_path_factory.mktemp("page")
    runs = []
    for command, shown in page_commands():
        # one thread: these models are too small to gain from more, and on a busy
        # machine two threads can slow PyTorch's small kernels down many times
        proc = gradbook(*shlex.split(command)[1:], cwd=folder, env={"OMP_NUM_THREADS": "1"})
        assert proc.returncode == 0, proc.stderr
        runs.append((command, shown, proc.stdout))
    return runs


def _compare(shown: str, got: str, tolerance) -> None:
    assert NUMBER.sub("#", got) == NUMBER.sub("#", shown)           # the words, exactly
    for line_shown, line_got in zip(shown.splitlines(), got.splitlines()):
        for a, b in zip(NUMBER.findall(line_shown), NUMBER.findall(line_got)):
            assert abs(float(a) - float(b)) <= tolerance(line_shown, a), (line_shown, line_got)


def test_train_prints_what_the_page_shows(page_runs):
    command, shown, got = page_runs[0]

    def tolerance(line, number):
        if line.startswith("test RMSE"):
            return RMSE_TOL
        return LOSS_TOL if "." in number else 0                      # epochs exactly

    _compare(shown, got, tolerance)


def test_predict_prints_what_the_page_shows(page_runs):
    for command, shown, got in page_runs[1:]:
        assert re.fullmatch(r"Predicted bike count: \d+\n", got), got
        _compare(shown, got, lambda line, number: COUNT_TOL)
