"""What a run does to the base model before training: the stop hook, the run's prompts, a LoRA adapter,
mined hard negatives, and a fresh copy of the base model (for do no harm and guided losses).

Each function notes what it did in the run's log (`state`); the job records the results (config.yaml,
report.json)."""

from __future__ import annotations

import threading

from core import prompts
from core.config import TrainConfig
from core.inference.models import load_model
from core.recipes import Recipe, get_recipe
from core.runs.state import RunState
from core.training import lora

__all__ = ["RunStopped", "add_lora", "apply_prompts", "base_model", "mine", "stop_hook"]


class RunStopped(Exception):
    """Raised inside an evaluation once stop is asked, so that a long evaluation ends within a batch."""


def stop_hook(model, stop: threading.Event) -> None:
    """Make evaluations (and mining) end within a batch once `stop` is set: a forward pass without gradients
    (inference) raises RunStopped. Training steps, which need gradients, always finish."""
    import torch

    def check(module, args):
        if stop.is_set() and not torch.is_grad_enabled():
            raise RunStopped()

    model[0].register_forward_pre_hook(check)


def base_model(config: TrainConfig, run_prompts: prompts.Prompts):
    """A fresh copy of the base model, as the run loads it (with the run's prompts)."""
    model = load_model(config.model, max_seq_length=config.max_seq_length, trust_remote_code=config.trust_remote_code)
    prompts.apply(model, run_prompts, get_recipe(config.trainer))
    return model


def apply_prompts(config: TrainConfig, model, recipe: Recipe, state: RunState) -> prompts.Prompts:
    """Resolve the run's prompts on the base model and write them into it (core.prompts)."""
    run_prompts = prompts.resolve(config, model)
    prompts.apply(model, run_prompts, recipe)
    for warning in run_prompts.warnings:
        state.note(f"warning: {warning}")
    state.note(f"prompts: {run_prompts.describe()}")
    return run_prompts


def add_lora(config: TrainConfig, model, state: RunState) -> dict:
    """Put a LoRA adapter on the model (core.training.lora); returns what report.json records of it."""
    report = lora.add_adapter(
        model, rank=config.lora_rank, alpha=config.lora_alpha, dropout=config.lora_dropout, targets=config.lora_targets
    )
    share = report["trainable_parameters"] / report["parameters"]
    state.note(
        f"LoRA rank {config.lora_rank}, alpha {config.lora_alpha} on {', '.join(report['targets'])}: "
        f"{report['trainable_parameters']:,} of {report['parameters']:,} parameters train ({share:.2%})"
    )
    return report


def mine(config: TrainConfig, data, model, run_prompts: prompts.Prompts, state: RunState) -> dict | None:
    """Mine hard negatives for pair/qa rows with the base model before training (config.mine_negatives);
    `data.prepared.train` gains the negative columns. Returns what report.json records, None when nothing was
    to be mined."""
    from core.data.negatives import mine_negatives
    from core.training.evaluation import negative_columns

    prepared = data.prepared
    if not data.recipe.negatives:
        state.note(f"mine_negatives: trainer {data.recipe.name} takes no negatives; nothing mined")
        return None
    if negative_columns(prepared.train):
        state.note("mine_negatives: the table already has negatives (label or negative columns); nothing mined")
        return None
    state.note(f"mining {config.num_negatives} hard negative(s) per query with the base model")
    prepared.train, report = mine_negatives(
        prepared.train,
        model,
        num_negatives=config.num_negatives,
        margin=config.mining_margin,
        seed=config.seed,
        query_prompt=run_prompts.query,
        document_prompt=run_prompts.document,
    )
    if not report["mined"]:
        state.note(f"mine_negatives: {report['why']}")
    return report
