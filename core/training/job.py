"""The training job: one run, from config to saved model, in a background thread or in the foreground.

`TrainingJob(config)` checks the config and creates the run folder at once (errors raise there,
before anything runs). `start()` trains in a daemon thread; `run()` trains in the calling thread
(the CLI, torchrun). `stop()` asks the trainer to stop after the current step (an evaluation under
way is cut short within a batch); the model trained so far is saved, with a checkpoint to resume
from, and the state is `stopped`. Any exception ends in state `failed` with a readable error in
status.json and the traceback in log.txt.

One run trains per machine: the run holds the lock in the runs root (core.runs.lock) while it
works (rank 0 under torchrun). `resume=True` continues a stopped or interrupted run from its
newest checkpoint (model, optimizer, scheduler, step, early-stopping state); metrics.jsonl keeps
the events up to that step and continues from there.

Evaluation: the recipe's evaluator runs before training (step 0, the baseline), at each
evaluation step (through the trainer), and once more on the final model. Early stopping and
best-model selection read the evaluator's primary metric.
"""

from __future__ import annotations

import functools
import math
import os
import threading
import traceback
from typing import Any

from core import prompts
from core.config import TrainConfig, resolve_precision
from core.errors import StudioError
from core.inference.models import load_model
from core.recipes import get_recipe
from core.runs import lock
from core.runs.folder import RunFolder, is_main_process, new_run_dir
from core.runs.state import TERMINAL_STATES, RunState
from core.training import lora
from core.training.arguments import has_cuda, sampler_for, training_arguments
from core.training.callback import StudioCallback, eval_event
from core.training.evaluation import build_evaluator
from core.training.losses import build_loss

__all__ = ["RunStopped", "TrainingJob", "fresh_start_command"]


def fresh_start_command(folder: RunFolder) -> str:
    """How to train a run again from the console with the same settings, in a new folder."""
    return f"start it again with: sbert-studio train --config {folder.config_path} --project-name {folder.path}-again"


class RunStopped(Exception):
    """Raised inside an evaluation once stop is asked, so that a long evaluation ends within a batch."""


AUTO_LOG_POINTS = 50  # logging_steps=-1: about this many loss points per run
AUTO_EVAL_POINTS = 5  # eval_steps unset: about this many evaluations per run
HEADROOM = 0.95  # a baseline at or above this leaves little to gain: the run says so before training


class TrainingJob:
    """One training run. See the module docstring."""

    def __init__(
        self,
        config: TrainConfig,
        *,
        run_dir: str | None = None,
        progress_bar: bool = False,
        prepared: bool = False,
        resume: bool = False,
        origin: str = "console",
        owner: str | None = None,
    ) -> None:
        """`prepared`: the app made the folder (config.yaml only) for this run; `resume`: continue the run in
        `run_dir`; `origin`: who started it ("app" or "console"), for the lock; `owner`: the Space login that did.

        Raises:
            ConfigError, RunFolderError, BusyError (another run holds the machine; nothing is created).
        """
        self.config = config.check()
        self.progress_bar = progress_bar
        self.resume = resume
        self.origin = origin
        self._lock: lock.LockInfo | None = None
        held = lock.holder() if is_main_process() else None
        if held is not None and held.token != os.environ.get(lock.TOKEN_ENV) and held.pid != os.getpid():
            raise lock.busy(held)
        path = run_dir or config.project_name or new_run_dir(config.trainer)
        self.folder = RunFolder(path, writer=is_main_process())
        if resume:
            previous = self.folder.read_status() or {}
            kept = {k: v for k, v in previous.items() if k not in ("elapsed", "pid", "error", "finished_at")}
            self.state = RunState(self.folder, **kept, pid=os.getpid())
        else:
            self.folder.create(config.to_yaml(), prepared=prepared)
            extra = {"owner": owner} if owner else {}
            self.state = RunState(self.folder, trainer=config.trainer, model=config.model, origin=origin, **extra)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    def start(self) -> TrainingJob:
        """Train in a background thread; returns at once."""
        self._thread = threading.Thread(target=self.run, name=f"train-{self.folder.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to stop after the current step; the model so far is saved."""
        if not self._stop.is_set() and self.state.state not in TERMINAL_STATES:
            self._stop.set()
            self.state.note("stop requested")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background thread; True when the run has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state.state in TERMINAL_STATES

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    @property
    def run_dir(self):
        return self.folder.path

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ the run
    def run(self) -> dict[str, Any]:
        """Train in this thread; never raises. Returns the final snapshot."""
        try:
            if is_main_process():
                self._lock, note = lock.acquire(self.folder.path, self.origin)
                if note:
                    self.state.note(note)
            self._train()
        except StudioError as exc:
            self.state.fail(str(exc))
        except Exception as exc:
            self.state.fail(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            lock.release(self._lock)
        return self.snapshot()

    def _train(self) -> None:
        from core.data.load import load_training_data

        state = self.state
        state.set_state("preparing")
        data = load_training_data(self.config)
        recipe, prepared = data.recipe, data.prepared
        # the trainer and loss may have been suggested from the data: their checks run now
        cfg = self.config = self.config.resolved(recipe.name, data.loss.name).check()
        self.folder.write_config(cfg.to_yaml())  # the resolved run: re-running it trains the same thing
        state.update(trainer=recipe.name, loss=data.loss.name, primary_metric=recipe.primary_metric)
        mapping = ", ".join(f"{role} <- '{column}'" for role, column in data.mapping.items() if column)
        state.note(f"trainer {recipe.name} ({prepared.report['trainer_chosen_by']}), loss {data.loss.name}; columns: {mapping}")
        state.note(f"lr {cfg.lr:g}, {cfg.epochs:g} epochs, batch size {cfg.batch_size} (unset values: {recipe.name}'s defaults)")
        self.folder.write_report(prepared.report)
        if cfg.mixed_precision == "auto":
            state.note(f"precision: {'bf16' if resolve_precision('auto') == 'bf16' else 'fp32'} (auto)")

        model = load_model(cfg.model, max_seq_length=cfg.max_seq_length, trust_remote_code=cfg.trust_remote_code)
        if cfg.trust_remote_code:
            state.note(f"trust_remote_code is on: code from model '{cfg.model}' runs on this machine")
        if model.max_seq_length != cfg.max_seq_length:
            state.note(f"max_seq_length {cfg.max_seq_length} is more than the model takes; using {model.max_seq_length}")
        self._interruptible(model)
        self._prompts(model, recipe, prepared.report)
        if cfg.lora:
            self._lora(model, prepared.report)
        self.folder.write_report(prepared.report)  # with the run's prompts (and adapter)
        state.update(
            parameters=sum(p.numel() for p in model.parameters()),
            trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
        )
        if cfg.mine_negatives:
            self._mine(data, model)
        state.note(f"rows: {len(prepared.train)} train, {len(prepared.valid)} validation")
        guide = self._base_model() if data.loss.guided else None
        loss = build_loss(
            data.loss,
            model,
            num_labels=prepared.num_labels,
            matryoshka_dims=cfg.matryoshka_dims,
            guide=guide,
            mini_batch_size=cfg.mini_batch_size,
        )
        evaluator = build_evaluator(
            recipe,
            prepared.valid,
            prepared.train,
            loss=loss,
            num_labels=prepared.num_labels,
            batch_size=cfg.batch_size,
            matryoshka_dims=cfg.matryoshka_dims,
            seed=cfg.seed,
            valid_negatives=prepared.valid_negatives,
        )
        if self._stopped_before("baseline", model):
            return
        checkpoint = self._resume_point() if self.resume else None
        if checkpoint is not None:
            primary_key = state.snapshot()["primary_key"]
            evaluator.primary_metric = primary_key
            if self._stopped_before("training", model):
                return
            return self._fit(model, loss, evaluator, data, primary_key, checkpoint)
        state.set_state("baseline")
        try:
            baseline = evaluator(model)  # also fixes evaluator.primary_metric's full key
        except RunStopped:  # stop asked while the baseline was measured: it ends now, the base model saved
            self._stopped_before("training", model)
            return
        primary_key = evaluator.primary_metric
        event = eval_event(baseline, primary_key, step=0, epoch=0.0)
        self.folder.append_metrics(event)
        state.update(primary_key=primary_key, baseline=event["primary"], last=event["primary"])
        state.note(f"baseline {recipe.primary_metric}: {event['primary']:.4f}")
        if getattr(evaluator, "greater_is_better", True) and event["primary"] >= HEADROOM:
            notice = (
                f"the base model already scores {event['primary']:.3f} ({recipe.primary_metric}) on your validation data: "
                "little is left to gain, and training can lose some of what the model knew. If the run does not beat "
                "the base model, the base model is kept; a harder validation split (more candidates, hard negatives) "
                "tells more"
            )
            state.update(notice=notice)
            state.note(f"notice: {notice}")
        if self._stopped_before("training", model):
            return
        self._fit(model, loss, evaluator, data, primary_key, None)

    def _fit(self, model, loss, evaluator, data, primary_key: str, checkpoint) -> None:
        """Train (from `checkpoint` when resuming), evaluate the final model, do no harm, save."""
        state, recipe = self.state, data.recipe
        trainer = self._trainer(model, loss, evaluator, data, primary_key, resuming=checkpoint is not None)
        state.set_state("training")
        interrupted = False
        try:
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        except RunStopped:  # stop asked during an evaluation: the weights are those of the last step
            interrupted = True
            self._checkpoint(trainer)
        # stopped only if the request cut training short (not a stop pressed after the last step)
        stopped = interrupted or (self._stop.is_set() and trainer.state.global_step < trainer.state.max_steps)
        state.set_state("saving")
        final = None
        if not stopped:
            try:
                metrics = trainer.evaluate()  # the final (best, when selected) model; logged by the callback
                final = metrics.get(f"eval_{primary_key}")
            except RunStopped:
                state.note("stop asked during the final evaluation: the trained model is saved without a final metric")
        baseline = state.snapshot()["baseline"]
        better = getattr(evaluator, "greater_is_better", True)
        worse = (
            final is not None
            and baseline is not None
            and (math.isnan(final) or (final < baseline if better else final > baseline))
        )
        if worse and is_main_process():  # do no harm: never hand out a model worse than the one the person had
            self._base_model().save(str(self.folder.model_dir))
        else:
            self._save(trainer.model, trainer)
        state.update(final=final)
        if final is not None:
            state.note(f"final {recipe.primary_metric}: {final:.4f} (baseline {baseline:.4f})")
            if final == baseline or worse:
                self._warn_no_gain(recipe, baseline, final, worse)
        state.note(f"model saved to {self.folder.model_dir}")
        if has_cuda():  # the memory a person needs on this GPU for this run (bench/lora.py reads it)
            import torch

            state.update(peak_cuda_mib=round(torch.cuda.max_memory_allocated() / 2**20))
        state.set_state("stopped" if stopped else "finished")

    def _warn_no_gain(self, recipe, baseline: float, final: float, worse: bool) -> None:
        """Say plainly, in status.json, the log and the page, that training did not beat the base model."""
        cfg = self.config
        kept = "the saved model is the base model, unchanged" if worse else "the saved model scores the same as the base model"
        tips = [f"a lower learning rate (--lr {cfg.lr / 5:g})", "fewer epochs", "more or cleaner rows"]
        if recipe.negatives and not cfg.mine_negatives:
            tips.insert(1, "hard negatives (a 0/1 label column, negative columns, or --mine-negatives)")
        message = (
            f"training did not beat the base model on your validation data: {recipe.primary_metric} {baseline:.4f} before, "
            f"{final:.4f} after; {kept}. Try {', '.join(tips[:-1])} or {tips[-1]}"
        )
        self.state.update(warning=message)
        self.state.note(f"warning: {message}")

    def _base_model(self):
        """A fresh copy of the base model, as the run loads it (with the run's prompts)."""
        cfg = self.config
        model = load_model(cfg.model, max_seq_length=cfg.max_seq_length, trust_remote_code=cfg.trust_remote_code)
        prompts.apply(model, self.prompts, get_recipe(cfg.trainer))
        return model

    def _lora(self, model, report: dict) -> None:
        """Put a LoRA adapter on the model (core.training.lora); `report` (report.json) records it."""
        cfg = self.config
        report["lora"] = lora.add_adapter(
            model, rank=cfg.lora_rank, alpha=cfg.lora_alpha, dropout=cfg.lora_dropout, targets=cfg.lora_targets
        )
        share = report["lora"]["trainable_parameters"] / report["lora"]["parameters"]
        self.state.note(
            f"LoRA rank {cfg.lora_rank}, alpha {cfg.lora_alpha} on {', '.join(report['lora']['targets'])}: "
            f"{report['lora']['trainable_parameters']:,} of {report['lora']['parameters']:,} parameters train ({share:.2%})"
        )

    def _save(self, model, trainer=None) -> None:
        """The run's model folder (through the trainer when there is one: it saves on the main process only); a LoRA
        adapter is merged into the base weights first, so the folder loads without peft."""
        if self.config.lora:
            lora.merge_adapter(model)
        if trainer is not None:
            trainer.save_model(str(self.folder.model_dir))
        else:
            model.save(str(self.folder.model_dir))

    def _prompts(self, model, recipe, report: dict) -> None:
        """Resolve the run's prompts on the base model and write them into it (core.prompts); config.yaml records
        them as resolved, `report` (report.json) with the model's own."""
        self.prompts = prompts.resolve(self.config, model)
        prompts.apply(model, self.prompts, recipe)
        for warning in self.prompts.warnings:
            self.state.note(f"warning: {warning}")
        self.state.note(f"prompts: {self.prompts.describe()}")
        self.config = self.config.replace(query_prompt=self.prompts.query or None, document_prompt=self.prompts.document or None)
        self.folder.write_config(self.config.to_yaml())
        report["prompts"] = self.prompts.record()

    def _mine(self, data, model) -> None:
        """Mine hard negatives for pair/qa rows with the base model before training (config.mine_negatives)."""
        from core.data.negatives import mine_negatives
        from core.training.evaluation import negative_columns

        cfg, prepared = self.config, data.prepared
        if not data.recipe.negatives:
            self.state.note(f"mine_negatives: trainer {data.recipe.name} takes no negatives; nothing mined")
            return
        if negative_columns(prepared.train):
            self.state.note("mine_negatives: the table already has negatives (label or negative columns); nothing mined")
            return
        self.state.note(f"mining {cfg.num_negatives} hard negative(s) per query with the base model")
        prepared.train, report = mine_negatives(
            prepared.train,
            model,
            num_negatives=cfg.num_negatives,
            margin=cfg.mining_margin,
            seed=cfg.seed,
            query_prompt=self.prompts.query,
            document_prompt=self.prompts.document,
        )
        prepared.report["mined_negatives"] = report
        self.folder.write_report(prepared.report)
        if not report["mined"]:
            self.state.note(f"mine_negatives: {report['why']}")

    def _interruptible(self, model) -> None:
        """Make evaluations (and mining) end within a batch once stop is asked: a forward pass without gradients
        (inference) raises RunStopped. Training steps, which need gradients, always finish."""
        import torch

        def check(module, args):
            if self._stop.is_set() and not torch.is_grad_enabled():
                raise RunStopped()

        model[0].register_forward_pre_hook(check)

    def _checkpoint(self, trainer) -> None:
        """A checkpoint at the current step (model, optimizer, scheduler, state) to resume from after a stop."""
        try:
            trainer._save_checkpoint(trainer.model, trial=None)
        except Exception as exc:  # resuming then starts from the last evaluation's checkpoint
            self.state.note(f"no checkpoint at the stop ({type(exc).__name__}: {exc}); resume uses the last evaluation's")

    def _resume_point(self):
        """The checkpoint to resume from; metrics.jsonl is cut back to its step so no step is repeated.

        Raises:
            RunFolderError: the run finished or has no checkpoint (it never reached one), with the fresh start instead.
        """
        from core.runs.index import resume_checkpoint

        checkpoint = resume_checkpoint(self.folder, fresh_start_command(self.folder))
        step = int(checkpoint.name.split("-")[-1])
        kept = self.folder.truncate_metrics(step)
        self.state.update(step=step, warning=None, notice=self.state.snapshot().get("notice"))
        self.state.note(f"resuming from {checkpoint.name} (step {step}); metrics.jsonl keeps {kept} events up to it")
        return checkpoint

    def _stopped_before(self, stage: str, model) -> bool:
        """When stop was asked before `stage`, save the model as it is and end as stopped."""
        if not self._stop.is_set():
            return False
        self.state.set_state("saving")
        if is_main_process():
            self._save(model)
        self.state.note(f"stopped before {stage}; model saved to {self.folder.model_dir}")
        self.state.set_state("stopped")
        return True

    def _trainer(self, model, loss, evaluator, data, primary_key: str, *, resuming: bool = False):
        from datasets import Dataset
        from sentence_transformers import SentenceTransformerTrainer
        from transformers import EarlyStoppingCallback
        from transformers.trainer_callback import PrinterCallback

        cfg, prepared = self.config, data.prepared
        world = int(os.environ.get("WORLD_SIZE", "1"))  # processes under torchrun / accelerate launch
        steps_per_epoch = math.ceil(len(prepared.train) / (cfg.batch_size * cfg.gradient_accumulation * world))
        total_steps = max(1, math.ceil(steps_per_epoch * cfg.epochs))
        args = training_arguments(
            cfg,
            output_dir=str(self.folder.checkpoints_dir),
            logging_steps=cfg.logging_steps if cfg.logging_steps > 0 else max(1, total_steps // AUTO_LOG_POINTS),
            eval_steps=cfg.eval_steps or max(1, math.ceil(total_steps / AUTO_EVAL_POINTS)),
            primary_key=primary_key,
            greater_is_better=getattr(evaluator, "greater_is_better", True),
            sampler=sampler_for(data.loss, cfg.group_by_length, labelled="label" in prepared.train.columns),
            cpu_processes=world > 1 and not has_cuda(),
            progress_bar=self.progress_bar,
            resuming=resuming,
            prompts=prompts.for_columns(self.prompts, data.recipe, prepared.train.columns),
        )
        callbacks = [StudioCallback(self.state, self.folder, self._stop, primary_key)]
        if cfg.early_stopping_patience:
            callbacks.append(EarlyStoppingCallback(cfg.early_stopping_patience, cfg.early_stopping_threshold))
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_pandas(prepared.train, preserve_index=False),
            loss=loss,
            evaluator=evaluator,  # eval_strategy "no" skips periodic evaluation, not the baseline and final ones
            callbacks=callbacks,
        )
        if not self.progress_bar:
            trainer.remove_callback(PrinterCallback)
        if cfg.lora:  # the best model and a resumed run load into the model that carries the adapter
            trainer._load_from_checkpoint = functools.partial(lora.load_checkpoint, trainer.model)
        return trainer
