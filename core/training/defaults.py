"""The resolution of a run's defaults: a pure function of the config and the trainer type it trains as."""

from __future__ import annotations

from core.config import TrainConfig
from core.recipes import get_recipe
from core.training.lora import LORA_LR_FACTOR

__all__ = ["resolve_defaults"]


def resolve_defaults(config: TrainConfig, trainer: str, loss: str) -> TrainConfig:
    """`config` with every default a trainer type brings filled in: the trainer, its loss, and its learning
    rate, epochs and batch size where none was set. config.yaml records this, so re-running a run's config
    trains the same thing after the defaults change. A LoRA run's default learning rate is LORA_LR_FACTOR
    times the trainer type's (README, "LoRA")."""
    defaults = get_recipe(trainer).defaults
    default_lr = defaults.lr * (LORA_LR_FACTOR if config.lora else 1)
    return config.replace(
        trainer=trainer,
        loss=loss,
        lr=config.lr if config.lr is not None else default_lr,
        epochs=config.epochs if config.epochs is not None else defaults.epochs,
        batch_size=config.batch_size if config.batch_size is not None else defaults.batch_size,
    )
