"""The GPU path, proven in one run: environment, GPU tests, the `gpu` preset, NCCL, generation.

    make gpu-check               # on a machine with CUDA: the whole check, at most 8 minutes
    make gpu-check SMOKE=1       # anywhere: the same script on the CPU, tiny sizes, under a minute
    python tools/gpu_check.py --render   # redraw docs/assets/runs/gpu_table.md from the records

On a machine without CUDA (and without SMOKE=1) it says so in one line and exits 0.
Each stage runs the reader's own commands (`pytest -m gpu`, `gradbook gpt train`,
`torchrun ... gradbook.cli gpt train`), and the record is written again after every
stage, so a run cut off by a time limit still reports what it did:
``docs/assets/runs/gpu_<gpu>.json`` for a GPU, ``.cache/gpu-check/smoke.json`` for the
smoke run. The Scaling-up chapter and the appendix show ``docs/assets/runs/gpu_table.md``,
rendered from the GPU records alone (or saying plainly that there is none yet).

The text comes from ``$GRADBOOK_DATA_DIR``. A machine with no network gets it inside
the working tree: ``make gpu-data`` copies it into ``.gpu-data/`` (git-ignored), and
the check is run there with ``GRADBOOK_DATA_DIR=.gpu-data``; see CONTRIBUTING.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "assets" / "runs"
TABLE = RUNS / "gpu_table.md"
SMOKE_RECORD = ROOT / ".cache" / "gpu-check" / "smoke.json"
BUDGET_S = 8 * 60
# Stage time limits, in seconds, on the GPU (the whole check fits in BUDGET_S).
LIMITS = {"tests": 90, "train": 270, "torchrun": 60, "generation": 45}
SMOKE_LIMITS = {"tests": 60, "train": 60, "torchrun": 60, "generation": 30}
TARGET_VAL_LOSS = 1.47  # nanoGPT's shakespeare_char: 1.4697 in about 3 minutes on an A100
GEN_TOKENS, GEN_SMOKE_TOKENS = 500, 16


def _env(smoke: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    src = str(ROOT / "src")  # the book's code, importable without installing it
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if smoke:
        env["GRADBOOK_GPU_TEST_DEVICE"] = "cpu"
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _run(cmd: list[str], limit: float, smoke: bool) -> tuple[int, float, str]:
    """Run a command; its exit status (124 if it ran out of time), seconds and output tail."""
    began = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=_env(smoke), capture_output=True, text=True, timeout=limit)
        code, out = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, out = 124, (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    return code, time.perf_counter() - began, out[-3000:]


def environment(device: str) -> dict:
    import torch

    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "platform": platform.platform(),
        "device": device,
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        info.update(
            gpu=props.name,
            gpu_memory_gib=round(props.total_memory / 2**30, 1),
            gpus=torch.cuda.device_count(),
        )
        try:
            smi = subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=20,
            )
            info["driver"] = smi.stdout.strip().splitlines()[0] if smi.returncode == 0 else None
        except (OSError, subprocess.TimeoutExpired, IndexError):
            info["driver"] = None
    else:
        info.update(gpu=None, processor=platform.processor() or platform.machine())
    return info


def gpu_tests(limits: dict, smoke: bool) -> dict:
    # `-o addopts=`: none of the suite's usual options, whose plugins (pytest-codeblocks) a
    # GPU machine may lack
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-o",
        "addopts=",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "gpu",
        "tests/test_gpu.py",
    ]
    code, seconds, out = _run(cmd, limits["tests"], smoke)
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", out)}
    return {"command": " ".join(cmd[1:]), "exit": code, "seconds": seconds, "counts": counts, "output": out}


def _gpt_train(args: list[str], out: Path, limit: float, smoke: bool) -> dict:
    cmd = [sys.executable, "-m", "gradbook.cli", "gpt", "train", *args, "--out", str(out)]
    code, seconds, tail = _run(cmd, limit, smoke)
    return {
        "command": "gradbook gpt train " + " ".join(args),
        "exit": code,
        "wall_seconds": seconds,
        "output": tail,
    }


def train(device: str, limits: dict, smoke: bool, work: Path) -> dict:
    out = work / "gpt"
    if smoke:
        args = ["--preset", "cpu", "--max-iters", "4", "--device", "cpu"]
    else:
        args = ["--preset", "gpu", "--device", "cuda", "--compile"]  # compiled, as nanoGPT's run
    result = _gpt_train(args, out, limits["train"], smoke)
    # compiling failed (not: ran out of time): the plain model, in what is left of the stage's time
    if result["exit"] not in (0, 124) and "--compile" in args:
        shutil.rmtree(out, ignore_errors=True)
        plain = [a for a in args if a != "--compile"]
        left = max(30.0, limits["train"] - result["wall_seconds"])
        result = {**_gpt_train(plain, out, left, smoke), "compile_failed": result["output"][-1000:]}
    summary = out / "summary.json"
    if summary.is_file():
        result["summary"] = json.loads(summary.read_text())
        final = result["summary"].get("final") or {}
        if "val" in final and not smoke:
            result["target_val_loss"] = TARGET_VAL_LOSS
            result["target_met"] = final["val"] <= TARGET_VAL_LOSS
    return result


def torchrun(device: str, limits: dict, smoke: bool, work: Path) -> dict:
    args = (
        ["--preset", "cpu", "--max-iters", "4", "--device", "cpu"]
        if smoke
        else ["--preset", "gpu", "--max-iters", "20", "--device", "cuda"]
    )
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "1",
        "-m",
        "gradbook.cli",
        "gpt",
        "train",
        *args,
        "--out",
        str(work / "ddp"),
    ]
    code, seconds, tail = _run(cmd, limits["torchrun"], smoke)
    summary = work / "ddp" / "summary.json"
    return {
        "command": "torchrun --standalone --nproc_per_node 1 -m gradbook.cli gpt train " + " ".join(args),
        "backend": "gloo" if smoke else "nccl",
        "exit": code,
        "wall_seconds": seconds,
        "output": tail,
        **({"summary": json.loads(summary.read_text())} if summary.is_file() else {}),
    }


def generation(device: str, smoke: bool, work: Path) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    import torch

    from gradbook.gpt import checkpoint
    from gradbook.gpt.generate import generate
    from gradbook.gpt.train import model_from_checkpoint

    model, tok = model_from_checkpoint(checkpoint.load(work / "gpt", map_location=device), device)
    prompt, n = tok.encode("ROMEO:\n"), GEN_SMOKE_TOKENS if smoke else GEN_TOKENS
    out = {"new_tokens": n}
    for use_cache in (True, False):
        generate(model, prompt, 8, seed=0, use_cache=use_cache)  # warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        began = time.perf_counter()
        ids = generate(model, prompt, n, seed=0, use_cache=use_cache)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - began
        out["with_cache" if use_cache else "without_cache"] = {
            "seconds": seconds,
            "tokens_per_second": n / seconds,
        }
        out.setdefault("tokens", []).append(ids)
    out["identical"] = out["tokens"][0] == out["tokens"][1]
    out["sample"] = tok.decode(out.pop("tokens")[0])
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _write(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def check(smoke: bool, out: Path | None) -> Path | None:
    import torch

    if not smoke and not torch.cuda.is_available():
        print(
            f"gpu-check: no CUDA device on this machine (torch {torch.__version__}); nothing to check. "
            "Run it where there is a GPU, or `make gpu-check SMOKE=1` to try the script on the CPU."
        )
        return None
    device = "cpu" if smoke else "cuda"
    limits = SMOKE_LIMITS if smoke else LIMITS
    began = time.perf_counter()
    record: dict = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "smoke": smoke,
        "budget_seconds": BUDGET_S,
        "environment": environment(device),
        "stages_done": ["environment"],
        "errors": {},
    }
    path = out or (SMOKE_RECORD if smoke else RUNS / f"gpu_{_slug(record['environment']['gpu'])}.json")
    _write(record, path)
    print(f"gpu-check: {record['environment'].get('gpu') or 'CPU (smoke)'}; record in {path}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stages = [
            ("tests", lambda: gpu_tests(limits, smoke)),
            ("train", lambda: train(device, limits, smoke, work)),
            ("torchrun", lambda: torchrun(device, limits, smoke, work)),
            ("generation", lambda: generation(device, smoke, work)),
        ]
        for name, stage in stages:
            try:
                record[name] = stage()
            except Exception as exc:  # a stage that fails is recorded, and the others still run
                record["errors"][name] = f"{type(exc).__name__}: {exc}"
            record["stages_done"].append(name)
            record["seconds"] = time.perf_counter() - began
            _write(record, path)
            print(f"gpu-check: {name} done at {record['seconds']:.0f} s", flush=True)
    return path


def problems(record: dict) -> list[str]:
    """What failed in a record: a stage's error, a command's exit status, a failed test."""
    found = [f"{stage}: {error}" for stage, error in record.get("errors", {}).items()]
    for stage in ("tests", "train", "torchrun"):
        part = record.get(stage)
        if part is not None and part.get("exit") != 0:
            found.append(f"{stage}: `{part['command']}` exited with {part.get('exit')}")
    tests = record.get("tests", {}).get("counts", {})
    if tests.get("failed") or not tests.get("passed"):
        found.append(f"tests: {tests}")
    if record.get("generation") and not record["generation"].get("identical"):
        found.append("generation: cached and uncached tokens differ")
    return found


def render(records: list[dict]) -> str:
    """The Markdown table the chapter and the appendix include, from the GPU records alone."""
    if not records:
        return (
            "*No GPU record yet.* The check (`make gpu-check`, `tools/gpu_check.py`) is prepared "
            "and runs in smoke mode on the CPU with every `make test`, but it has not yet run on "
            "a GPU: no number on this page comes from one.\n"
        )
    lines = [
        "| | " + " | ".join(r["environment"]["gpu"] for r in records) + " |",
        "|---|" + "---:|" * len(records),
    ]

    def row(label: str, fn) -> None:
        cells = []
        for r in records:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("date", lambda r: r["date"])
    row(
        "torch, CUDA, driver",
        lambda r: (
            f"{r['environment']['torch']}, {r['environment']['cuda']}, "
            f"{r['environment'].get('driver') or '?'}"
        ),
    )
    row(
        "GPU tests (`pytest -m gpu`)",
        lambda r: ", ".join(f"{n} {k}" for k, n in r["tests"]["counts"].items()),
    )
    row("`gpu` preset: command", lambda r: f"`{r['train']['command']}`")
    row("validation loss (200 batches)", lambda r: f"{r['train']['summary']['final']['val']:.4f}")
    row("wall time, whole command", lambda r: f"{r['train']['wall_seconds']:.0f} s")
    row("training throughput", lambda r: f"{r['train']['summary']['tokens_per_second']:,.0f} tokens/s")
    row(
        "MFU",
        lambda r: (
            f"{r['train']['summary']['mfu']:.1%} of {r['train']['summary']['peak_flops'] / 1e12:.0f} TFLOP/s"
        ),
    )
    row(
        "one-process torchrun (NCCL)",
        lambda r: f"exit {r['torchrun']['exit']}, {r['torchrun']['wall_seconds']:.0f} s",
    )
    row(
        "generation, KV cache",
        lambda r: f"{r['generation']['with_cache']['tokens_per_second']:,.0f} tokens/s",
    )
    row(
        "generation, no cache",
        lambda r: f"{r['generation']['without_cache']['tokens_per_second']:,.0f} tokens/s",
    )
    row("problems", lambda r: "; ".join(problems(r)) or "none")
    lines += [
        "",
        "Recorded by `make gpu-check` (`tools/gpu_check.py`); the whole record, with every "
        "command and its output, is in `docs/assets/runs/gpu_*.json`.",
    ]
    return "\n".join(lines) + "\n"


def gpu_records() -> list[dict]:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RUNS.glob("gpu_*.json"))]
    return [r for r in records if not r.get("smoke")]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="run on the CPU with tiny sizes (under a minute)"
    )
    parser.add_argument("--render", action="store_true", help="only redraw the table from the GPU records")
    parser.add_argument("--out", type=Path, help="where to write the record (default: see above)")
    args = parser.parse_args(argv)
    if not args.render:
        path = check(args.smoke, args.out)
        if path is None:
            return 0
        record = json.loads(path.read_text(encoding="utf-8"))
        found = problems(record)
        print(
            "gpu-check: " + ("; ".join(found) if found else f"all stages passed in {record['seconds']:.0f} s")
        )
        if args.smoke:
            return 1 if found else 0
    TABLE.write_text(render(gpu_records()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
