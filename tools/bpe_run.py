"""Record Chapter 11's comparison: the Tiny GPT on characters and on BPE tokens, one budget.

    make bpe-run                      # train both (about three minutes), then record
    python tools/bpe_run.py --render  # redraw the page's files from the recorded JSON

Every step is a reader's own command, timed from start to exit:

1. ``gradbook tokens train --vocab-size 512`` learns the tokenizer from Tiny Shakespeare.
2. A probe: ``PROBE_STEPS`` steps of each model, for its training seconds per step on
   this machine. The BPE model's ``--max-iters`` is set so that its training takes as
   long as the character model's 2,000 steps: the same wall-clock budget.
3. ``gradbook gpt train --preset cpu`` for each, the BPE one with ``--tokenizer``.
4. From each checkpoint: samples of the same length in characters, and the generation
   speed in characters per second (best of ``GEN_REPEATS``).

Everything goes into ``docs/assets/runs/ch11_bpe.json``; the table, the loss curves and
the samples the chapter includes are rendered from that JSON alone, and the test suite
renders them again and compares.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "assets" / "runs"
JSON = RUNS / "ch11_bpe.json"
VOCAB_SIZE = 512
CHAR_STEPS = 2000  # the cpu preset's
PROBE_STEPS = 100
PROMPT = "ROMEO:\n"
SAMPLE_CHARS = 300
SAMPLE_TEMPERATURE = 0.8
GEN_TOKENS = 400
GEN_REPEATS = 3
SEED = 0
KINDS = ("chars", "bpe")
LABELS = {"chars": "characters", "bpe": f"BPE, {VOCAB_SIZE} tokens"}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def _gradbook(*args: str) -> tuple[float, str]:
    """Run the `gradbook` command; its wall time and standard output."""
    exe = Path(sys.executable).with_name("gradbook")
    began = time.perf_counter()
    done = subprocess.run([str(exe), *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - began, done.stdout


def _train_args(kind: str, tokenizer: Path, out: Path, steps: int) -> list[str]:
    extra = ["--tokenizer", _relative(tokenizer)] if kind == "bpe" else []
    return [
        "gpt",
        "train",
        "--preset",
        "cpu",
        "--device",
        "cpu",
        *extra,
        "--max-iters",
        str(steps),
        "--out",
        _relative(out),
    ]


def _seconds_per_step(summary: dict, block_size: int, batch_size: int) -> float:
    return block_size * batch_size / summary["tokens_per_second"]


def _samples_and_speed(out: Path) -> dict:
    import torch

    from gradbook.gpt import checkpoint
    from gradbook.gpt.generate import generate
    from gradbook.gpt.train import model_from_checkpoint

    state = checkpoint.load(out)
    model, tok = model_from_checkpoint(state)
    prompt = tok.encode(PROMPT)
    text = ""
    n = SAMPLE_CHARS
    while len(text) < len(PROMPT) + SAMPLE_CHARS:  # enough tokens for the characters wanted
        text = tok.decode(generate(model, prompt, n, temperature=SAMPLE_TEMPERATURE, seed=SEED))
        n *= 2
    best = math.inf
    for _ in range(GEN_REPEATS):
        began = time.perf_counter()
        ids = generate(model, prompt, GEN_TOKENS, temperature=1.0, seed=SEED)
        best = min(best, time.perf_counter() - began)
    chars = len(tok.decode(ids)) - len(tok.decode(prompt))
    return {
        "state": state,
        "sample": text[: len(PROMPT) + SAMPLE_CHARS],
        "generation": {
            "tokens": GEN_TOKENS,
            "chars": chars,
            "seconds": best,
            "threads": torch.get_num_threads(),
        },
    }


def record(work: Path) -> dict:
    import torch

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    tokenizer = work / "tokenizer.json"
    tok_args = ["tokens", "train", "--vocab-size", str(VOCAB_SIZE), "--out", _relative(tokenizer)]
    tok_seconds, tok_stdout = _gradbook(*tok_args)

    from gradbook.gpt.config import preset

    model_cfg, train_cfg = preset("cpu")
    per_step = {}
    for kind in KINDS:  # the probe
        _gradbook(*_train_args(kind, tokenizer, work / f"probe-{kind}", PROBE_STEPS))
        summary = json.loads((work / f"probe-{kind}" / "summary.json").read_text())
        per_step[kind] = _seconds_per_step(summary, model_cfg.block_size, train_cfg.batch_size)
    bpe_steps = int(round(CHAR_STEPS * per_step["chars"] / per_step["bpe"] / 10) * 10)
    if not 0.5 * CHAR_STEPS <= bpe_steps <= 1.5 * CHAR_STEPS:  # the two models differ by a few %
        raise SystemExit(
            f"the probe found {per_step['chars']:.3f} s per step for characters and "
            f"{per_step['bpe']:.3f} s for BPE: the machine was busy; run again on an idle one"
        )

    runs = {}
    for kind, steps in (("chars", CHAR_STEPS), ("bpe", bpe_steps)):
        out = work / kind
        args = _train_args(kind, tokenizer, out, steps)
        wall, _ = _gradbook(*args)
        summary = json.loads((out / "summary.json").read_text())
        got = _samples_and_speed(out)
        state = got.pop("state")
        runs[kind] = {
            "command": "gradbook " + " ".join(args),
            "wall_seconds": wall,
            "summary": summary,
            "history": state["history"],
            "model_config": state["model_config"],
            "train_config": state["train_config"],
            "parameters": sum(v.numel() for k, v in state["model"].items() if k != "head.weight"),
            **got,
        }
    return {
        "tokenizer": {
            "command": "gradbook " + " ".join(tok_args),
            "wall_seconds": tok_seconds,
            "stdout": tok_stdout,
            "sha256": hashlib.sha256(tokenizer.read_bytes()).hexdigest(),
        },
        "probe": {"steps": PROBE_STEPS, "seconds_per_step": per_step, "bpe_steps": bpe_steps},
        "prompt": PROMPT,
        "sample_temperature": SAMPLE_TEMPERATURE,
        "sample_seed": SEED,
        "runs": runs,
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
        },
    }


def bits_per_char(run: dict, loss: float, split: str = "val") -> float:
    """A recorded loss in nats per token, as bits per character of the split."""
    return loss * run["summary"]["tokens_per_char"][split] / math.log(2)


def render_curve(record: dict) -> bytes:
    """Validation bits per character against training time, both models, from the JSON."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gradbook.figures import STYLE

    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for kind, marker in zip(KINDS, "os"):
            run = record["runs"][kind]
            per_step = run["summary"]["seconds"] / run["summary"]["steps"]
            ax.plot(
                [h[0] * per_step for h in run["history"]],
                [bits_per_char(run, h[2]) for h in run["history"]],
                marker + "-",
                label=f"{LABELS[kind]} ({run['summary']['steps']:,} steps)",
            )
        ax.set_xlabel("seconds of training (steps × mean seconds per step)")
        ax.set_ylabel("validation loss (bits per character)")
        ax.set_title("Tiny GPT, cpu preset: characters vs BPE tokens, one budget")
        ax.legend()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
    return buffer.getvalue().encode()


def render_table(record: dict) -> str:
    c, b = record["runs"]["chars"], record["runs"]["bpe"]
    m = record["machine"]

    def both(fn) -> str:
        return f"{fn(c)} | {fn(b)}"

    def context(r: dict) -> str:
        block = r["model_config"]["block_size"]
        return f"{block} tokens ≈ {block / r['summary']['tokens_per_char']['val']:.0f} characters"

    def gen_rate(r: dict) -> float:
        return r["generation"]["chars"] / r["generation"]["seconds"]

    rows = [
        ("vocabulary", both(lambda r: f"{r['model_config']['vocab_size']:,}")),
        ("parameters (the tied output matrix once)", both(lambda r: f"{r['parameters']:,}")),
        ("context: one block", both(context)),
        ("training steps", both(lambda r: f"{r['summary']['steps']:,}")),
        ("training time, evaluations included", both(lambda r: f"{r['summary']['seconds']:.0f} s")),
        ("training throughput", both(lambda r: f"{r['summary']['tokens_per_second']:,.0f} tokens/s")),
        (
            "tokens per character (validation text)",
            both(lambda r: f"{r['summary']['tokens_per_char']['val']:.3f}"),
        ),
        ("validation loss, nats per token", both(lambda r: f"{r['summary']['final']['val']:.3f}")),
        (
            "**validation loss, bits per character**",
            both(lambda r: f"**{bits_per_char(r, r['summary']['final']['val']):.3f}**"),
        ),
        (
            "training loss, bits per character",
            both(lambda r: f"{bits_per_char(r, r['summary']['final']['train'], 'train'):.3f}"),
        ),
        ("generation (KV cache, batch of one)", both(lambda r: f"{gen_rate(r):,.0f} characters/s")),
    ]
    lines = [f"| | {LABELS['chars']} | {LABELS['bpe']} |", "|---|---:|---:|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    lines += [
        "",
        f"Recorded by `make bpe-run`: `{record['tokenizer']['command']}`, then "
        f"`{c['command']}` and `{b['command']}`, on {m['processor']}, {m['platform']}, "
        f"Python {m['python']}, PyTorch {m['torch']} ({m['threads']} threads). The BPE run's "
        f"{b['summary']['steps']:,} steps were chosen from a probe of {record['probe']['steps']} "
        "steps of each model, to take the character model's training time. Losses: the "
        f"mean over {c['summary']['final_eval_iters']} random batches of each split; "
        f"generation: {c['generation']['tokens']} new tokens, best of {GEN_REPEATS}.",
    ]
    return "\n".join(lines) + "\n"


def render_samples(record: dict) -> str:
    parts = []
    for kind in KINDS:
        body = record["runs"][kind]["sample"].replace("```", "'''")
        title = (
            f"{LABELS[kind]}: temperature {record['sample_temperature']:g}, seed "
            f"{record['sample_seed']}, {SAMPLE_CHARS} characters after the prompt"
        )
        parts.append(f'```text title="{title}"\n{body}\n```\n')
    return "\n".join(parts)


def render(record: dict) -> dict[str, bytes]:
    return {
        "ch11_bpe_loss.svg": render_curve(record),
        "ch11_bpe_run.md": render_table(record).encode(),
        "ch11_bpe_samples.md": render_samples(record).encode(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", action="store_true", help="only redraw the files from the recorded JSON")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "runs" / "bpe-cpu",
        help="folder for the runs (default: runs/bpe-cpu)",
    )
    args = parser.parse_args(argv)
    if args.render:
        if not JSON.is_file():
            parser.exit(2, f"{JSON}: no recorded run; run `make bpe-run` first\n")
        record_ = json.loads(JSON.read_text())
    else:
        record_ = record(args.out.resolve())
        RUNS.mkdir(parents=True, exist_ok=True)
        JSON.write_text(json.dumps(record_, indent=2, ensure_ascii=False) + "\n")
    for name, data in render(record_).items():
        (RUNS / name).write_bytes(data)
    for kind in KINDS:
        run = record_["runs"][kind]
        print(
            f"{LABELS[kind]}: {run['summary']['steps']} steps in {run['summary']['seconds']:.0f} s, "
            f"validation {bits_per_char(run, run['summary']['final']['val']):.3f} bits per character"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
