"""Record the Tiny GPT run that Chapter 10 shows: train the cpu preset, sample, draw, write.

    make gpt-run                      # train from scratch (a few minutes), then record
    python tools/gpt_run.py --render  # redraw the page's files from the recorded JSON

Training is the reader's own command, ``gradbook gpt train --preset cpu``, timed
from start to exit. Then samples are drawn from the checkpoint at several
temperatures, and everything goes into ``docs/assets/runs/ch10_cpu.json``. The
loss curve (``ch10_cpu_loss.svg``) and the Markdown the chapter includes
(``ch10_cpu_run.md``, ``ch10_cpu_samples.md``) are rendered from that JSON alone,
and the test suite renders them again and compares, so nothing on the page is typed.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "assets" / "runs"
JSON = RUNS / "ch10_cpu.json"
COMMAND = ["gradbook", "gpt", "train", "--preset", "cpu", "--device", "cpu", "--out"]
PROMPT = "Transformer models are "
TEMPERATURES = [0.5, 0.8, 1.0, 1.5]
SAMPLE_LENGTH = 200
SEED = 0
# A prompt of the reader's own, through the command line exactly as a reader types it.
GENERATE = ["gradbook", "gpt", "generate", "--seed", "0", "--prompt", "Learning Rust is "]


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def record(out: Path) -> dict:
    import torch

    from gradbook.gpt import checkpoint
    from gradbook.gpt.generate import generate
    from gradbook.gpt.train import model_from_checkpoint

    if out.exists():
        shutil.rmtree(out)
    began = time.perf_counter()
    exe = Path(sys.executable).with_name("gradbook")
    subprocess.run([str(exe), *COMMAND[1:], str(out)], check=True)
    wall = time.perf_counter() - began
    summary = json.loads((out / "summary.json").read_text())
    state = checkpoint.load(out)
    model, tok = model_from_checkpoint(state)
    samples = []
    for t in TEMPERATURES:
        ids = generate(model, tok.encode(PROMPT), SAMPLE_LENGTH, temperature=t, seed=SEED)
        samples.append({"temperature": t, "top_k": None, "text": tok.decode(ids)})
    ids = generate(model, tok.encode(PROMPT), SAMPLE_LENGTH, temperature=1.0, top_k=5, seed=SEED)
    samples.append({"temperature": 1.0, "top_k": 5, "text": tok.decode(ids)})
    shown = GENERATE[:3] + ["--checkpoint", _relative(out)] + GENERATE[3:]
    printed = subprocess.run(
        [str(exe), *shown[1:]], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return {
        "command": " ".join(COMMAND + [_relative(out)]),
        "wall_seconds": wall,
        "summary": summary,
        "history": state["history"],
        "model_config": state["model_config"],
        "train_config": state["train_config"],
        "parameters": sum(v.numel() for k, v in state["model"].items() if k != "head.weight"),
        "samples": samples,
        "sample_seed": SEED,
        "prompt": PROMPT,
        "generate": {"argv": shown, "stdout": printed},
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
        },
    }


def render_curve(run: dict) -> bytes:
    """The loss curve as SVG bytes, drawn from the JSON only."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gradbook.figures import STYLE

    steps = [h[0] for h in run["history"]]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        ax.plot(steps, [h[1] for h in run["history"]], "o-", label="train")
        ax.plot(steps, [h[2] for h in run["history"]], "s-", label="validation")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("cross-entropy (nats per character)")
        ax.set_title("Tiny GPT, cpu preset, on Tiny Shakespeare")
        ax.legend()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
    return buffer.getvalue().encode()


def render_run(run: dict) -> str:
    s, m, mc, tc = run["summary"], run["machine"], run["model_config"], run["train_config"]
    minutes, seconds = divmod(run["wall_seconds"], 60)
    rows = [
        (
            "model",
            f"{mc['n_layer']} layers, {mc['n_head']} heads, {mc['n_embd']} wide, "
            f"block {mc['block_size']}, {run['parameters']:,} parameters",
        ),
        (
            "training",
            f"{s['steps']:,} steps of {tc['batch_size']} blocks, AdamW, peak learning "
            f"rate {tc['lr']:g} ({tc['warmup_iters']} warm-up steps, cosine to "
            f"{tc['min_lr']:g})",
        ),
        (f"validation loss ({s['final_eval_iters']} batches)", f"**{s['final']['val']:.3f}**"),
        (f"training loss ({s['final_eval_iters']} batches)", f"{s['final']['train']:.3f}"),
        ("wall time, whole command", f"{int(minutes)} min {seconds:.0f} s"),
        ("training throughput", f"{s['tokens_per_second']:,.0f} tokens/s"),
    ]
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    lines += [
        "",
        f"Recorded with `{run['command']}` (then `make gpt-run` drew this page's files) "
        f"on {m['processor']}, {m['platform']}, Python {m['python']}, PyTorch "
        f"{m['torch']} ({m['threads']} threads).",
    ]
    return "\n".join(lines) + "\n"


def render_samples(run: dict) -> str:
    parts = []
    for sample in run["samples"]:
        title = f"temperature {sample['temperature']:g}"
        if sample["top_k"]:
            title += f", top-k {sample['top_k']}"
        body = sample["text"].replace("```", "'''")
        parts.append(f'```text title="{title}, seed {run["sample_seed"]}"\n{body}\n```\n')
    return "\n".join(parts)


def render_generate(run: dict) -> str:
    argv = run["generate"]["argv"]
    command = " ".join(shlex.quote(a) for a in argv)
    return f"```console\n$ {command}\n{run['generate']['stdout'].rstrip()}\n```\n"


def render(run: dict) -> dict[str, bytes]:
    return {
        "ch10_cpu_loss.svg": render_curve(run),
        "ch10_cpu_run.md": render_run(run).encode(),
        "ch10_cpu_samples.md": render_samples(run).encode(),
        "ch10_cpu_generate.md": render_generate(run).encode(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", action="store_true", help="only redraw the files from the recorded JSON")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "runs" / "gpt-cpu",
        help="checkpoint folder for the run (default: runs/gpt-cpu)",
    )
    args = parser.parse_args(argv)
    if args.render:
        if not JSON.is_file():
            parser.exit(2, f"{JSON}: no recorded run; run `make gpt-run` first\n")
        run = json.loads(JSON.read_text())
    else:
        run = record(args.out.resolve())
        RUNS.mkdir(parents=True, exist_ok=True)
        JSON.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    for name, data in render(run).items():
        (RUNS / name).write_bytes(data)
    print(
        f"validation loss {run['summary']['final']['val']:.4f}; "
        f"wall time {run['wall_seconds']:.0f} s; files in {RUNS.relative_to(ROOT)}/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
