"""The Tiny GPT on a GPU: bf16 autocast, fused AdamW, both attentions, generation, resuming.

Every test here is marked `gpu` and runs on the device named by
GRADBOOK_GPU_TEST_DEVICE ("cuda" unless told; the `gpu_device` fixture in
conftest.py). Without CUDA they are skipped; `make gpu-check SMOKE=1` runs them with
the device set to "cpu", so they keep working between GPU runs. The tolerances were
measured on the CPU (torch 2.13) and set a few times above what was seen there: each
comparison says what it measured.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

torch = pytest.importorskip("torch")  # the Tiny GPT is built on PyTorch

from gradbook.gpt import checkpoint  # noqa: E402  (after importorskip)
from gradbook.gpt.config import GPTConfig, TrainConfig  # noqa: E402  (after importorskip)
from gradbook.gpt.data import TextData, get_batch  # noqa: E402  (after importorskip)
from gradbook.gpt.generate import generate  # noqa: E402  (after importorskip)
from gradbook.gpt.model import TinyGPT  # noqa: E402  (after importorskip)
from gradbook.gpt.tokenizer import CharTokenizer  # noqa: E402  (after importorskip)
from gradbook.gpt.train import autocast, make_optimizer, model_from_checkpoint, train  # noqa: E402  (after importorskip)
from tests.helpers import GPT_TEXT as TEXT  # noqa: E402  (after importorskip)

pytestmark = pytest.mark.gpu

TOKENIZER = CharTokenizer.from_text(TEXT)
TINY = GPTConfig(vocab_size=TOKENIZER.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16)
DATA = TextData.from_text(TEXT, TOKENIZER, TINY.block_size)
TRAIN = TrainConfig(
    max_iters=16,
    batch_size=8,
    lr=3e-3,
    min_lr=3e-4,
    warmup_iters=5,
    eval_interval=5,
    eval_iters=2,
    final_eval_iters=4,
    seed=0,
)


def _model(device, seed=0, **kw):
    """A TinyGPT initialised on the CPU (the same weights whatever the device), then moved."""
    torch.manual_seed(seed)
    return TinyGPT(replace(TINY, **kw)).to(device)


def _batch(device, seed=1, batch_size=8):
    x, y = get_batch(DATA.train, TINY.block_size, batch_size, torch.Generator().manual_seed(seed))
    return x.to(device), y.to(device)


def _bf16_autocast(device):
    """What train() runs forward under: its own bf16 autocast on CUDA. On the CPU train()
    does not autocast at all, so the smoke run uses the CPU's bf16 autocast to test the same."""
    if device.type == "cuda":
        return autocast(device)
    return torch.autocast(device_type="cpu", dtype=torch.bfloat16)


def test_bf16_autocast_step_is_close_to_float32(gpu_device):
    model = _model(gpu_device)
    x, y = _batch(gpu_device)

    def loss_and_grads(bf16: bool):
        model.zero_grad(set_to_none=True)
        if bf16:
            with _bf16_autocast(gpu_device):
                logits, loss = model(x, y)
            assert logits.dtype == torch.bfloat16  # the autocast did take effect
        else:
            logits, loss = model(x, y)
            assert logits.dtype == torch.float32
        loss.backward()  # outside autocast, as train_step does
        return loss.item(), {name: p.grad.float().clone() for name, p in model.named_parameters()}

    loss32, grads32 = loss_and_grads(bf16=False)
    loss16, grads16 = loss_and_grads(bf16=True)
    # bf16 keeps 8 bits of mantissa (a rounding step of 2**-8 ≈ 3.9e-3, ~3 significant
    # digits), but the loss is a mean over 128 positions whose rounding errors mostly
    # cancel. Measured on the CPU (seeds 0-4, this model and a 4x wider one): relative
    # loss error ≤ 3.5e-5. We allow 1e-3, a quarter of one bf16 rounding step and ~30x
    # the measurement, as the GPU's kernels round differently from the CPU's.
    assert loss16 == pytest.approx(loss32, rel=1e-3)
    # Gradients: per parameter tensor, the bf16 gradient must point the same way
    # (cosine similarity) and be about as long. Measured on the CPU (seeds 0-4):
    # 1 - cosine ≤ 1.5e-3 and |norm ratio - 1| ≤ 0.028. We allow 1 - cosine ≤ 1e-2 and
    # |norm ratio - 1| ≤ 0.1. Tensors whose gradient is under 1e-4 of the largest
    # gradient are skipped: bf16's noise would swamp them (none is, at these seeds).
    largest = max(g.norm().item() for g in grads32.values())
    compared = 0
    for name, g32 in grads32.items():
        if g32.norm().item() < 1e-4 * largest:
            continue
        g16 = grads16[name]
        cosine = torch.nn.functional.cosine_similarity(g16.flatten(), g32.flatten(), dim=0).item()
        ratio = (g16.norm() / g32.norm()).item()
        assert cosine > 0.99, f"{name}: cosine similarity {cosine:.5f}"
        assert abs(ratio - 1) < 0.1, f"{name}: gradient norm ratio {ratio:.4f}"
        compared += 1
    assert compared >= 0.9 * len(grads32)  # nearly all were compared


def _decay_groups(model, weight_decay=0.1):
    """make_optimizer's parameter groups: weight decay on the matrices only."""
    params = list(model.parameters())
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def test_fused_adamw_matches_the_unfused_one(gpu_device):
    # train() asks for the fused AdamW on CUDA (one kernel for all parameters) ...
    assert make_optimizer(_model(gpu_device), TRAIN, gpu_device).defaults["fused"] == (
        gpu_device.type == "cuda"
    )
    # ... which must take the same steps as the plain one, given the same gradients.
    plain, fused = _model(gpu_device), _model(gpu_device)
    settings = {"lr": 3e-3, "betas": (0.9, 0.99)}
    plain_opt = torch.optim.AdamW(_decay_groups(plain), fused=False, **settings)
    try:
        fused_opt = torch.optim.AdamW(_decay_groups(fused), fused=True, **settings)
    except RuntimeError as err:  # a device the fused kernel does not support
        pytest.skip(f"fused AdamW is not available on {gpu_device}: {err}")
    for step in range(10):
        x, y = _batch(gpu_device, seed=step)
        _, loss = plain(x, y)
        loss.backward()
        for p, q in zip(plain.parameters(), fused.parameters()):
            q.grad = p.grad.clone()  # the very same gradients for both
        plain_opt.step(), fused_opt.step()
        plain_opt.zero_grad(set_to_none=True), fused_opt.zero_grad(set_to_none=True)
    # float32, 10 steps. Measured on the CPU: largest difference 7.5e-9 (the two compute
    # the same formula in a different order, a few float32 roundings apart). We allow
    # atol 1e-7 (13x) plus rtol 1e-6, ~8 float32 steps (2**-23 ≈ 1.2e-7) of the value,
    # for the LayerNorm gains near 1.
    for (name, p), q in zip(plain.named_parameters(), fused.parameters()):
        torch.testing.assert_close(q, p, rtol=1e-6, atol=1e-7, msg=lambda m, name=name: f"{name}: {m}")


def test_explicit_and_sdpa_attention_agree_on_the_device(gpu_device):
    explicit = _model(gpu_device, attention="explicit").eval()
    sdpa = _model(gpu_device, attention="sdpa").eval()
    sdpa.load_state_dict(explicit.state_dict())
    x, y = _batch(gpu_device)
    (a, loss_a), (b, loss_b) = explicit(x, y), sdpa(x, y)
    # float32. Measured on the CPU: logits (|logit| < 0.4) differ by at most 6e-8, half a
    # float32 step at 1; the gradients by at most 6e-8. We allow atol 1e-6 (~16x),
    # as CUDA's attention kernels sum in another order than the CPU's.
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    torch.testing.assert_close(loss_a, loss_b, rtol=0, atol=1e-6)
    loss_a.backward(), loss_b.backward()
    for (name, pa), pb in zip(explicit.named_parameters(), sdpa.parameters()):
        torch.testing.assert_close(
            pa.grad, pb.grad, rtol=0, atol=1e-6, msg=lambda m, name=name: f"{name}: {m}"
        )


@pytest.mark.parametrize("attention", ["explicit", "sdpa"])
def test_cached_and_uncached_generation_agree_on_the_device(gpu_device, attention):
    model = _model(gpu_device, attention=attention)
    prompt = [1, 2, 3]
    # 60 new tokens with a block of 16: the window slides several times
    cached = generate(model, prompt, 60, seed=7, use_cache=True)
    uncached = generate(model, prompt, 60, seed=7, use_cache=False)
    assert cached == uncached and len(cached) == 63 and cached[:3] == prompt
    assert generate(model, prompt, 60, seed=8) != cached  # the seed (of the device's generator) matters


def _same_weights(a, b):
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name


def test_resume_on_the_device_continues_exactly(gpu_device, tmp_path):
    # dropout > 0: the masks come from the device's random stream, which the checkpoint
    # must carry for the resumed run to draw the same ones (train.restore).
    model_cfg = replace(TINY, dropout=0.1)
    straight = train(DATA, TOKENIZER, model_cfg, TRAIN, device=gpu_device)
    # First: is training on this device repeatable at all? If not, no resume can match.
    again = train(DATA, TOKENIZER, model_cfg, TRAIN, device=gpu_device)
    assert again.history == straight.history, f"training on {gpu_device} is not deterministic"
    _same_weights(again.model, straight.model)
    first = train(DATA, TOKENIZER, model_cfg, TRAIN, device=gpu_device, out=tmp_path, stop_after=8)
    assert first.step == 8 and not first.final
    state = checkpoint.load(tmp_path)  # onto the CPU, as `gradbook gpt train` resumes
    assert state["step"] == 8
    resumed = train(DATA, TOKENIZER, model_cfg, TRAIN, device=gpu_device, out=tmp_path, resume=state)
    assert resumed.step == 16
    # exactly: the same steps in the same order, so no tolerance at all
    _same_weights(resumed.model, straight.model)
    assert resumed.history == straight.history
    assert resumed.final == straight.final


def _tensors(obj):
    """Every tensor in a nested structure of dicts, lists and tuples."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _tensors(value)


def test_a_checkpoint_written_on_the_device_loads_on_the_cpu(gpu_device, tmp_path):
    result = train(DATA, TOKENIZER, TINY, replace(TRAIN, max_iters=2), device=gpu_device, out=tmp_path)
    assert result.step == 2
    state = checkpoint.load(tmp_path, map_location="cpu")
    tensors = list(_tensors(state))
    assert len(tensors) > len(state["model"])  # the weights, AdamW's averages, the random states
    assert {t.device.type for t in tensors} == {"cpu"}
    model, tok = model_from_checkpoint(state, "cpu")
    assert tok.chars == TOKENIZER.chars
    on_device = result.model.eval()
    for (name, a), b in zip(model.state_dict().items(), on_device.state_dict().values()):
        assert torch.equal(a, b.cpu()), name  # the weights arrive bit for bit
    x, y = _batch("cpu")
    with torch.no_grad():
        (cpu_logits, cpu_loss), (dev_logits, dev_loss) = (
            model(x, y),
            on_device(x.to(gpu_device), y.to(gpu_device)),
        )
    # The same float32 weights, summed in another order by another device's kernels.
    # Measured on the CPU (the smoke run, the same kernels): no difference at all. We
    # allow atol 1e-5 on logits under 1 in size (~80 float32 steps at 1), for the GPU's
    # kernels.
    torch.testing.assert_close(dev_logits.cpu(), cpu_logits, rtol=0, atol=1e-5)
    torch.testing.assert_close(dev_loss.cpu(), cpu_loss, rtol=0, atol=1e-5)
