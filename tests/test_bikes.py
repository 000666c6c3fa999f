"""gradbook.bikes and the `gradbook` command line (Chapter 7), run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gradbook.bikes.checkpoint import CheckpointError, load_checkpoint, save_checkpoint  # noqa: E402
from gradbook.bikes.data import Normalizer, load_hours, make_features, split  # noqa: E402
from gradbook.bikes.model import Config, build_model  # noqa: E402
from gradbook.data.fetch import DataError, data_dir  # noqa: E402

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
    train, test = split(100, 0.2, seed=0)
    assert len(train) == 80 and len(test) == 20 and not set(train) & set(test)
    assert np.array_equal(split(100, 0.2, seed=0)[1], test)
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    norm = Normalizer.fit(X)
    np.testing.assert_allclose(norm.transform(X), [[-1, 0], [1, 0]])
    again = Normalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
    np.testing.assert_allclose(again.inverse(norm.transform(X)), X)


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
    proc = gradbook("bikes", "train", "--data", str(data), "--epochs", "3", "--out",
                    str(tmp_path / "model"), "--device", "cpu", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "test RMSE" in proc.stdout and "saved to" in proc.stdout
    assert "epoch" in proc.stderr                                    # the progress bar
    assert {p.name for p in (tmp_path / "model").iterdir()} == {
        "model.pt", "stats.json", "config.json", "manifest.json"}
    pred = gradbook("bikes", "predict", "--hr", "17", "--temp", "0.44", "--hum", "0.82",
                    "--windspeed", "0.28", "--workingday", "1", "--model-dir", str(tmp_path / "model"))
    assert pred.returncode == 0, pred.stderr
    assert pred.stdout.strip().isdigit()


def test_fetch_verifies_the_real_data_when_available(tmp_path):
    if not (data_dir() / "bike-sharing" / "hour.csv").exists():
        pytest.skip("bike data not in the cache; set GRADBOOK_DATA_DIR (CI does)")
    proc = gradbook("data", "fetch", "bikes")
    assert proc.returncode == 0 and "verified" in proc.stdout
