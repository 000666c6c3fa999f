"""Chapter 9: names.txt, the bigram models, the MLP language model, backprop by hand, the CLI.

Every model here is tiny, so the whole file runs in seconds; the chapter's target
(the MLP with BatchNorm reaching dev loss 2.10) is measured by
``benchmarks/bench_ch09_names.py``, not by a test.
"""

from __future__ import annotations

import hashlib
import math

import pytest
import torch

from gradbook import cli
from gradbook.data.fetch import DATASETS, data_dir, sha256_of
from gradbook.errors import CheckpointError, DataError, SettingsError
from gradbook.names import backprop, bigram, metrics
from gradbook.names.checkpoint import checkpoint_file, load_model, save_model
from gradbook.names.data import VOCAB, build_dataset, decode, encode, load_names, split_names
from gradbook.names.mlp import (
    MLP,
    BatchNorm1d,
    MLPConfig,
    TrainConfig,
    evaluate,
    keep_gradients,
    learning_rate,
    lr_range_test,
    sample_names,
    tanh_stats,
    train_mlp,
)

NAMES_FILE = data_dir() / "names.txt"
HAVE_DATA = NAMES_FILE.is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="names.txt not in the cache; set GRADBOOK_DATA_DIR")
# A small, fixed list for the tests that need no download
FEW = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"] * 3
TINY = MLPConfig(emb_dim=4, hidden=16)


@pytest.fixture(scope="module")
def names() -> list[str]:
    if not HAVE_DATA:
        pytest.skip("names.txt not in the cache; set GRADBOOK_DATA_DIR")
    return load_names(NAMES_FILE)


@pytest.fixture(scope="module")
def split(names):
    return split_names(names)


# data


def test_vocabulary_has_the_boundary_first_then_a_to_z():
    assert len(VOCAB) == 27 and VOCAB[0] == "." and VOCAB[1:] == "abcdefghijklmnopqrstuvwxyz"
    assert decode(encode(".emma.")) == ".emma." and encode("az") == [1, 26]


def test_registry_entry_matches_the_offline_copy():
    entry = DATASETS["names"]
    assert entry.path == "names.txt"
    assert entry.url == "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
    if HAVE_DATA:
        assert sha256_of(NAMES_FILE) == entry.sha256


def test_names_load_all_32033(names):
    # 32,032 newlines, none after the last name: `wc -l` says 32032, but there are 32,033 names
    assert len(names) == 32_033 and names[:3] == ["emma", "olivia", "ava"] and names[-1] == "zzyzx"


def test_split_is_80_10_10_disjoint_and_the_same_everywhere(names, split):
    assert (len(split.train), len(split.dev), len(split.test)) == (25_626, 3_203, 3_204)
    assert sorted(split.train + split.dev + split.test) == sorted(names)
    assert split.train[:3] == ["yuheng", "diondre", "xavien"]  # random.Random(42): any machine
    digest = hashlib.sha256("\n".join([*split.train, "|", *split.dev, "|", *split.test]).encode())
    assert digest.hexdigest() == "fce70d0ee090a59861d023a4133c2d495a3569065dbfdf5222ba7ac87d7e6ad5"
    assert split_names(names, seed=1).train[:3] != split.train[:3]


@pytest.mark.parametrize(
    ("content", "line", "what"),
    [
        pytest.param(b"", None, "empty", id="empty"),
        pytest.param(b"emma\nOlivia\n", 2, "'O'", id="capital"),
        pytest.param(b"emma\nava\nmary ann\n", 3, "' '", id="space"),
        pytest.param(b"emma\n\nava\n", 2, "empty line", id="empty-line"),
        pytest.param(b"emma\nav4\n", 2, "'4'", id="digit"),
        pytest.param("emma\nzoë\n".encode(), 2, "'ë'", id="accent"),
        pytest.param(b"emma\nzo\xff\n", 2, "UTF-8", id="not-utf8"),
    ],
)
def test_a_bad_names_file_is_a_data_error_naming_file_and_line(tmp_path, content, line, what):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        load_names(path)
    message = str(info.value)
    assert str(path) in message and what in message
    if line is not None:
        assert f"line {line}" in message


def test_missing_names_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_names(tmp_path / "absent.txt")


def test_dataset_pairs_for_emma_with_a_block_of_3():
    X, Y = build_dataset(["emma"], block_size=3)
    assert [decode(row.tolist()) for row in X] == ["...", "..e", ".em", "emm", "mma"]
    assert decode(Y.tolist()) == "emma."
    assert X.dtype == Y.dtype == torch.long


# counting bigram


def test_bigram_counts_every_pair_once():
    N = bigram.count_bigrams(["emma", "ava"])
    assert N.shape == (27, 27) and N.sum() == 5 + 4  # each name gives len + 1 pairs
    assert N[0, encode("e")[0]] == 1 and N[encode("m")[0], encode("m")[0]] == 1
    assert N[encode("a")[0], 0] == 2


def test_probabilities_rows_sum_to_one_and_smoothing_removes_zeros():
    N = bigram.count_bigrams(FEW)
    seen = N.sum(1) > 0  # without smoothing, a character never seen has no distribution (0/0)
    for k in (0.0, 1.0):
        P = bigram.bigram_probs(N, smoothing=k)
        rows = P.sum(1) if k else P[seen].sum(1)
        assert torch.allclose(rows, torch.ones_like(rows))
    assert bigram.bigram_nll(bigram.bigram_probs(N, 0.0), ["ee"]) == math.inf  # pair never seen: impossible
    assert math.isfinite(bigram.bigram_nll(bigram.bigram_probs(N, 1.0), ["ee"]))
    with pytest.raises(SettingsError):
        bigram.bigram_probs(N, smoothing=-1)


def test_unsmoothed_counts_are_the_best_bigram_fit_of_their_own_data():
    N = bigram.count_bigrams(FEW)
    best = bigram.bigram_nll(bigram.bigram_probs(N, 0.0), FEW)
    assert best < bigram.bigram_nll(bigram.bigram_probs(N, 1.0), FEW)


def test_bigram_sampling_is_seeded_and_only_letters():
    P = bigram.bigram_probs(bigram.count_bigrams(FEW))
    first = bigram.sample_bigram(P, 5, torch.Generator().manual_seed(3))
    assert first == bigram.sample_bigram(P, 5, torch.Generator().manual_seed(3))
    assert all(set(name) <= set(VOCAB[1:]) for name in first)


# neural bigram


def test_neural_bigram_reaches_the_counting_models_train_loss(split):
    subset = split.train[:2000]  # the whole set is the same model, only slower
    counted = bigram.bigram_nll(bigram.bigram_probs(bigram.count_bigrams(subset), 0.0), subset)
    W, losses = bigram.train_neural_bigram(subset, steps=300, lr=50.0, init_scale=0.0)
    assert losses[-1] < losses[0]
    neural = bigram.bigram_nll(bigram.neural_bigram_probs(W), subset)
    assert counted <= neural < counted + 0.01


def test_neural_bigram_loss_is_the_cross_entropy_of_w_rows():
    X, Y = build_dataset(FEW, block_size=1)
    W = torch.randn(27, 27, generator=torch.Generator().manual_seed(0))
    xenc = torch.nn.functional.one_hot(X[:, 0], 27).float()
    expected = torch.nn.functional.cross_entropy(W[X[:, 0]], Y)  # one-hot @ W only picks rows
    assert bigram.neural_bigram_loss(W, xenc, Y).item() == pytest.approx(expected.item(), rel=1e-5)
    assert bigram.neural_bigram_loss(W, xenc, Y, l2=0.1).item() == pytest.approx(
        expected.item() + 0.1 * (W**2).mean().item(), rel=1e-5
    )


def test_l2_on_w_pulls_the_rows_towards_uniform():
    W0, _ = bigram.train_neural_bigram(FEW, steps=50, lr=10.0)
    W1, _ = bigram.train_neural_bigram(FEW, steps=50, lr=10.0, l2=0.5)
    assert W1.abs().mean() < W0.abs().mean()

    def entropy(W):
        P = bigram.neural_bigram_probs(W)
        return -(P * P.log()).sum(1).mean()

    assert entropy(W1) > entropy(W0)


# MLP


def test_step0_loss_is_near_ln27_only_with_the_output_scaled_down():
    X, Y = build_dataset(FEW)
    fixed = MLP(MLPConfig(emb_dim=10, hidden=200), seed=0)
    assert abs(evaluate(fixed, X, Y) - math.log(27)) < 0.05
    naive = MLP(MLPConfig(emb_dim=10, hidden=200, batchnorm=False, kaiming=False, out_scale=1.0), seed=0)
    assert evaluate(naive, X, Y) > math.log(27) + 5


def test_kaiming_init_keeps_tanh_out_of_saturation():
    X, _ = build_dataset(FEW)
    for kaiming, bounds in ((True, (0.0, 0.3)), (False, (0.7, 1.0))):
        model = MLP(MLPConfig(emb_dim=10, hidden=200, batchnorm=False, kaiming=kaiming), seed=0)
        model(X)
        tanh = model.layers[1]
        saturated = (tanh.out.abs() > 0.97).float().mean().item()
        assert bounds[0] <= saturated <= bounds[1], (kaiming, saturated)


def test_batchnorm_matches_torch_in_training_and_eval():
    torch.manual_seed(0)
    x = torch.randn(32, 8) * 3 + 1
    ours, theirs = BatchNorm1d(8, momentum=0.1), torch.nn.BatchNorm1d(8, momentum=0.1)
    for _ in range(3):
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)
    assert torch.allclose(ours.running_mean, theirs.running_mean, atol=1e-6)
    assert torch.allclose(ours.running_var, theirs.running_var, atol=1e-5)
    ours.eval(), theirs.eval()
    assert torch.allclose(ours(x[:1]), theirs(x[:1]), atol=1e-5)  # one example alone: running stats


def test_batchnorm_layer_makes_the_linear_bias_redundant():
    layers = MLP(TINY).layers
    assert layers[0].bias is None and isinstance(layers[1], BatchNorm1d)
    assert MLP(MLPConfig(emb_dim=4, hidden=16, batchnorm=False)).layers[0].bias is not None


def test_training_is_seeded_and_lowers_the_loss():
    X, Y = build_dataset(FEW)
    config = TrainConfig(steps=60, batch_size=32, lr=1e-2, seed=5)
    runs = []
    for _ in range(2):
        model = MLP(TINY, seed=1)
        before = evaluate(model, X, Y)
        runs.append(train_mlp(model, X, Y, config).losses)
        assert evaluate(model, X, Y) < before - 0.3
    assert runs[0] == runs[1]


@pytest.mark.parametrize("decay", ["cosine", "step", "none"])
def test_learning_rate_schedules(decay):
    config = TrainConfig(steps=100, lr=1.0, decay=decay, final_lr_frac=0.1)
    rates = [learning_rate(config, s) for s in range(100)]
    assert rates[0] == 1.0 and all(a >= b for a, b in zip(rates, rates[1:]))
    assert rates[-1] == {"cosine": pytest.approx(0.1, abs=1e-3), "step": 0.1, "none": 1.0}[decay]


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(steps=0),
        TrainConfig(batch_size=0),
        TrainConfig(lr=0),
        TrainConfig(optimizer="rmsprop"),
        TrainConfig(decay="linear"),
    ],
)
def test_bad_training_settings_are_settings_errors(config):
    with pytest.raises(SettingsError):
        config.check()


def test_batchnorm_needs_a_batch_of_two():
    X, Y = build_dataset(FEW)
    with pytest.raises(SettingsError, match="at least 2"):
        train_mlp(MLP(TINY), X, Y, TrainConfig(steps=1, batch_size=1))


def test_lr_range_test_sweeps_exponentially():
    X, Y = build_dataset(FEW)
    rates, losses = lr_range_test(TINY, X, Y, low=1e-3, high=1.0, steps=30)
    assert len(rates) == len(losses) == 30
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(1.0)
    assert rates[1] / rates[0] == pytest.approx(rates[-1] / rates[-2])
    with pytest.raises(SettingsError):
        lr_range_test(TINY, X, Y, low=1.0, high=0.1)


def test_sampling_names_is_seeded_and_checks_its_settings():
    model = MLP(TINY, seed=0)
    first = sample_names(model, 4, torch.Generator().manual_seed(7), temperature=0.8)
    assert first == sample_names(model, 4, torch.Generator().manual_seed(7), temperature=0.8)
    assert all(set(name) <= set(VOCAB[1:]) for name in first)
    assert model.training  # put back in the mode it was found in
    for num, temperature in ((0, 1.0), (3, 0.0), (3, -1.0)):
        with pytest.raises(SettingsError):
            sample_names(model, num, torch.Generator(), temperature)


# backprop by hand


@pytest.fixture(scope="module")
def gradient_differences() -> dict[str, float]:
    X, Y = build_dataset(FEW)
    return backprop.check_gradients(backprop.init_params(seed=1), X[:32], Y[:32])


@pytest.mark.parametrize("name", [*backprop.INTERMEDIATES, *backprop.PARAM_NAMES])
def test_every_hand_gradient_matches_autograd_in_float64(gradient_differences, name):
    assert gradient_differences[name] <= 1e-10


def test_batchnorm_makes_the_first_bias_gradient_vanish():
    X, Y = build_dataset(FEW)
    params = backprop.init_params(seed=1)
    cache = backprop.forward(params, X[:32], Y[:32])
    grads = backprop.backward(params, cache, X[:32], Y[:32])
    assert grads["b1"].abs().max() < 1e-15 < grads["bias"].abs().max()  # b1 is subtracted again


def test_training_with_hand_gradients_matches_autograd_step_by_step():
    X, Y = build_dataset(FEW)
    params = backprop.init_params(seed=2)
    ours = backprop.train_by_hand(params, X, Y, steps=15, batch_size=16, lr=0.5, seed=3)
    theirs = backprop.train_by_hand(params, X, Y, steps=15, batch_size=16, lr=0.5, seed=3, use_autograd=True)
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 1e-10
    assert ours[-1] < ours[0]


# metrics


@pytest.mark.parametrize("nats", [0.0, 1.0, math.log(27), 2.1])
def test_units_convert_both_ways(nats):
    bits = metrics.bits_per_char(nats)
    assert bits == pytest.approx(nats / math.log(2))
    assert metrics.nats_per_char(bits) == pytest.approx(nats)
    ppl = metrics.perplexity(nats)
    assert metrics.nats_from_perplexity(ppl) == pytest.approx(nats)
    assert metrics.perplexity_from_bits(bits) == pytest.approx(ppl)
    assert metrics.score_row(nats) == pytest.approx({"nats": nats, "bits": bits, "perplexity": ppl})


def test_a_model_that_knows_nothing_has_perplexity_27():
    assert metrics.perplexity(math.log(27)) == pytest.approx(27)
    assert metrics.bits_per_char(math.log(27)) == pytest.approx(math.log2(27))


# checkpoint and command line


def test_checkpoint_round_trip(tmp_path):
    model = MLP(TINY, seed=4)
    X, Y = build_dataset(FEW)
    train_mlp(model, X, Y, TrainConfig(steps=5, batch_size=8))
    path = save_model(tmp_path / "ckpt", model, {"dev_loss": 2.5})
    assert path == checkpoint_file(tmp_path / "ckpt") and list(path.parent.iterdir()) == [path]
    loaded, info = load_model(tmp_path / "ckpt")
    assert info == {"dev_loss": 2.5} and not loaded.training
    model.eval()
    assert torch.equal(loaded(X), model(X))  # BatchNorm's running statistics came along


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "few.txt"
    path.write_text("\n".join(FEW) + "\n")
    return path


def test_cli_trains_then_samples(tmp_path, names_file, capsys):
    out = tmp_path / "model"
    tiny = ["--steps", "20", "--batch-size", "16", "--emb-dim", "4", "--hidden", "16"]
    assert cli.main(["names", "train", "--data", str(names_file), *tiny, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dev" in printed and "test" in printed and checkpoint_file(out).is_file()
    samples = []
    for _ in range(2):
        assert cli.main(["names", "sample", "--checkpoint", str(out), "--num", "3", "--seed", "1"]) == 0
        samples.append(capsys.readouterr().out)
    assert samples[0] == samples[1] and len(samples[0].splitlines()) == 3


def _garbage(path):
    path.mkdir()
    (path / "names.pt").write_bytes(b"not a checkpoint")


def _truncated(path):
    save_model(path, MLP(TINY))
    file = path / "names.pt"
    file.write_bytes(file.read_bytes()[:200])


def _foreign(path):
    path.mkdir()
    torch.save({"format": "something-else"}, path / "names.pt")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda path: None, "no checkpoint here", id="missing"),
        pytest.param(_garbage, "damaged or not a checkpoint", id="garbage"),
        pytest.param(_truncated, "damaged or not a checkpoint", id="truncated"),
        pytest.param(_foreign, "not a names checkpoint", id="foreign"),
    ],
)
def test_cli_bad_checkpoint_is_one_line_and_exit_2(tmp_path, capsys, make, message):
    path = tmp_path / "ckpt"
    make(path)
    with pytest.raises(CheckpointError):
        load_model(path)
    assert cli.main(["names", "sample", "--checkpoint", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradbook names sample: error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["sample", "--num", "0"], id="num-zero"),
        pytest.param(["sample", "--num", "-2"], id="num-negative"),
        pytest.param(["sample", "--temperature", "0"], id="temperature-zero"),
        pytest.param(["sample", "--temperature", "-0.5"], id="temperature-negative"),
        pytest.param(["train", "--steps", "0"], id="steps-zero"),
        pytest.param(["train", "--hidden", "0"], id="hidden-zero"),
    ],
)
def test_cli_non_positive_settings_are_one_line_and_exit_2(capsys, args):
    with pytest.raises(SystemExit) as info:
        cli.main(["names", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "must be positive" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"emma\nAva\n", "line 2", id="capital"),
        pytest.param(b"emma\nava-lynn\n", "line 2", id="hyphen"),
        pytest.param(None, "no such file", id="missing"),
    ],
)
def test_cli_bad_data_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "names.txt"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["names", "train", "--data", str(path), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradbook names train: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_cli_too_few_names_to_split_is_a_settings_error(tmp_path, capsys):
    path = tmp_path / "two.txt"
    path.write_text("emma\nava\n")
    assert cli.main(["names", "train", "--data", str(path), "--out", str(tmp_path / "m")]) == 2
    assert "too few to split" in capsys.readouterr().err


@pytest.mark.parametrize("args", [("names",), ("names", "train"), ("names", "sample")])
def test_help_on_every_level(capsys, args):
    with pytest.raises(SystemExit) as info:
        cli.main([*args, "--help"])
    assert info.value.code == 0 and "usage: gradbook" in capsys.readouterr().out


@needs_data
def test_cli_accepts_the_cached_data_set_by_name():
    from gradbook.names.data import find_names

    assert find_names("names") == find_names(None) == NAMES_FILE


def test_inspection_reports_saturation_gradients_and_update_ratios():
    X, Y = build_dataset(FEW)
    model = MLP(MLPConfig(emb_dim=4, hidden=16, layers=3), seed=0)
    keep_gradients(model)
    torch.nn.functional.cross_entropy(model(X), Y).backward()
    stats = tanh_stats(model)
    assert len(stats) == 3 and all(0 <= s["saturated"] <= 1 and s["grad_std"] > 0 for s in stats)
    result = train_mlp(model, X, Y, TrainConfig(steps=3, batch_size=8), track_updates=True)
    assert len(result.update_ratios) == 3 and len(result.update_ratios[0]) == 1 + 3 + 1  # C, 3 hidden, out


@needs_data
def test_data_fetch_verifies_names(capsys):
    assert cli.main(["data", "fetch", "names"]) == 0
    assert capsys.readouterr().out == f"names: verified {NAMES_FILE}\n"
