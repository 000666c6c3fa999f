"""The recorded comparison Chapter 11 shows: the Tiny GPT on characters and on BPE tokens."""

from __future__ import annotations

import hashlib
import json
import math

import pytest

from tests.helpers import ROOT, import_script
from tests.test_gpt_run import first_evaluation_problem

RUNS = ROOT / "docs" / "assets" / "runs"
# The two trainings must have had the same budget: the BPE model's steps were chosen from
# a probe to take the character model's training time; allowed: 10% either way.
BUDGET_RTOL = 0.10


def _tool():
    return import_script(ROOT / "tools" / "bpe_run.py")


@pytest.fixture(scope="module")
def record():
    return json.loads((RUNS / "ch11_bpe.json").read_text(encoding="utf-8"))


def test_page_files_are_rendered_from_the_recorded_json(record):
    for name, data in _tool().render(record).items():
        assert (RUNS / name).read_bytes() == data, f"{name}: run `python tools/bpe_run.py --render`"
    page = (ROOT / "docs" / "chapters" / "11-tokens.md").read_text(encoding="utf-8")
    for name in ("ch11_bpe_run.md", "ch11_bpe_samples.md"):
        assert f'--8<-- "docs/assets/runs/{name}"' in page
    assert "../assets/runs/ch11_bpe_loss.svg" in page


def test_a_tampered_record_is_caught(record):
    runs = {
        **record["runs"],
        "bpe": {**record["runs"]["bpe"], "summary": {**record["runs"]["bpe"]["summary"]}},
    }
    runs["bpe"]["summary"]["final"] = {"train": 1.0, "val": 1.0}
    tampered = {**record, "runs": runs}
    assert _tool().render(tampered)["ch11_bpe_run.md"] != (RUNS / "ch11_bpe_run.md").read_bytes()


def test_both_models_are_the_cpu_preset_with_one_budget(record):
    pytest.importorskip("torch")
    from gradbook.gpt.config import preset

    model_cfg, train_cfg = preset("cpu")
    chars, bpe = record["runs"]["chars"], record["runs"]["bpe"]
    for run in (chars, bpe):
        mc, tc = run["model_config"], run["train_config"]
        shape = (mc["n_layer"], mc["n_head"], mc["n_embd"], mc["block_size"], mc["dropout"])
        assert shape == (model_cfg.n_layer, model_cfg.n_head, model_cfg.n_embd, model_cfg.block_size, 0.0)
        assert tc == {**tc, "batch_size": train_cfg.batch_size, "lr": train_cfg.lr, "seed": train_cfg.seed}
        assert run["summary"]["steps"] == tc["max_iters"] and not run["summary"]["resumed"]
        assert run["history"][-1][0] == tc["max_iters"]
    assert chars["summary"]["tokenizer"] == "characters" and chars["train_config"]["max_iters"] == 2000
    assert (
        bpe["summary"]["tokenizer"] == "BPE"
        and bpe["summary"]["vocab_size"] == bpe["model_config"]["vocab_size"]
    )
    assert "--tokenizer" in bpe["command"] and "--tokenizer" not in chars["command"]
    a, b = chars["summary"]["seconds"], bpe["summary"]["seconds"]
    assert abs(b - a) <= BUDGET_RTOL * a, f"training times {a:.0f} s and {b:.0f} s are not one budget"


def test_bits_per_character_are_the_losses_rescaled(record):
    tool = _tool()
    for run in record["runs"].values():
        s = run["summary"]
        for split in ("train", "val"):
            expected = s["final"][split] * s["tokens_per_char"][split] / math.log(2)
            assert s["final_bits_per_char"][split] == pytest.approx(expected, rel=1e-12)
        assert tool.bits_per_char(run, s["final"]["val"]) == pytest.approx(s["final_bits_per_char"]["val"])
    assert record["runs"]["chars"]["summary"]["tokens_per_char"]["val"] == 1


def test_the_tokenizer_is_learnt_again_byte_for_byte(tmp_path, record):
    """Training BPE is integer counting: every machine learns the same merges."""
    from gradbook.errors import DataError
    from gradbook.gpt.data import load_text
    from gradbook.tokens.tokenizer import END_OF_TEXT, BPETokenizer

    try:
        text = load_text()
    except DataError as exc:
        pytest.skip(f"Tiny Shakespeare is not available: {exc}")
    tok = BPETokenizer.train(text, _tool().VOCAB_SIZE, special_tokens=[END_OF_TEXT])
    path = tok.save(tmp_path / "tokenizer.json")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["tokenizer"]["sha256"]
    assert record["runs"]["bpe"]["summary"]["tokens_per_char"]["val"] == pytest.approx(
        len(tok.encode(text[int(len(text) * 0.9) :])) / (len(text) - int(len(text) * 0.9)), rel=1e-12
    )


def test_recorded_first_evaluation_of_the_bpe_model_is_reproduced(record):
    """As for Chapter 10's run (tests/test_gpt_run.py): the seeded model's step-0 losses."""
    torch = pytest.importorskip("torch")
    from gradbook.errors import DataError
    from gradbook.gpt.config import GPTConfig, TrainConfig
    from gradbook.gpt.data import TextData, load_text
    from gradbook.gpt.train import train
    from gradbook.tokens.tokenizer import END_OF_TEXT, BPETokenizer

    try:
        text = load_text()
    except DataError as exc:
        pytest.skip(f"Tiny Shakespeare is not available: {exc}")
    run = record["runs"]["bpe"]
    tokenizer = BPETokenizer.train(text, _tool().VOCAB_SIZE, special_tokens=[END_OF_TEXT])
    model_cfg = GPTConfig.from_dict(run["model_config"])
    assert model_cfg.vocab_size == tokenizer.vocab_size
    data = TextData.from_text(text, tokenizer, model_cfg.block_size)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            result = train(
                data, tokenizer, model_cfg, TrainConfig.from_dict(run["train_config"]), stop_after=0
            )
    finally:
        torch.set_num_threads(threads)
    problem = first_evaluation_problem(result.history[0], run["history"][0])
    assert problem is None, problem


def test_what_the_page_says_of_the_two_runs(record):
    """Section 11.10: BPE lower in bits per character throughout, about twice the
    characters per block and per second of generation, 57,216 more parameters."""
    chars, bpe = record["runs"]["chars"], record["runs"]["bpe"]
    tool = _tool()
    assert tool.bits_per_char(bpe, bpe["summary"]["final"]["val"]) < tool.bits_per_char(
        chars, chars["summary"]["final"]["val"]
    )
    for c, b in zip(chars["history"], bpe["history"]):  # the curve lies below at every evaluation
        assert tool.bits_per_char(bpe, b[2]) < tool.bits_per_char(chars, c[2])
    rate = {k: r["generation"]["chars"] / r["generation"]["seconds"] for k, r in record["runs"].items()}
    assert 1.6 < rate["bpe"] / rate["chars"] < 2.5
    assert 1.6 < 1 / bpe["summary"]["tokens_per_char"]["val"] < 2.5
    width = chars["model_config"]["n_embd"]
    assert bpe["parameters"] - chars["parameters"] == (512 - 65) * width == 57_216
    page = (ROOT / "docs" / "chapters" / "11-tokens.md").read_text(encoding="utf-8")
    assert "--max-iters " + str(bpe["summary"]["steps"]) in page
