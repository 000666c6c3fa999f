"""The Tiny GPT's settings: the model's shape, the training run's, and the book's two presets.

Both settings classes check themselves (`check()`) and can be rebuilt from the
plain dicts a checkpoint stores (`from_dict`). A setting that cannot work raises
`gradbook.errors.SettingsError`, naming the setting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Protocol, TypeVar

from gradbook.errors import SettingsError

ATTENTION = ("explicit", "sdpa")


class _SettingsClass(Protocol):
    """A dataclass with a `check()` method, such as GPTConfig and TrainConfig."""
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def check(self) -> Any: ...


Settings = TypeVar("Settings", bound=_SettingsClass)


def require_positive_ints(settings: object, names: tuple[str, ...]) -> None:
    """Raise SettingsError naming the first of `names` that is not a positive integer."""
    for name in names:
        value = getattr(settings, name)
        if not isinstance(value, int) or value < 1:
            raise SettingsError(f"{name} must be a positive integer, got {value!r}")


def settings_from_dict(cls: type[Settings], d: dict[str, Any], what: str) -> Settings:
    """A checked `cls` (a settings dataclass) from a dict, e.g. one read from a checkpoint."""
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise SettingsError(f"unknown {what} settings: {', '.join(sorted(unknown))}")
    settings = cls(**d)
    settings.check()
    return settings


@dataclass
class GPTConfig:
    vocab_size: int = 65
    block_size: int = 64      # the longest context the model can see
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    attention: str = "sdpa"   # "explicit" or "sdpa": the same maths, two implementations

    def check(self) -> GPTConfig:
        require_positive_ints(self, ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"))
        if self.n_embd % self.n_head:
            raise SettingsError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        if not 0 <= self.dropout < 1:
            raise SettingsError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.attention not in ATTENTION:
            raise SettingsError(f"attention must be one of {ATTENTION}, got {self.attention!r}")
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GPTConfig:
        return settings_from_dict(cls, d, "model")


# --8<-- [start:config]
@dataclass
class TrainConfig:
    max_iters: int = 2000
    batch_size: int = 12          # blocks per optimizer step, summed over all processes
    grad_accum: int = 1           # micro-batches per step, summed over all processes
    lr: float = 4e-3              # peak learning rate, reached after the warm-up
    min_lr: float = 4e-4          # the cosine decay ends here at max_iters
    warmup_iters: int = 100
    weight_decay: float = 0.1     # applied to matrices only
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0        # largest allowed global gradient norm
    eval_interval: int = 250
    eval_iters: int = 20          # batches per split at each periodic evaluation
    final_eval_iters: int = 200   # batches per split for the final numbers
    seed: int = 1337
    compile: bool = False
    # --8<-- [end:config]

    def check(self) -> TrainConfig:
        require_positive_ints(self, ("max_iters", "batch_size", "grad_accum", "eval_interval",
                                     "eval_iters", "final_eval_iters"))
        if self.batch_size % self.grad_accum:
            raise SettingsError(f"batch_size ({self.batch_size}) must be a multiple of grad_accum "
                                f"({self.grad_accum})")
        if not self.lr > 0 or not 0 <= self.min_lr <= self.lr:
            raise SettingsError(f"need lr > 0 and 0 <= min_lr <= lr, got lr={self.lr}, "
                                f"min_lr={self.min_lr}")
        if self.warmup_iters < 0 or self.weight_decay < 0 or self.grad_clip <= 0:
            raise SettingsError("warmup_iters and weight_decay must be >= 0 and grad_clip > 0")
        return self

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        return settings_from_dict(cls, d, "training")


# --8<-- [start:presets]
PRESETS = {
    # A laptop CPU: about 0.8 M parameters, a couple of minutes.
    "cpu": (GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0),
            TrainConfig(max_iters=2000, batch_size=12)),
    # One GPU: about 10.7 M parameters.
    "gpu": (GPTConfig(block_size=256, n_layer=6, n_head=6, n_embd=384, dropout=0.2),
            TrainConfig(max_iters=5000, batch_size=64, lr=1e-3, min_lr=1e-4, warmup_iters=100,
                        eval_interval=500, eval_iters=50)),
}
# --8<-- [end:presets]


def preset(name: str) -> tuple[GPTConfig, TrainConfig]:
    """Fresh copies of a preset's settings (changing them leaves `PRESETS` alone)."""
    if name not in PRESETS:
        raise SettingsError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    model_config, train_config = PRESETS[name]
    return replace(model_config), replace(train_config)
