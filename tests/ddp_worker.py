"""Run by ``torchrun`` from tests/test_gpt_distributed.py: train a tiny model on every rank.

Each rank writes its parameters and its logged losses, so the test can compare the
ranks with each other and with a single-process run.
"""

import json
import sys
from pathlib import Path

import torch

from gradbook.gpt import distributed
from gradbook.gpt.config import GPTConfig, TrainConfig
from gradbook.gpt.data import TextData
from gradbook.gpt.tokenizer import CharTokenizer
from gradbook.gpt.train import train


def tiny(text: str, steps: int, grad_accum: int):
    tok = CharTokenizer.from_text(text)
    model_cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16)
    cfg = TrainConfig(
        max_iters=steps,
        batch_size=8,
        grad_accum=grad_accum,
        lr=1e-2,
        min_lr=1e-3,
        warmup_iters=2,
        eval_interval=steps,
        eval_iters=2,
        final_eval_iters=2,
        seed=0,
    )
    return TextData.from_text(text, tok, model_cfg.block_size), tok, model_cfg, cfg


def main(corpus: str, out: str, steps: int) -> None:
    torch.set_num_threads(1)
    ranks, device = distributed.setup(torch.device("cpu"))
    data, tok, model_cfg, cfg = tiny(Path(corpus).read_text(), steps, grad_accum=ranks.world_size)
    losses = []
    result = train(
        data,
        tok,
        model_cfg,
        cfg,
        device=device,
        ranks=ranks,
        on_step=lambda step, loss, lr, tps: losses.append(loss),
    )
    out = Path(out)
    torch.save(result.model.state_dict(), out / f"rank{ranks.rank}.pt")
    (out / f"losses{ranks.rank}.json").write_text(json.dumps(losses))
    distributed.teardown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
