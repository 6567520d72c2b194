"""What this machine must have for a run, checked where the run starts (the app's registry, the job):
a CUDA GPU for fp16/bf16, peft for LoRA, the experiment tracker's package. The values themselves are
checked by `TrainConfig.check()` (core.config.checks), which needs none of them, so a config for a GPU
box can be written and checked on a laptop."""

from __future__ import annotations

import importlib.util

from core.config import TrainConfig
from core.errors import ConfigError
from core.training.lora import PEFT_MISSING, peft_missing

__all__ = ["check_machine", "resolve_precision"]


def check_machine(config: TrainConfig) -> TrainConfig:
    """Raise one ConfigError naming everything `config` needs that this machine lacks; returns the config."""
    problems = []
    if config.lora and peft_missing():
        problems.append(PEFT_MISSING)
    if config.log != "none" and importlib.util.find_spec(config.log) is None:
        problems.append(f"log: '{config.log}' is not installed; run `pip install {config.log}` or use --log none")
    problems += _precision_problems(config.mixed_precision)
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    return config


def resolve_precision(precision: str) -> str:
    """The precision a run uses: `auto` is bf16 on a CUDA GPU that supports it, else fp32 ("no").

    fp16 is never chosen by itself: it needs loss scaling and can overflow; bf16 has fp32's range.
    """
    if precision != "auto":
        return precision
    import torch

    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


def _precision_problems(precision: str) -> list[str]:
    if precision not in ("fp16", "bf16"):
        return []
    import torch

    if not torch.cuda.is_available():
        return [f"mixed_precision: '{precision}' needs a CUDA GPU and this machine has none; use --mixed-precision no"]
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        return ["mixed_precision: 'bf16' is not supported by this GPU; use fp16 or no"]
    return []
