"""gradbook.gpt (Chapter 10): tokenizer, data, model, generation, training, checkpoints, CLI."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch")  # the Tiny GPT is built on PyTorch

from gradbook import cli  # noqa: E402  (after importorskip)
from gradbook.errors import CheckpointError, DataError, SettingsError, TokenizerError  # noqa: E402  (after importorskip)
from gradbook.gpt import checkpoint  # noqa: E402  (after importorskip)
from gradbook.gpt.config import GPTConfig, TrainConfig, preset  # noqa: E402  (after importorskip)
from gradbook.gpt.data import TextData, get_batch, load_text  # noqa: E402  (after importorskip)
from gradbook.gpt.generate import generate, next_token_distribution  # noqa: E402  (after importorskip)
from gradbook.gpt.model import KVCache, TinyGPT  # noqa: E402  (after importorskip)
from gradbook.gpt.tokenizer import CharTokenizer, UnknownCharacters  # noqa: E402  (after importorskip)
from gradbook.gpt.train import lr_at, make_optimizer, model_from_checkpoint, train  # noqa: E402  (after importorskip)
from tests.helpers import GPT_TEXT as TEXT  # noqa: E402  (after importorskip)

TINY = GPTConfig(vocab_size=30, block_size=16, n_layer=2, n_head=2, n_embd=16)


def _tiny_setup(dropout=0.0, **train_kw):
    tok = CharTokenizer.from_text(TEXT)
    model_cfg = replace(TINY, vocab_size=tok.vocab_size, dropout=dropout)
    cfg = TrainConfig(
        max_iters=20,
        batch_size=8,
        lr=3e-3,
        min_lr=3e-4,
        warmup_iters=5,
        eval_interval=5,
        eval_iters=2,
        final_eval_iters=4,
        seed=0,
    )
    cfg = replace(cfg, **train_kw)
    return TextData.from_text(TEXT, tok, model_cfg.block_size), tok, model_cfg, cfg


# The tokenizer and the data


def test_tokenizer_round_trips_and_names_unknown_characters():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == " dehlorw" and tok.vocab_size == 8
    assert tok.decode(tok.encode("low word")) == "low word"
    with pytest.raises(UnknownCharacters, match=r"2 character\(s\).*'Q', 'z'"):
        tok.encode("Qzero")
    assert issubclass(UnknownCharacters, TokenizerError)  # so the command line reports it in one line
    assert CharTokenizer.from_dict(tok.to_dict()).stoi == tok.stoi


def test_split_is_first_90_percent_then_last_10(tmp_path):
    tok = CharTokenizer.from_text(TEXT)
    data = TextData.from_text(TEXT, tok, 16)
    n = int(len(TEXT) * 0.9)
    assert tok.decode(data.train) == TEXT[:n] and tok.decode(data.val) == TEXT[n:]
    x, y = get_batch(data.train, 16, 5, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (5, 16)
    assert torch.equal(x[:, 1:], y[:, :-1])  # y is x shifted by one


@pytest.mark.parametrize(
    "content,message",
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"\xff\xfe abc", "not UTF-8"),
    ],
)
def test_load_text_errors(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_text(path)


def test_a_folder_is_not_a_text_file(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        load_text(tmp_path)


def test_text_shorter_than_a_block_is_an_error():
    tok = CharTokenizer.from_text(TEXT)
    with pytest.raises(DataError, match="too short: the validation split has 12"):
        TextData.from_text(TEXT[:120], tok, 16, source="short.txt")


def test_bpe_data_is_cut_at_90_percent_of_the_characters_and_scored_per_character():
    from gradbook.tokens.tokenizer import BPETokenizer

    n = int(len(TEXT) * 0.9)
    bpe = BPETokenizer.train(TEXT, 300)
    data = TextData.from_text(TEXT, bpe, 16)
    assert bpe.decode(data.train.tolist()) == TEXT[:n] and bpe.decode(data.val.tolist()) == TEXT[n:]
    assert (data.train_chars, data.val_chars) == (n, len(TEXT) - n)
    assert len(data.val) < data.val_chars  # merges: fewer tokens than characters
    loss = 2.0
    assert data.bits_per_char(loss) == pytest.approx(loss * len(data.val) / (len(TEXT) - n) / math.log(2))
    chars = TextData.from_text(TEXT, CharTokenizer.from_text(TEXT), 16)
    assert chars.tokens_per_char("val") == 1 and chars.bits_per_char(loss) == pytest.approx(
        loss / math.log(2)
    )


def test_a_checkpoint_names_its_kind_of_tokenizer():
    from gradbook.gpt.tokenizer import tokenizer_from_dict
    from gradbook.tokens.tokenizer import BPETokenizer

    bpe = BPETokenizer.train(TEXT, 280)
    assert tokenizer_from_dict(bpe.to_dict()).encode(TEXT) == bpe.encode(TEXT)
    chars = CharTokenizer.from_text(TEXT)
    assert tokenizer_from_dict(chars.to_dict()).encode(TEXT) == chars.encode(TEXT)
    for damaged in ({"format": "gradbook-bpe/1", "merges": "x"}, {"letters": "abc"}, [1, 2]):
        with pytest.raises(TokenizerError):
            tokenizer_from_dict(damaged)


# The model


def _twins(seed=0, **kw):
    torch.manual_seed(seed)
    explicit = TinyGPT(replace(TINY, attention="explicit", **kw))
    sdpa = TinyGPT(replace(TINY, attention="sdpa", **kw))
    sdpa.load_state_dict(explicit.state_dict())
    return explicit.eval(), sdpa.eval()


def test_explicit_and_sdpa_attention_give_the_same_output():
    explicit, sdpa = _twins()
    idx = torch.randint(0, TINY.vocab_size, (3, TINY.block_size), generator=torch.Generator().manual_seed(1))
    targets = torch.roll(idx, -1, dims=1)
    (a, loss_a), (b, loss_b) = explicit(idx, targets), sdpa(idx, targets)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    loss_a.backward(), loss_b.backward()
    for (name, pa), pb in zip(explicit.named_parameters(), sdpa.parameters()):
        torch.testing.assert_close(pa.grad, pb.grad, rtol=0, atol=1e-5, msg=name)


def test_backward_outside_autocast_gives_the_same_gradients():
    # train() runs forward and loss under autocast, backward after leaving it, as
    # PyTorch advises; backward ops use the dtypes their forward ops chose either way.
    # Measured here with the CPU's bfloat16 autocast (train's is on CUDA only).
    torch.manual_seed(0)
    model = TinyGPT(TINY)
    idx = torch.randint(0, TINY.vocab_size, (3, TINY.block_size), generator=torch.Generator().manual_seed(1))
    targets = torch.roll(idx, -1, dims=1)

    def grads(backward_inside: bool):
        model.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            _, loss = model(idx, targets)
            if backward_inside:
                loss.backward()
        if not backward_inside:
            loss.backward()
        return [p.grad.clone() for p in model.parameters()]

    inside, outside = grads(True), grads(False)
    assert any(g.abs().sum() > 0 for g in outside)
    for a, b in zip(inside, outside):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_attention_is_causal():
    model, _ = _twins()
    idx = torch.randint(0, TINY.vocab_size, (1, 10))
    changed = idx.clone()
    changed[0, 6:] = (changed[0, 6:] + 1) % TINY.vocab_size
    a, b = model(idx)[0], model(changed)[0]
    torch.testing.assert_close(a[0, :6], b[0, :6])  # the past never sees the future
    assert not torch.allclose(a[0, 6:], b[0, 6:])


@pytest.mark.parametrize("attention", ["explicit", "sdpa"])
def test_cached_forward_equals_full_forward(attention):
    explicit, sdpa = _twins()
    model = explicit if attention == "explicit" else sdpa
    idx = torch.randint(0, TINY.vocab_size, (2, 12))
    full, _ = model(idx)
    cache = KVCache(model.config, batch=2)
    parts = [model(idx[:, :5], cache=cache)[0]] + [
        model(idx[:, t : t + 1], cache=cache)[0] for t in range(5, 12)
    ]
    torch.testing.assert_close(torch.cat(parts, dim=1), full, rtol=0, atol=1e-5)


def test_context_longer_than_the_block_is_an_error():
    model, _ = _twins()
    with pytest.raises(ValueError, match="block size is 16"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_head_is_tied_and_parameters_counted_once():
    model, _ = _twins()
    assert model.head.weight is model.tok_emb.weight
    opt = make_optimizer(model, TrainConfig(), torch.device("cpu"))
    decay, no_decay = opt.param_groups
    assert all(p.dim() >= 2 for p in decay["params"]) and decay["weight_decay"] == 0.1
    assert all(p.dim() == 1 for p in no_decay["params"]) and no_decay["weight_decay"] == 0.0
    assert sum(p.numel() for g in opt.param_groups for p in g["params"]) == model.num_parameters()


# Sampling and generation


def test_temperature_and_top_k_reshape_the_distribution():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])

    def entropy(p):
        return -(p * p.clamp_min(1e-30).log()).sum().item()

    cold, warm = next_token_distribution(logits, 0.5), next_token_distribution(logits, 2.0)
    assert entropy(cold) < entropy(next_token_distribution(logits, 1.0)) < entropy(warm)
    top2 = next_token_distribution(logits, 1.0, top_k=2)
    assert top2[2:].sum() == 0 and math.isclose(top2.sum().item(), 1.0, rel_tol=1e-6)
    torch.testing.assert_close(top2[:2], torch.softmax(logits[:2], 0))
    for bad in (0.0, -1.0):
        with pytest.raises(SettingsError, match="temperature must be positive"):
            next_token_distribution(logits, bad)


@pytest.mark.parametrize("attention", ["explicit", "sdpa"])
@pytest.mark.parametrize("top_k", [None, 5])
def test_cached_and_uncached_generation_give_identical_tokens(attention, top_k):
    explicit, sdpa = _twins(seed=3)
    model = explicit if attention == "explicit" else sdpa
    prompt = [1, 2, 3]
    # 60 new tokens with a block of 16: the window slides several times
    a = generate(model, prompt, 60, temperature=1.0, top_k=top_k, seed=7, use_cache=True)
    b = generate(model, prompt, 60, temperature=1.0, top_k=top_k, seed=7, use_cache=False)
    assert a == b and len(a) == 63 and a[:3] == prompt
    c = generate(model, prompt, 60, temperature=1.0, top_k=top_k, seed=8)
    assert c != a  # the seed matters


# Training, checkpoints and resuming


def test_learning_rate_schedule():
    cfg = TrainConfig(max_iters=1000, lr=1e-3, min_lr=1e-4, warmup_iters=100)
    assert lr_at(0, cfg) == pytest.approx(1e-5) and lr_at(99, cfg) == pytest.approx(1e-3)
    assert lr_at(550, cfg) == pytest.approx(5.5e-4) and lr_at(1000, cfg) == pytest.approx(1e-4)
    decay = [lr_at(s, cfg) for s in range(100, 1001)]
    assert all(a >= b for a, b in zip(decay, decay[1:]))


def test_training_lowers_the_loss(tmp_path):
    data, tok, model_cfg, cfg = _tiny_setup(max_iters=60, eval_interval=20, lr=1e-2, min_lr=1e-3)
    result = train(data, tok, model_cfg, cfg)
    steps = [h[0] for h in result.history]
    assert steps == [0, 20, 40, 60]
    first, last = result.history[0], result.history[-1]
    assert first[1] > math.log(tok.vocab_size) - 0.2  # starts near chance
    assert last[1] < first[1] - 1.0 and last[2] < first[2] - 1.0
    assert set(result.final) == {"train", "val"}


def test_resume_continues_exactly_where_it_stopped(tmp_path):
    data, tok, model_cfg, cfg = _tiny_setup(dropout=0.1, max_iters=16, eval_interval=5)
    straight = train(data, tok, model_cfg, cfg)
    first = train(data, tok, model_cfg, cfg, out=tmp_path / "run", stop_after=8)
    assert first.step == 8 and not first.final
    state = checkpoint.load(tmp_path / "run")
    assert state["step"] == 8
    resumed = train(data, tok, model_cfg, cfg, out=tmp_path / "run", resume=state)
    assert resumed.step == 16
    for (name, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    assert resumed.history == straight.history
    assert resumed.final == straight.final


def test_checkpoint_round_trip_and_overwrite_is_atomic(tmp_path, monkeypatch):
    data, tok, model_cfg, cfg = _tiny_setup(max_iters=5)
    result = train(data, tok, model_cfg, cfg, out=tmp_path / "run")
    model, tok2 = model_from_checkpoint(checkpoint.load(tmp_path / "run"))
    assert tok2.chars == tok.chars
    for a, b in zip(model.state_dict().values(), result.model.state_dict().values()):
        assert torch.equal(a, b)
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(tmp_path / "run", checkpoint.load(tmp_path / "run"))
    assert (tmp_path / "run" / "checkpoint.pt").read_bytes() == before
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["checkpoint.pt"]


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_checkpoint_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "evil").mkdir()
    torch.save(
        {"format": checkpoint.FORMAT, "model": _Exploit(str(marker))}, tmp_path / "evil" / "checkpoint.pt"
    )
    with pytest.raises(CheckpointError, match="refused to load"):
        checkpoint.load(tmp_path / "evil")
    assert not marker.exists()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"not a zip file", "damaged or not a checkpoint"),
        (None, "no checkpoint here"),
    ],
)
def test_damaged_or_missing_checkpoint(tmp_path, content, message):
    (tmp_path / "m").mkdir()
    if content is not None:
        (tmp_path / "m" / "checkpoint.pt").write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(tmp_path / "m")


def test_presets_match_the_book():
    model_cfg, cfg = preset("cpu")
    assert (
        model_cfg.n_layer,
        model_cfg.n_head,
        model_cfg.n_embd,
        model_cfg.block_size,
        cfg.batch_size,
        cfg.max_iters,
        model_cfg.dropout,
    ) == (4, 4, 128, 64, 12, 2000, 0.0)
    model_cfg, cfg = preset("gpu")
    assert (
        model_cfg.n_layer,
        model_cfg.n_head,
        model_cfg.n_embd,
        model_cfg.block_size,
        cfg.batch_size,
        cfg.max_iters,
        model_cfg.dropout,
    ) == (6, 6, 384, 256, 64, 5000, 0.2)


# The command line


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint made by `gradbook gpt train`, run as a user would."""
    root = tmp_path_factory.mktemp("gpt")
    (root / "corpus.txt").write_text(TEXT * 3)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gradbook.cli",
            "gpt",
            "train",
            "--data",
            str(root / "corpus.txt"),
            "--max-iters",
            "3",
            "--out",
            str(root / "m"),
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "3 steps in" in done.stdout and "val" in done.stdout
    return root


def _gen(trained, *extra):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gradbook.cli",
            "gpt",
            "generate",
            "--checkpoint",
            str(trained / "m"),
            "--device",
            "cpu",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_generate_from_the_command_line_is_reproducible(trained):
    a = _gen(trained, "--prompt", "First ", "--length", "40", "--seed", "1", "--top-k", "5")
    b = _gen(trained, "--prompt", "First ", "--length", "40", "--seed", "1", "--top-k", "5")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout and a.stdout.startswith("First ") and len(a.stdout) == 47


@pytest.mark.parametrize(
    "args,message",
    [
        (["--prompt", "First", "--temperature", "0"], "--temperature: must be positive"),
        (["--prompt", "First", "--length", "0"], "--length: must be positive"),
        (["--prompt", "First QX"], r"2 character\(s\) not in the model's vocabulary: 'Q', 'X'"),
        (["--prompt", ""], "--prompt must not be empty"),
    ],
)
def test_generate_bad_input_is_one_line(trained, capsys, args, message):
    err = _cli_error(capsys, "gpt", "generate", "--checkpoint", str(trained / "m"), "--device", "cpu", *args)
    assert re.search(message, err), err


def _cli_error(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own checks exit directly
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    return err


# {tmp}: a fresh folder holding a damaged checkpoint (bad/), an empty and a short text;
# {trained}: the folder of the `trained` fixture, with its text and 3-step checkpoint (m/).
@pytest.mark.parametrize(
    "args,message",
    [
        pytest.param(
            ["generate", "--checkpoint", "{tmp}/none", "--prompt", "a"],
            "no checkpoint here",
            id="generate-none",
        ),
        pytest.param(
            ["generate", "--checkpoint", "{tmp}/bad", "--prompt", "a"], "damaged", id="generate-damaged"
        ),
        pytest.param(
            ["train", "--data", "{tmp}/missing.txt", "--out", "{tmp}/o"], "no such file", id="missing-text"
        ),
        pytest.param(["train", "--data", "{tmp}/empty.txt", "--out", "{tmp}/o"], "empty", id="empty-text"),
        pytest.param(
            ["train", "--data", "{tmp}/short.txt", "--out", "{tmp}/o"], "too short", id="short-text"
        ),
        pytest.param(
            ["train", "--data", "{trained}/corpus.txt", "--out", "{trained}/m"],
            "already holds a checkpoint",
            id="train-over-a-checkpoint",
        ),
        pytest.param(["train", "--resume", "--out", "{tmp}/o"], "no checkpoint here", id="resume-none"),
        pytest.param(
            ["train", "--resume", "--data", "{trained}/corpus.txt", "--out", "{trained}/m"],
            "already trained for 3 steps",
            id="resume-finished",
        ),
    ],
)
def test_train_and_generate_errors(trained, tmp_path, capsys, args, message):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "checkpoint.pt").write_bytes(b"garbage")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "short.txt").write_text("To be, or not to be" * 10)
    argv = [arg.format(tmp=tmp_path, trained=trained) for arg in args]
    assert message in _cli_error(capsys, "gpt", *argv)
    assert not (tmp_path / "o").exists()  # a command that fails writes nothing


@pytest.fixture(scope="module")
def trained_bpe(trained):
    """`gradbook tokens train`, then `gradbook gpt train --tokenizer`, as a user runs them."""
    corpus = trained / "corpus.txt"
    for argv in (
        ["tokens", "train", "--data", str(corpus), "--vocab-size", "300", "--out", str(trained / "tok.json")],
        [
            "gpt",
            "train",
            "--data",
            str(corpus),
            "--tokenizer",
            str(trained / "tok.json"),
            "--max-iters",
            "3",
            "--out",
            str(trained / "bpe"),
            "--device",
            "cpu",
        ],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "gradbook.cli", *argv], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    assert "bits per character" in done.stdout and "(BPE)" in done.stderr
    return trained


def test_a_bpe_checkpoint_trains_records_bits_per_char_and_generates(trained_bpe):
    from gradbook.tokens.tokenizer import BPETokenizer

    summary = json.loads((trained_bpe / "bpe" / "summary.json").read_text())
    assert summary["tokenizer"] == "BPE" and summary["vocab_size"] == 300
    per_char = summary["tokens_per_char"]["val"]
    assert 0.2 < per_char < 1
    assert summary["final_bits_per_char"]["val"] == pytest.approx(
        summary["final"]["val"] * per_char / math.log(2)
    )
    state = checkpoint.load(trained_bpe / "bpe")
    assert state["tokenizer"] == BPETokenizer.load(trained_bpe / "tok.json").to_dict()
    model, tok = model_from_checkpoint(state)
    assert isinstance(tok, BPETokenizer) and model.config.vocab_size == 300
    args = ["--checkpoint", str(trained_bpe / "bpe"), "--prompt", "First ", "--length", "20", "--seed", "3"]
    b = subprocess.run(
        [sys.executable, "-m", "gradbook.cli", "gpt", "generate", "--device", "cpu", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    c = subprocess.run(
        [sys.executable, "-m", "gradbook.cli", "gpt", "generate", "--device", "cpu", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert b.returncode == 0, b.stderr
    assert b.stdout == c.stdout and b.stdout.startswith("First ")


@pytest.mark.parametrize(
    "args,message",
    [
        pytest.param(["--tokenizer", "{tmp}/none.json", "--out", "{tmp}/o"], "no such file", id="missing"),
        pytest.param(
            ["--tokenizer", "{tmp}/bad.json", "--out", "{tmp}/o"], "not a tokenizer file", id="damaged"
        ),
        pytest.param(
            ["--tokenizer", "{trained}/tok.json", "--resume", "--max-iters", "9", "--out", "{trained}/bpe"],
            "keeps the tokenizer of its checkpoint",
            id="with-resume",
        ),
    ],
)
def test_bad_tokenizer_options_are_one_line(trained_bpe, tmp_path, capsys, args, message):
    (tmp_path / "bad.json").write_text("{not json")
    before = (trained_bpe / "bpe" / "checkpoint.pt").read_bytes()
    argv = [arg.format(tmp=tmp_path, trained=trained_bpe) for arg in args]
    assert message in _cli_error(capsys, "gpt", "train", "--data", str(trained_bpe / "corpus.txt"), *argv)
    assert not (tmp_path / "o").exists()
    assert (trained_bpe / "bpe" / "checkpoint.pt").read_bytes() == before  # nothing saved is lost


@pytest.mark.parametrize(
    "settings,d,message",
    [
        (GPTConfig, {"n_embed": 128}, "unknown model settings: n_embed"),
        (TrainConfig, {"lr_max": 1e-3}, "unknown training settings: lr_max"),
        (GPTConfig, {"n_head": 0}, "n_head must be a positive integer, got 0"),
        (TrainConfig, {"batch_size": 2.5}, "batch_size must be a positive integer, got 2.5"),
    ],
)
def test_settings_from_a_checkpoint_are_checked(settings, d, message):
    with pytest.raises(SettingsError, match=message):
        settings.from_dict(d)


def test_good_settings_from_a_checkpoint_are_kept():
    assert TrainConfig.from_dict({"lr": 1e-3, "min_lr": 1e-4}).lr == 1e-3
