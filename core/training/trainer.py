"""The sentence-transformers trainer a run trains with: its arguments (core.training.arguments), the
studio's callback (events, stop), early stopping, and LoRA's checkpoint loading."""

from __future__ import annotations

import functools
import math
import os
import threading

from core import prompts
from core.config import TrainConfig
from core.runs.folder import RunFolder
from core.runs.state import RunState
from core.training import lora
from core.training.arguments import has_cuda, sampler_for, training_arguments
from core.training.batching import batches_per_epoch
from core.training.callback import StudioCallback
from core.training.loss_head import LossHeadCallback, head_of

__all__ = ["AUTO_EVAL_POINTS", "AUTO_LOG_POINTS", "build_trainer"]

AUTO_LOG_POINTS = 50  # logging_steps=-1: about this many loss points per run
AUTO_EVAL_POINTS = 5  # eval_steps unset: about this many evaluations per run


def build_trainer(
    config: TrainConfig,
    model,
    loss,
    evaluator,
    data,
    *,
    primary_key: str,
    run_prompts: prompts.Prompts,
    state: RunState,
    folder: RunFolder,
    stop: threading.Event,
    progress_bar: bool = False,
    resuming: bool = False,
):
    from datasets import Dataset
    from sentence_transformers import CrossEncoderTrainer, SentenceTransformerTrainer
    from transformers import EarlyStoppingCallback
    from transformers.trainer_callback import PrinterCallback

    prepared, cross_encoder = data.prepared, data.recipe.cross_encoder
    train = Dataset.from_pandas(prepared.train, preserve_index=False)
    sampler = sampler_for(data.loss, config.group_by_length, label_pairs=data.recipe.makes_label_pairs(data.loss))
    world = int(os.environ.get("WORLD_SIZE", "1"))  # processes under torchrun / accelerate launch
    steps_per_epoch = math.ceil(batches_per_epoch(sampler, train, config.batch_size) / (config.gradient_accumulation * world))
    total_steps = max(1, math.ceil(steps_per_epoch * config.epochs))  # the automatic logging and evaluation steps
    args = training_arguments(
        config,
        output_dir=str(folder.checkpoints_dir),
        logging_steps=config.logging_steps if config.logging_steps > 0 else max(1, total_steps // AUTO_LOG_POINTS),
        eval_steps=config.eval_steps or max(1, math.ceil(total_steps / AUTO_EVAL_POINTS)),
        primary_key=primary_key,
        greater_is_better=getattr(evaluator, "greater_is_better", True),
        sampler=sampler,
        cpu_processes=world > 1 and not has_cuda(),
        progress_bar=progress_bar,
        resuming=resuming,
        # a CrossEncoder reads a pair as one input: no per-column prompts
        prompts=None if cross_encoder else prompts.for_columns(run_prompts, data.recipe, data.loss, prepared.train.columns),
        cross_encoder=cross_encoder,
    )
    callbacks = [StudioCallback(state, folder, stop, primary_key)]
    if head_of(loss) is not None:  # SoftmaxLoss: its classifier is saved with each checkpoint, for a resume
        callbacks.append(LossHeadCallback(loss))
    if config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience, config.early_stopping_threshold))
    trainer = (CrossEncoderTrainer if cross_encoder else SentenceTransformerTrainer)(
        model=model,
        args=args,
        train_dataset=train,
        loss=loss,
        evaluator=evaluator,  # eval_strategy "no" skips periodic evaluation, not the baseline and final ones
        callbacks=callbacks,
    )
    if not progress_bar:
        trainer.remove_callback(PrinterCallback)
    if config.lora:  # the best model and a resumed run load into the model that carries the adapter
        trainer._load_from_checkpoint = functools.partial(lora.load_checkpoint, trainer.model)
    return trainer
