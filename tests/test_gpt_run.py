"""The recorded Tiny GPT run that Chapter 10 shows: its files are rendered from its JSON."""

from __future__ import annotations

import json

import pytest

from tests.helpers import ROOT, import_script

RUNS = ROOT / "docs" / "assets" / "runs"


def _tool():
    return import_script(ROOT / "tools" / "gpt_run.py")


@pytest.fixture(scope="module")
def run():
    return json.loads((RUNS / "ch10_cpu.json").read_text(encoding="utf-8"))


def test_page_files_are_rendered_from_the_recorded_json(run):
    for name, data in _tool().render(run).items():
        assert (RUNS / name).read_bytes() == data, f"{name}: run `python tools/gpt_run.py --render`"


def test_recorded_run_is_the_cpu_preset_and_meets_the_target(run):
    pytest.importorskip("torch")
    from gradbook.gpt.config import preset

    model_cfg, train_cfg = preset("cpu")
    mc, tc = run["model_config"], run["train_config"]
    assert (mc["n_layer"], mc["n_head"], mc["n_embd"], mc["block_size"], mc["dropout"]) == (
        model_cfg.n_layer,
        model_cfg.n_head,
        model_cfg.n_embd,
        model_cfg.block_size,
        0.0,
    )
    assert (tc["batch_size"], tc["max_iters"]) == (train_cfg.batch_size, train_cfg.max_iters)
    assert tc == {**tc, "lr": train_cfg.lr, "min_lr": train_cfg.min_lr}  # today's settings
    assert run["summary"]["steps"] == 2000 and run["summary"]["final_eval_iters"] == 200
    assert run["summary"]["final"]["val"] <= 1.88
    assert run["history"][0][0] == 0 and run["history"][-1][0] == 2000
    assert run["history"][-1][2] < run["history"][0][2] - 2


def test_recorded_generate_command_is_the_readers_own(run):
    tool = _tool()
    argv, printed = run["generate"]["argv"], run["generate"]["stdout"]
    assert argv[:3] == tool.GENERATE[:3] and argv[-2:] == tool.GENERATE[-2:]
    assert argv[3:5] == ["--checkpoint", run["command"].split()[-1]]  # the run's own model
    assert printed.startswith(tool.GENERATE[-1]) and len(printed.strip()) > len(tool.GENERATE[-1])
    page = (ROOT / "docs" / "chapters" / "10-tiny-gpt.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/assets/runs/ch10_cpu_generate.md"' in page


def test_what_the_page_says_about_rust_in_the_text():
    import re

    from gradbook.errors import DataError
    from gradbook.gpt.data import load_text

    try:
        text = load_text()
    except DataError as exc:
        pytest.skip(f"Tiny Shakespeare is not available: {exc}")
    page = (ROOT / "docs" / "chapters" / "10-tiny-gpt.md").read_text(encoding="utf-8")
    claim = re.search(
        r"\*rust\* only as Shakespeare uses it, (\w+) times in the whole text\n"
        r'\("([^"]+)"\)',
        page,
    )
    assert claim, "the sentence about rust moved: update this test"
    words = {"five": 5}
    assert len(re.findall(r"\b[Rr]ust\b", text)) == words[claim.group(1)]
    assert claim.group(2) in text


# The recorded run's first evaluation (history[0], at step 0) is the freshly initialised,
# seeded model's mean loss over the seeded evaluation batches (eval_iters per split), so
# any machine can compute it again in seconds. It checks the initial weights, the text,
# the tokenizer and the choice of the evaluation batches, all of which the rest of the
# run depends on. The losses are float32: other kernels move them in the last bits.
# Measured: 0 here (AVX-512, 1 and 2 threads), at most 7.2e-8 with AVX2 kernels and with
# the generic kernels on one thread (`make test-foreign`), that is one float32 step
# (4.8e-7 at 4.17) in a batch or two of the 20 averaged. Allowed: about two such steps
# in every batch. A change to the model, its initialisation or the batches moves these
# losses far more (another seed: by 0.05).
FIRST_EVALUATION_ATOL = 1e-6


def first_evaluation_problem(fresh: list, recorded: list) -> str | None:
    """Why a fresh step-0 evaluation [step, train, val] differs from the recorded one, or None."""
    if fresh[0] != recorded[0]:
        return f"evaluated at step {fresh[0]}, recorded at step {recorded[0]}"
    for split, a, b in zip(("train", "val"), fresh[1:], recorded[1:]):
        if not abs(a - b) <= FIRST_EVALUATION_ATOL:
            return (
                f"step-0 {split} loss {a!r} vs recorded {b!r} (|diff| {abs(a - b):.3g} > "
                f"{FIRST_EVALUATION_ATOL:g}): the model, its initialisation or the "
                "evaluation batches changed since the run was recorded; re-record it"
            )
    return None


def test_recorded_first_evaluation_is_reproduced(run):
    torch = pytest.importorskip("torch")
    from gradbook.errors import DataError
    from gradbook.gpt.config import GPTConfig, TrainConfig
    from gradbook.gpt.data import TextData, load_text
    from gradbook.gpt.tokenizer import CharTokenizer
    from gradbook.gpt.train import train

    assert run["summary"]["data"] == "Tiny Shakespeare" and not run["summary"]["resumed"]
    try:
        text = load_text()
    except DataError as exc:
        pytest.skip(f"Tiny Shakespeare is not available: {exc}")
    tokenizer = CharTokenizer.from_text(text)
    model_cfg = GPTConfig.from_dict(run["model_config"])
    train_cfg = TrainConfig.from_dict(run["train_config"])
    assert model_cfg.vocab_size == tokenizer.vocab_size
    data = TextData.from_text(text, tokenizer, model_cfg.block_size)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small model: as fast, and the same numbers (measured)
    try:  # train's own step-0 evaluation, stopping before the first optimizer step
        with torch.random.fork_rng(devices=[]):  # train seeds the global generator
            result = train(data, tokenizer, model_cfg, train_cfg, stop_after=0)
    finally:
        torch.set_num_threads(threads)
    assert result.step == 0 and len(result.history) == 1
    problem = first_evaluation_problem(result.history[0], run["history"][0])
    assert problem is None, problem


def test_first_evaluation_check_fails_beyond_its_tolerance(run):
    step, train_loss, val_loss = run["history"][0]
    assert first_evaluation_problem([step, train_loss, val_loss], run["history"][0]) is None
    near = 0.5 * FIRST_EVALUATION_ATOL
    assert first_evaluation_problem([step, train_loss + near, val_loss - near], run["history"][0]) is None
    beyond = 2 * FIRST_EVALUATION_ATOL
    for moved in ([step, train_loss + beyond, val_loss], [step, train_loss, val_loss - beyond]):
        assert "step-0" in first_evaluation_problem(moved, run["history"][0])
    assert "step 1" in first_evaluation_problem([1, train_loss, val_loss], run["history"][0])


def test_a_tampered_table_is_caught(run):
    tampered = {**run, "summary": {**run["summary"], "final": {"train": 1.0, "val": 1.0}}}
    assert _tool().render(tampered)["ch10_cpu_run.md"] != (RUNS / "ch10_cpu_run.md").read_bytes()
