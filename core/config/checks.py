"""The checks of a run's values, before any data or model is loaded: one ConfigError naming every field
that is wrong, its value and what is allowed. What the machine must have for the run (a CUDA GPU for
fp16/bf16, peft for LoRA, the experiment tracker's package) is checked where the run starts
(`core.training.machine`), so that a config can be written on a laptop for a GPU box.
"""

from __future__ import annotations

import math

from core.config.schema import EVAL_STRATEGIES, LOGGERS, MINING_MARGIN, PRECISIONS, TrainConfig
from core.errors import ConfigError
from core.recipes import LOSSES, allowed_list, get_recipe, resolve_loss

__all__ = ["check"]


def check(config: TrainConfig) -> TrainConfig:
    """Check every value; raise one ConfigError listing all problems. Returns the config."""
    problems: list[str] = []

    def need(cond: bool, message: str) -> None:
        if not cond:
            problems.append(message)

    need(bool(config.data_path), "data_path: missing; give a file, a folder or a Hub dataset id (--data-path)")
    need(bool(config.model), "model: missing; give a Hub id or a local folder (--model)")
    if config.trainer is not None:  # None: suggested from the data, and the loss checked then
        try:
            recipe = get_recipe(config.trainer)
            spec = resolve_loss(recipe, config.loss)
            batch = config.batch_size or recipe.defaults.batch_size
            if config.mini_batch_size is not None and not spec.cached:
                cached = [name for name in recipe.losses if LOSSES[name].cached]
                problems.append(
                    f"mini_batch_size: {spec.name} does not embed in mini-batches; leave it empty, or choose "
                    + (f"a cached loss ({allowed_list(cached)})" if cached else "a trainer type with a cached loss")
                )
            if recipe.cross_encoder:  # a reranker: one score per pair, no embeddings to truncate or adapt
                need(not config.lora, f"lora: trainer '{recipe.name}' trains a whole CrossEncoder; turn LoRA off")
                need(
                    not config.matryoshka_dims,
                    f"matryoshka_dims: trainer '{recipe.name}' gives scores, not embeddings; leave out --matryoshka-dims",
                )
            if spec.label_batches and (batch < 4 or batch % 2):
                problems.append(
                    f"batch_size: {batch} does not suit {spec.name}, whose batches hold pairs of texts of one label; "
                    "use an even number of 4 or more, e.g. 16"
                )
        except ConfigError as exc:
            problems.append(str(exc).rstrip("."))
    for name in ("lr", "epochs", "batch_size", "gradient_accumulation", "max_seq_length", "num_negatives", "mini_batch_size"):
        value = getattr(config, name)
        need(value is None or (value > 0 and math.isfinite(value)), f"{name}: {value} must be greater than 0")
    need(0 <= config.mining_margin < 1, f"mining_margin: {config.mining_margin} must be in [0, 1), e.g. {MINING_MARGIN}")
    need(0 <= config.warmup_ratio < 1, f"warmup_ratio: {config.warmup_ratio} must be in [0, 1)")
    need(0 < config.validation_fraction < 1, f"validation_fraction: {config.validation_fraction} must be in (0, 1)")
    need(config.weight_decay >= 0, f"weight_decay: {config.weight_decay} must be 0 or more")
    need(config.max_grad_norm > 0, f"max_grad_norm: {config.max_grad_norm} must be greater than 0")
    need(config.max_samples is None or config.max_samples > 0, f"max_samples: {config.max_samples} must be greater than 0")
    need(
        config.logging_steps == -1 or config.logging_steps > 0, f"logging_steps: {config.logging_steps} must be -1 (auto) or > 0"
    )
    need(config.eval_steps is None or config.eval_steps > 0, f"eval_steps: {config.eval_steps} must be greater than 0")
    need(config.save_total_limit >= 1, f"save_total_limit: {config.save_total_limit} must be 1 or more")
    need(
        config.eval_strategy in EVAL_STRATEGIES,
        f"eval_strategy: '{config.eval_strategy}' is not allowed. Allowed: {allowed_list(EVAL_STRATEGIES)}",
    )
    need(
        config.mixed_precision in PRECISIONS,
        f"mixed_precision: '{config.mixed_precision}' is not allowed. Allowed: {allowed_list(PRECISIONS)}",
    )
    need(config.log in LOGGERS, f"log: '{config.log}' is not allowed. Allowed: {allowed_list(LOGGERS)}")
    if config.early_stopping_patience is not None:
        need(config.early_stopping_patience >= 1, "early_stopping_patience: must be 1 or more (or left out)")
        need(config.eval_strategy != "no", "early_stopping_patience: needs evaluation; set eval_strategy to steps or epoch")
    if config.score_min is not None or config.score_max is not None:
        need(
            config.score_min is not None and config.score_max is not None and config.score_min < config.score_max,
            f"score_min/score_max: declare both, with score_min < score_max (got {config.score_min}, {config.score_max})",
        )
    if config.matryoshka_dims is not None:
        dims = config.matryoshka_dims
        need(
            len(dims) > 0 and all(d > 0 for d in dims) and len(set(dims)) == len(dims),
            f"matryoshka_dims: {dims} must be distinct positive sizes, e.g. 384,256,128,64",
        )
    if config.lora:
        need(config.lora_rank >= 1, f"lora_rank: {config.lora_rank} must be 1 or more, e.g. 16")
        need(config.lora_alpha > 0, f"lora_alpha: {config.lora_alpha} must be greater than 0, e.g. 32")
        need(0 <= config.lora_dropout < 1, f"lora_dropout: {config.lora_dropout} must be in [0, 1), e.g. 0.1")
    problems += _check_optimizer(config.optimizer, config.scheduler)
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    return config


def _check_optimizer(optimizer: str, scheduler: str) -> list[str]:
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    problems = []
    optimizers = [o.value for o in OptimizerNames]
    if optimizer not in optimizers:
        problems.append(f"optimizer: '{optimizer}' is not allowed. Allowed: {allowed_list(optimizers)}")
    schedulers = [s.value for s in SchedulerType]
    if scheduler not in schedulers:
        problems.append(f"scheduler: '{scheduler}' is not allowed. Allowed: {allowed_list(schedulers)}")
    return problems
