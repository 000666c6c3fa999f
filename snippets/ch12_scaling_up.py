# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 12 — Scaling up
#
# Four experiments from Chapter 12, all on the CPU: gradient accumulation gives
# the same training run as one big batch; a real two-process job started with
# `torchrun` (Gloo between the processes), resumed in a single process; what
# bfloat16 keeps and loses compared with float16 and float32; and how many
# floating-point operations one token of training costs, the numerator of the
# MFU. Run it as a script (`python snippets/ch12_scaling_up.py`) or open it as a
# notebook; it draws the chapter's two figures.
#
# Nothing here is timed: on a shared two-core CPU a timing says more about the
# neighbours than about the code. The measured comparison of one and two
# processes is in the chapter's table, made by `make bench`.

# %%
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from gradbook.figures import save_figure
from gradbook.figures import scaling as drawings
from gradbook.gpt.config import GPTConfig, TrainConfig, preset
from gradbook.gpt.data import TextData, load_text
from gradbook.gpt.flops import GPU_PEAKS, flops_per_token
from gradbook.gpt.model import TinyGPT
from gradbook.gpt.tokenizer import CharTokenizer
from gradbook.gpt.train import train

torch.set_num_threads(1)   # tiny models: one thread is as fast, and polite on a busy machine

# %% [markdown]
# ## 1. Gradient accumulation: one batch, cut into pieces
#
# Each optimizer step draws one global batch of `batch_size` blocks from a seeded
# generator and cuts it into `grad_accum` micro-batches. Each micro-batch's mean
# loss is divided by the number of micro-batches before `backward()`, so the
# gradients that add up in `.grad` are those of the mean over the whole batch.
# The same 8 blocks per step, in 1, 2 or 4 pieces, should give the same run, up to
# float32 rounding.

# %%
text = load_text()[:20_000]          # the first 20,000 characters of Tiny Shakespeare
tokenizer = CharTokenizer.from_text(text)
tiny = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=32, n_layer=2, n_head=2,
                 n_embd=32)
data = TextData.from_text(text, tokenizer, tiny.block_size)
STEPS = 20



def run(accum: int) -> tuple[np.ndarray, dict[str, torch.Tensor]]:
    """Every step's loss and the final weights, with the step's 8 blocks in ``accum`` pieces."""
    cfg = TrainConfig(max_iters=STEPS, batch_size=8, grad_accum=accum, lr=1e-2, min_lr=1e-3,
                      warmup_iters=5, eval_interval=STEPS, eval_iters=2, final_eval_iters=2,
                      seed=0)
    losses = []
    result = train(data, tokenizer, tiny, cfg,
                   on_step=lambda step, loss, lr, tps: losses.append(loss))
    return np.array(losses), result.model.state_dict()


runs = {accum: run(accum) for accum in (1, 2, 4)}

print("loss at steps 1, 5, 10, 20:")
for accum, (losses, _) in runs.items():
    shown = ", ".join(f"{losses[s - 1]:.4f}" for s in (1, 5, 10, 20))
    print(f"  grad_accum={accum}: {shown}")
for accum in (2, 4):
    loss_gap = np.abs(runs[accum][0] - runs[1][0]).max()
    weight_gap = max((runs[accum][1][k] - runs[1][1][k]).abs().max().item()
                     for k in runs[1][1])
    print(f"grad_accum={accum} vs 1: largest loss difference {loss_gap:.1e}, "
          f"largest weight difference {weight_gap:.1e}")

# %% [markdown]
# The runs agree to float32 rounding, not bit for bit: the pieces add up in a
# different order. The weights differ a little more than the losses because Adam
# divides each gradient by the root of its running square, so a rounding
# difference in a gradient close to zero becomes a visible difference in that
# weight's step, and the differences grow from step to step. The examples in every
# step were the same.

# %% [markdown]
# ## 2. A real two-process job
#
# `torchrun` starts two copies of `gradbook gpt train`; each joins a Gloo process
# group, wraps the model in `DistributedDataParallel` and computes its half of
# every global batch. Under `torchrun` the command raises `grad_accum` to a
# multiple of the number of processes (here from 1 to 2), so the 12 blocks of a
# step are the same 12 blocks a single process would see. Only rank 0 evaluates,
# writes the checkpoint and `summary.json`. One thread per process
# (`OMP_NUM_THREADS=1`) keeps two processes from fighting over two cores.
#
# The checkpoint is an ordinary one: a single process can resume it.

# %%
env = {**os.environ, "OMP_NUM_THREADS": "1"}


def gradbook(*args, processes=1):
    """Run `gradbook` as a reader would, in one process or under torchrun."""
    if processes == 1:
        command = [sys.executable, "-m", "gradbook.cli", *args]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc_per_node", str(processes), "-m", "gradbook.cli", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return done


with tempfile.TemporaryDirectory() as folder:
    corpus, out = Path(folder) / "corpus.txt", Path(folder) / "run"
    corpus.write_text(text, encoding="utf-8")
    common = ["gpt", "train", "--data", str(corpus), "--out", str(out), "--device", "cpu"]

    done = gradbook(*common, "--max-iters", "20", processes=2)
    first = json.loads((out / "summary.json").read_text())
    print("lines printed by the two ranks:", done.stdout.count("steps in"), "(rank 0 only)")

    gradbook(*common, "--resume", "--max-iters", "40")
    second = json.loads((out / "summary.json").read_text())

for name, s in (("torchrun, 2 processes", first), ("resumed, 1 process", second)):
    print(f"{name:22} processes={s['processes']}  grad_accum={s['grad_accum']}  "
          f"steps={s['steps']}  resumed={s['resumed']}")
print(f"after 40 steps: train loss {second['final']['train']:.3f}, "
      f"val loss {second['final']['val']:.3f} (over {second['final_eval_iters']} batches)")

# %% [markdown]
# ## 3. Mixed precision: what bfloat16 keeps and what it loses
#
# bfloat16 keeps float32's 8 exponent bits and only 8 bits of significand (7
# stored); float16 has 5 exponent bits and 11 bits of significand. So bfloat16 has
# float32's range with coarse steps, float16 has finer steps in a narrow range.

# %%
formats = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
print(f"{'':10} {'bits':>4} {'spacing at 1':>13} {'largest':>11} {'smallest normal':>16}")
for name, dtype in formats.items():
    info = torch.finfo(dtype)
    print(f"{name:10} {info.bits:4} {info.eps:13.3g} {info.max:11.3g} "
          f"{info.smallest_normal:16.3g}")

values = [1 + 2**-8, 1 + 2**-7, 1 / 3, 300.7, 70_000.0, 1e-6, 1e-8]
print(f"\n{'value':>16}" + "".join(f"{name:>16}" for name in formats))
for v in values:
    row = [torch.tensor(v, dtype=torch.float64).to(d).double().item() for d in formats.values()]
    print(f"{v:16.10g}" + "".join(f"{r:16.10g}" for r in row))

# %% [markdown]
# Under `torch.autocast` the parameters stay float32; the matrix products see
# bfloat16 copies, and the loss is computed in float32. (The lists of which
# operation runs in which type differ between CPU and CUDA; the book trains in
# bfloat16 on CUDA only.)

# %%
torch.manual_seed(0)
layer = torch.nn.Linear(16, 4)
x, target = torch.randn(8, 16), torch.randint(0, 4, (8,))
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    logits = layer(x)
    loss = torch.nn.functional.cross_entropy(logits, target)
loss.backward()
print("weights:", layer.weight.dtype, " logits:", logits.dtype, " loss:", loss.dtype,
      " gradient:", layer.weight.grad.dtype)

# %% [markdown]
# ### Figure: the relative rounding error across magnitudes
#
# For each magnitude, the largest relative error that rounding to the format can
# make: half the gap between neighbouring representable numbers, divided by the
# number. float16 is eight times finer than bfloat16 in its normal range, but
# below about $6 \times 10^{-5}$ its numbers thin out (the subnormals) until
# small values round to zero, and beyond its largest number, 65,504, they overflow
# to infinity. bfloat16 and float32 cover the whole range at a constant relative
# precision.

# %%
magnitudes = np.logspace(-9, 6, 751)        # 50 per decade


def worst_relative_error(dtype):
    """Half the gap to the next representable number, relative to the number."""
    q = torch.from_numpy(magnitudes).to(dtype)
    up = torch.nextafter(q, torch.full_like(q, float("inf")))
    gap = (up.double() - q.double()).numpy()
    err = np.minimum(0.5 * gap / magnitudes, 1.0)
    err[q.double().numpy() == 0] = 1.0                 # rounds to zero: the whole value is lost
    err[np.isinf(q.double().numpy())] = np.nan         # overflows: no number at all
    return err


errors = {}
for name in ("float16", "bfloat16", "float32"):
    err = worst_relative_error(formats[name])
    errors[name] = [None if np.isnan(e) else e for e in err]   # None: overflowed, not drawn
precision_data = {
    "magnitudes": magnitudes, "errors": errors,
    "float16_zero_below": 2.0**-25,                    # float16's rounding thresholds
    "float16_smallest_normal": torch.finfo(torch.float16).smallest_normal,
    "float16_overflow_above": 65_520.0}
print("saved", save_figure("ch12_precision", precision_data, drawings.precision).name)

# %% [markdown]
# ## 4. Floating-point operations per token, and MFU
#
# Training on one token costs about $6N$ operations for the $N$ weights
# (2 forward, 4 backward) plus $12 \cdot L \cdot T \cdot d$ for attention's
# scores and weighted sums, which have no weights. MFU divides the operations a
# run does per second by the hardware's peak.

# %%
print(f"{'preset':6} {'parameters':>11} {'6N':>11} {'attention':>10} {'per token':>11} "
      f"{'per step':>10}")
for name in ("cpu", "gpu"):
    model_cfg, train_cfg = preset(name)
    n = TinyGPT(model_cfg).num_parameters()
    per_token = flops_per_token(model_cfg, n)
    attention = 12 * model_cfg.n_layer * model_cfg.block_size * model_cfg.n_embd
    per_step = per_token * train_cfg.batch_size * model_cfg.block_size
    print(f"{name:6} {n:11,} {per_token - attention:11.3g} {attention:10.3g} "
          f"{per_token:11.3g} {per_step:10.3g}")

# %% [markdown]
# The peak a GPU run is compared with is the data sheet's dense bfloat16 rate;
# on a CPU the command measures a float32 matrix-product rate instead. For a
# feel of the numbers: the tokens per second the `gpu` preset would need for a
# given MFU on each GPU the library knows.

# %%
model_cfg, _ = preset("gpu")
per_token = flops_per_token(model_cfg, TinyGPT(model_cfg).num_parameters())
for gpu, peak in GPU_PEAKS.items():
    print(f"{gpu:5} peak {peak / 1e12:4.0f} TFLOP/s: 40% MFU = "
          f"{0.4 * peak / per_token:10,.0f} tokens/s")

# %% [markdown]
# ### Figure: where the operations go as the context grows
#
# $6N$ does not depend on the block size $T$ (position embeddings are looked up,
# not multiplied), while attention's share grows with $T$: it equals the weights'
# share where $12 L T d = 6 N$, that is at $T = N / (2 L d)$.

# %%
blocks = 2 ** np.arange(4, 14)
shapes = {}
for name in ("cpu", "gpu"):
    model_cfg, _ = preset(name)
    n = TinyGPT(model_cfg).num_parameters() - model_cfg.block_size * model_cfg.n_embd
    attention = 12 * model_cfg.n_layer * blocks * model_cfg.n_embd
    own = 12 * model_cfg.n_layer * model_cfg.block_size * model_cfg.n_embd
    shapes[name] = {"n_layer": model_cfg.n_layer, "n_embd": model_cfg.n_embd,
                    "share": attention / (6 * n + attention),
                    "block_size": model_cfg.block_size, "own_share": own / (6 * n + own)}
    print(f"{name}: attention's share at its block size {model_cfg.block_size}: "
          f"{own / (6 * n + own):.1%}; equal to the weights' at T = "
          f"{n / (2 * model_cfg.n_layer * model_cfg.n_embd):,.0f}")
split_data = {"blocks": blocks, "presets": shapes}
print("saved", save_figure("ch12_flops_split", split_data, drawings.flops_split).name)
