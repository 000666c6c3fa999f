"""Chapter 10: the Tiny GPT on this CPU.

Training: one optimizer step (forward, backward, clipping, AdamW) of the ``cpu``
preset model on one batch of 12 × 64 tokens, with attention written out
(the reference) against PyTorch's fused ``scaled_dot_product_attention``, and
against SDPA compiled with ``torch.compile``. The models start from the same
weights and see the same batch; before timing, both must give the same loss and
gradients.

Generation: 500 new characters from an untrained model, with and without the
key/value cache, for the ``cpu`` preset's shape and for the ``gpu`` preset's shape
(run here on the CPU). Both must produce the same tokens.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from run import Case

from gradbook.gpt.config import preset
from gradbook.gpt.generate import generate
from gradbook.gpt.model import TinyGPT
from gradbook.gpt.train import make_optimizer

VOCAB = 65


def _models(attention_a: str, attention_b: str, compile_b: bool = False):
    model_cfg, train_cfg = preset("cpu")
    model_cfg = replace(model_cfg, vocab_size=VOCAB)
    torch.manual_seed(0)
    a = TinyGPT(replace(model_cfg, attention=attention_a))
    b = TinyGPT(replace(model_cfg, attention=attention_b))
    b.load_state_dict(a.state_dict())
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, VOCAB, (train_cfg.batch_size, model_cfg.block_size), generator=g)
    y = torch.randint(0, VOCAB, (train_cfg.batch_size, model_cfg.block_size), generator=g)

    def stepper(model, fwd):
        opt = make_optimizer(model, train_cfg, torch.device("cpu"))

        def step():
            _, loss = fwd(x, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_cfg.grad_clip)
            opt.step()
            opt.zero_grad(set_to_none=True)
            return model

        return step

    fwd_b = torch.compile(b) if compile_b else b
    # Before any timing the two must agree: same loss, same gradients, from the same
    # weights on the same batch. (Not the same weights after many AdamW steps: Adam
    # divides by the gradient's size, so rounding differences grow.)
    for model, fwd in ((a, a), (b, fwd_b)):
        _, loss = fwd(x, y)
        loss.backward()
        model.loss = loss.item()
    assert abs(a.loss - b.loss) < 1e-5, (a.loss, b.loss)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=0, atol=1e-5, msg=name)
        p.grad = q.grad = None
    tokens = train_cfg.batch_size * model_cfg.block_size
    return stepper(b, fwd_b), stepper(a, a), tokens


def training_case(compile_ours: bool) -> Case:
    ours, reference, tokens = _models("explicit", "sdpa", compile_b=compile_ours)
    what = "SDPA + torch.compile" if compile_ours else "SDPA"
    return Case(
        name=f"ch10 training step, cpu preset, {what}",
        ours=ours,
        reference=reference,
        reference_name="explicit attention (eager)",
        repeats=5,
        number=20,
        items=tokens,
        item_name="tokens",
    )


def generation_case(preset_name: str, new_tokens: int = 500) -> Case:
    model_cfg, _ = preset(preset_name)
    torch.manual_seed(0)
    model = TinyGPT(replace(model_cfg, vocab_size=VOCAB, dropout=0.0)).eval()
    prompt = list(range(10))

    def run(use_cache):
        return lambda: generate(model, prompt, new_tokens, temperature=1.0, seed=0, use_cache=use_cache)

    def same_tokens(a, b):
        assert a == b, "cached and uncached generation disagree"

    shape = f"{model_cfg.n_layer} layers, {model_cfg.n_embd} wide, block {model_cfg.block_size}"
    return Case(
        name=f"ch10 generate {new_tokens} tokens, {preset_name} preset shape ({shape}), KV cache",
        ours=run(True),
        reference=run(False),
        reference_name="no cache (whole window every token)",
        repeats=3,
        check=same_tokens,
        items=new_tokens,
        item_name="tokens",
    )


CASES = [
    training_case(compile_ours=False),
    training_case(compile_ours=True),
    generation_case("cpu"),
    generation_case("gpu"),
]
