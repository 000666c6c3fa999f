"""The recorded Tiny GPT run that Chapter 9 shows: its files are rendered from its JSON."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from conftest import ROOT

RUNS = ROOT / "docs" / "assets" / "runs"


def _tool():
    spec = importlib.util.spec_from_file_location("gpt_run", ROOT / "tools" / "gpt_run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run():
    return json.loads((RUNS / "ch09_cpu.json").read_text(encoding="utf-8"))


def test_page_files_are_rendered_from_the_recorded_json(run):
    for name, data in _tool().render(run).items():
        assert (RUNS / name).read_bytes() == data, f"{name}: run `python tools/gpt_run.py --render`"


def test_recorded_run_is_the_cpu_preset_and_meets_the_target(run):
    pytest.importorskip("torch")
    from gradbook.gpt.train import preset
    model_cfg, train_cfg = preset("cpu")
    mc, tc = run["model_config"], run["train_config"]
    assert (mc["n_layer"], mc["n_head"], mc["n_embd"], mc["block_size"], mc["dropout"]) == (
        model_cfg.n_layer, model_cfg.n_head, model_cfg.n_embd, model_cfg.block_size, 0.0)
    assert (tc["batch_size"], tc["max_iters"]) == (train_cfg.batch_size, train_cfg.max_iters)
    assert tc == {**tc, "lr": train_cfg.lr, "min_lr": train_cfg.min_lr}   # today's settings
    assert run["summary"]["steps"] == 2000 and run["summary"]["final_eval_iters"] == 200
    assert run["summary"]["final"]["val"] <= 1.88
    assert run["history"][0][0] == 0 and run["history"][-1][0] == 2000
    assert run["history"][-1][2] < run["history"][0][2] - 2


def test_a_tampered_table_is_caught(run):
    tampered = {**run, "summary": {**run["summary"], "final": {"train": 1.0, "val": 1.0}}}
    assert _tool().render(tampered)["ch09_cpu_run.md"] != (RUNS / "ch09_cpu_run.md").read_bytes()
