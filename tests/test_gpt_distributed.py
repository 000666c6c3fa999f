"""Chapter 12: the Tiny GPT on two processes with torch.distributed (Gloo, on the CPU).

Each test starts a real two-process job with ``torchrun`` (as a reader would) and
compares it with a single process given the same global batch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("this PyTorch build has no Gloo backend", allow_module_level=True)

from gradbook.gpt import checkpoint  # noqa: E402  (after the checks for torch and Gloo)
from gradbook.gpt.train import train  # noqa: E402  (after the checks for torch and Gloo)
from tests.ddp_worker import tiny  # noqa: E402  (after the checks for torch and Gloo)
from tests.helpers import GPT_TEXT as TEXT  # noqa: E402  (after the checks for torch and Gloo)

HERE = Path(__file__).resolve().parent

STEPS = 20
# Two processes add their halves of the gradient in a different order than one
# process does: the results agree to float32 rounding, amplified a little by Adam.
LOSS_TOLERANCE = 1e-4


def torchrun(*args, timeout=300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    (root / "corpus.txt").write_text(TEXT)
    torchrun(str(HERE / "ddp_worker.py"), str(root / "corpus.txt"), str(root), str(STEPS))
    return root


def test_every_rank_holds_identical_parameters(two_process_run):
    a = torch.load(two_process_run / "rank0.pt", weights_only=True)
    b = torch.load(two_process_run / "rank1.pt", weights_only=True)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def one_process_losses(grad_accum: int) -> list[float]:
    """Every step's loss of the worker's run, trained in this one process."""
    losses: list[float] = []
    train(*tiny(TEXT, STEPS, grad_accum=grad_accum), on_step=lambda step, loss, lr, tps: losses.append(loss))
    return losses


def test_loss_trajectory_matches_one_process_with_the_same_global_batch(two_process_run):
    two = json.loads((two_process_run / "losses0.json").read_text())
    assert two == json.loads((two_process_run / "losses1.json").read_text())  # a global mean
    assert len(two) == STEPS
    for accum in (2, 1):  # 2 micro-batches of 4, or 1 batch of 8: the same examples
        assert one_process_losses(accum) == pytest.approx(two, abs=LOSS_TOLERANCE), accum
    assert two[-1] < two[0] - 0.5  # and it learns


@pytest.mark.slow
def test_cli_runs_under_torchrun_and_resumes_in_one_process(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 3)
    common = ["--data", str(corpus), "--device", "cpu", "--peak-tflops", "1"]
    done = torchrun(
        "-m", "gradbook.cli", "gpt", "train", *common, "--max-iters", "4", "--out", str(tmp_path / "two")
    )
    assert done.stdout.count("4 steps in") == 1  # only rank 0 reports
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["grad_accum"] == 2
    assert checkpoint.load(tmp_path / "two")["step"] == 4

    def gradbook(*args):
        done = subprocess.run(
            [sys.executable, "-m", "gradbook.cli", "gpt", "train", *common, *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads((Path(args[args.index("--out") + 1]) / "summary.json").read_text())

    resumed = gradbook("--resume", "--max-iters", "8", "--out", str(tmp_path / "two"))
    assert resumed["processes"] == 1 and resumed["steps"] == 8
    # the same 8 steps in one process from the start (the global batch is the same)
    straight = gradbook("--max-iters", "8", "--out", str(tmp_path / "one"))
    for split in ("train", "val"):
        assert resumed["final"][split] == pytest.approx(straight["final"][split], abs=1e-3)
