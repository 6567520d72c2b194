"""The trainer's arguments for a run: its batch sampler and SentenceTransformerTrainingArguments from a TrainConfig.

The job (core.training.job) works out the step counts; what each setting becomes for the trainer is here.
"""

from __future__ import annotations

from core.config import TrainConfig
from core.recipes import LossSpec
from core.training.machine import resolve_precision

__all__ = ["has_cuda", "sampler_for", "training_arguments"]


def sampler_for(spec: LossSpec, group_by_length: bool, label_pairs: bool = False):
    """The loss's batch sampler (sentence-transformers' `BatchSamplers` value): plain batches become
    length-grouped ones when asked; label pairs (Recipe.makes_label_pairs: in-batch negatives made from
    pairs of texts of one label) never share a label in a batch (core.training.batching)."""
    if group_by_length and not (spec.in_batch_negatives or spec.label_batches):
        from core.training.batching import LengthGroupedBatchSampler

        return LengthGroupedBatchSampler
    if label_pairs:
        from core.training.batching import DistinctLabelBatchSampler

        return DistinctLabelBatchSampler
    return spec.batch_sampler


def training_arguments(
    cfg: TrainConfig,
    *,
    output_dir,
    logging_steps,
    eval_steps,
    primary_key,
    greater_is_better,
    sampler,
    cpu_processes,
    progress_bar,
    resuming=False,
    prompts=None,
    cross_encoder=False,
):
    """The trainer's arguments; `cross_encoder`: a reranker's (CrossEncoderTrainingArguments, the same settings)."""
    from sentence_transformers import CrossEncoderTrainingArguments, SentenceTransformerTrainingArguments

    arguments = CrossEncoderTrainingArguments if cross_encoder else SentenceTransformerTrainingArguments
    evaluating = cfg.eval_strategy != "no"
    return arguments(
        output_dir=output_dir,
        num_train_epochs=cfg.epochs,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        learning_rate=cfg.lr,
        warmup_steps=cfg.warmup_ratio,  # a float below 1 is a ratio of all steps in transformers 5
        gradient_accumulation_steps=cfg.gradient_accumulation,
        optim=cfg.optimizer,
        lr_scheduler_type=cfg.scheduler,
        weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm,
        seed=cfg.seed,
        fp16=resolve_precision(cfg.mixed_precision) == "fp16",
        bf16=resolve_precision(cfg.mixed_precision) == "bf16",
        auto_find_batch_size=cfg.auto_find_batch_size,
        **_checkpointing(arguments, cfg.gradient_checkpointing),
        logging_steps=logging_steps,
        eval_strategy=cfg.eval_strategy,
        eval_steps=eval_steps if cfg.eval_strategy == "steps" else None,
        save_strategy=cfg.eval_strategy,  # a checkpoint per evaluation, for best-model selection
        save_steps=eval_steps if cfg.eval_strategy == "steps" else None,
        # at least the best and the newest: the trainer deletes all but the best at the end when the limit is 1,
        # and a stopped run resumes from the newest (the checkpoint made at the stop)
        save_total_limit=max(2, cfg.save_total_limit),
        save_only_model=False,  # checkpoints hold optimizer, scheduler and RNG states too: a run resumes from them
        restore_callback_states_from_checkpoint=resuming,  # early stopping's count of evaluations without gain
        load_best_model_at_end=evaluating,
        metric_for_best_model=f"eval_{primary_key}" if evaluating else None,
        greater_is_better=greater_is_better,
        batch_sampler=sampler,
        prompts=prompts or None,  # {column: prompt} (core.prompts); the collator puts each before its texts
        report_to=[] if cfg.log == "none" else [cfg.log],
        disable_tqdm=not progress_bar,
        dataloader_pin_memory=has_cuda(),  # pinned memory only speeds up copies to a CUDA device
        # several processes without CUDA (torchrun on CPU): accelerate's MULTI_CPU mode with gloo
        use_cpu=cpu_processes,
        ddp_backend="gloo" if cpu_processes else None,
    )


def _checkpointing(arguments, on: bool) -> dict:
    """Gradient (activation) checkpointing under the name this transformers takes: `activation_checkpointing`
    since transformers 5.2x (the old name warns on every run), `gradient_checkpointing` before."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(arguments)}
    return {"activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing": on}


def has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()
