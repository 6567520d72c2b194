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

This module keeps the run's lifecycle; what it does to the model before training is
`core.training.model_setup` (stop hook, prompts, LoRA, mining), the trainer's construction
`core.training.trainer`, resuming `core.training.resume`, and the do-no-harm verdict a pure
function in `core.training.verdict`.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from core.config import TrainConfig
from core.errors import StudioError
from core.inference.models import load_model
from core.prompts import Prompts
from core.runs import lock
from core.runs.folder import RunFolder, is_main_process, new_run_dir
from core.runs.state import TERMINAL_STATES, RunState
from core.training import lora, model_setup
from core.training.arguments import has_cuda
from core.training.callback import eval_event
from core.training.defaults import resolve_defaults
from core.training.evaluation import build_evaluator
from core.training.loss_head import restore_head
from core.training.losses import build_loss
from core.training.machine import check_machine, resolve_precision
from core.training.model_setup import RunStopped
from core.training.resume import checkpoint_now, resume_point
from core.training.trainer import build_trainer
from core.training.verdict import judge, no_gain_warning

__all__ = ["RunStopped", "TrainingJob"]


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
        self.config = check_machine(config.check())
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
        cfg = self.config = resolve_defaults(self.config, recipe.name, data.loss.name).check()
        self.folder.write_config(cfg.to_yaml())  # the resolved run: re-running it trains the same thing
        state.update(trainer=recipe.name, loss=data.loss.name, primary_metric=recipe.primary_metric)
        mapping = ", ".join(f"{role} <- '{column}'" for role, column in data.mapping.items() if column)
        state.note(f"trainer {recipe.name} ({prepared.report['trainer_chosen_by']}), loss {data.loss.name}; columns: {mapping}")
        state.note(f"lr {cfg.lr:g}, {cfg.epochs:g} epochs, batch size {cfg.batch_size} (unset values: {recipe.name}'s defaults)")
        self.folder.write_report(prepared.report)
        if cfg.mixed_precision == "auto":
            state.note(f"precision: {'bf16' if resolve_precision('auto') == 'bf16' else 'fp32'} (auto)")

        built = (self._reranker if recipe.cross_encoder else self._embedding_model)(cfg, data)
        if built is None:  # stopped while negatives were mined: the base model is saved
            return
        model, loss, evaluator = built
        if self._stopped_before("baseline", model):
            return
        checkpoint = resume_point(self.folder, state) if self.resume else None
        if checkpoint is not None:
            primary_key = state.snapshot()["primary_key"]
            evaluator.primary_metric = primary_key
            if self._stopped_before("training", model):
                return
            return self._fit(model, loss, evaluator, data, primary_key, checkpoint)
        state.set_state("baseline")
        try:
            # also fixes evaluator.primary_metric's full key; a reranker's baseline is its search model's ranking
            baseline = evaluator.retriever_metrics() if recipe.cross_encoder else evaluator(model)
        except RunStopped:  # stop asked while the baseline was measured: it ends now, the base model saved
            self._stopped_before("training", model)
            return
        primary_key = evaluator.primary_metric
        event = eval_event(baseline, primary_key, step=0, epoch=0.0)
        self.folder.append_metrics(event)
        state.update(primary_key=primary_key, baseline=event["primary"], last=event["primary"])
        state.note(f"baseline {recipe.primary_metric}: {event['primary']:.4f}")
        if getattr(evaluator, "greater_is_better", True) and event["primary"] >= HEADROOM:
            notice = self._headroom_notice(recipe, event["primary"])
            state.update(notice=notice)
            state.note(f"notice: {notice}")
        if self._stopped_before("training", model):
            return
        self._fit(model, loss, evaluator, data, primary_key, None)

    @staticmethod
    def _headroom_notice(recipe, score: float) -> str:
        """What a run says before training when its baseline leaves little to gain (a reranker's: search alone)."""
        if recipe.cross_encoder:
            return (
                f"the search model alone already ranks your validation queries' candidates at {score:.3f} "
                f"({recipe.primary_metric}): a reranker has little left to gain and adds latency to every query; a harder "
                "validation split tells more"
            )
        return (
            f"the base model already scores {score:.3f} ({recipe.primary_metric}) on your validation data: little is left "
            "to gain, and training can lose some of what the model knew. If the run does not beat the base model, the "
            "base model is kept; a harder validation split (more candidates, hard negatives) tells more"
        )

    def _embedding_model(self, cfg: TrainConfig, data):
        """The embedding model with its prompts (and adapter), mined negatives, loss and evaluator; None when stop
        was asked while mining (the run has ended)."""
        state, recipe, prepared = self.state, data.recipe, data.prepared
        model = load_model(cfg.model, max_seq_length=cfg.max_seq_length, trust_remote_code=cfg.trust_remote_code)
        if cfg.trust_remote_code:
            state.note(f"trust_remote_code is on: code from model '{cfg.model}' runs on this machine")
        if model.max_seq_length != cfg.max_seq_length:
            state.note(f"max_seq_length {cfg.max_seq_length} is more than the model takes; using {model.max_seq_length}")
        model_setup.stop_hook(model, self._stop)
        self.prompts = model_setup.apply_prompts(cfg, model, recipe, state)
        cfg = self.config = cfg.replace(query_prompt=self.prompts.query or None, document_prompt=self.prompts.document or None)
        self.folder.write_config(cfg.to_yaml())  # with the prompts as resolved
        prepared.report["prompts"] = self.prompts.record()
        if cfg.lora:
            prepared.report["lora"] = model_setup.add_lora(cfg, model, state)
        self.folder.write_report(prepared.report)  # with the run's prompts (and adapter)
        state.update(
            parameters=sum(p.numel() for p in model.parameters()),
            trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
        )
        if cfg.mine_negatives:
            try:
                mined = model_setup.mine(cfg, data, model, self.prompts, state)
            except RunStopped:  # stop asked while negatives were mined: the run ends now, the base model saved
                self._stopped_before("training", model)
                return None
            if mined is not None:
                prepared.report["mined_negatives"] = mined
                self.folder.write_report(prepared.report)
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
        return model, loss, evaluator

    def _reranker(self, cfg: TrainConfig, data):
        """A reranker (core.training.rerank): the CrossEncoder, its search model's mined negatives, the labelled
        pairs, its loss and its evaluator on the search model's candidates; None when stop was asked while mining."""
        from core.training import rerank

        state, prepared = self.state, data.prepared
        model = rerank.load_reranker(cfg)
        retriever = rerank.load_retriever(cfg)
        state.note(f"reranker from {cfg.model}; search model {rerank.retriever_ref(cfg)}")
        model_setup.stop_hook(model, self._stop)
        model_setup.stop_hook(retriever, self._stop)
        self.prompts = Prompts(query="", document="", source={})  # a CrossEncoder reads a pair as one input
        try:  # mining and the validation candidates read with the search model: a stop ends them within a batch
            mined = rerank.prepare_pairs(cfg, data, retriever, state)
            evaluator = build_evaluator(
                data.recipe,
                prepared.valid,
                prepared.train,
                batch_size=cfg.batch_size,
                seed=cfg.seed,
                valid_negatives=prepared.valid_negatives,
                retriever=retriever,
            )
        except RunStopped:
            self._stopped_before("training", model)
            return None
        prepared.report["search_model"] = rerank.retriever_ref(cfg)
        if mined is not None:
            prepared.report["mined_negatives"] = mined
        self.folder.write_report(prepared.report)
        parameters = sum(p.numel() for p in model.parameters())
        state.update(parameters=parameters, trainable_parameters=parameters)
        state.note(f"rows: {len(prepared.train)} train pairs, {len(prepared.valid)} validation")
        weight = rerank.positive_weight(prepared.train)
        if weight:
            state.note(f"a relevant pair weighs {weight:g} (negatives per positive), as sentence-transformers' recipe does")
        loss = build_loss(data.loss, model, positive_weight=weight)
        del retriever
        return model, loss, evaluator

    def _fit(self, model, loss, evaluator, data, primary_key: str, checkpoint) -> None:
        """Train (from `checkpoint` when resuming), evaluate the final model, do no harm, save."""
        state, recipe = self.state, data.recipe
        trainer = self._trainer(model, loss, evaluator, data, primary_key, resuming=checkpoint is not None)
        if checkpoint is not None and restore_head(loss, Path(checkpoint)):
            state.note(f"restored the loss's classifier from {Path(checkpoint).name}")
        state.set_state("training")
        interrupted = False
        try:
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        except RunStopped:  # stop asked during an evaluation: the weights are those of the last step
            interrupted = True
            checkpoint_now(trainer, state)
        # stopped only if the request cut training short (not a stop pressed after the last step)
        stopped = interrupted or (self._stop.is_set() and trainer.state.global_step < trainer.state.max_steps)
        state.set_state("saving")
        final, judged_on = None, None
        if not stopped:
            try:
                metrics = trainer.evaluate()  # the final (best, when selected) model; logged by the callback
                final = metrics.get(f"eval_{primary_key}")
            except RunStopped:
                state.note("stop asked during the final evaluation: the trained model is saved without a final metric")
        else:  # a stopped run is judged on its last evaluation after the baseline, as a finished one on its final
            judged_on = next((e for e in reversed(self.folder.evaluations()) if e.get("step", 0) > 0), None)
            final = judged_on["primary"] if judged_on else None
        baseline = state.snapshot()["baseline"]
        verdict = judge(baseline, final, getattr(evaluator, "greater_is_better", True), base_is_a_model=not recipe.cross_encoder)
        if verdict.keep_base and is_main_process():  # do no harm: never hand out a model worse than the one the person had
            self._base_model().save(str(self.folder.model_dir))
        else:
            self._save(trainer.model, trainer)
        self._record(verdict, baseline, final, judged_on)
        if final is not None:
            state.note(f"final {recipe.primary_metric}: {final:.4f} (baseline {baseline:.4f})")
            if verdict.no_gain:
                self._warn_no_gain(recipe, baseline, final, verdict.keep_base)
        state.note(f"model saved to {self.folder.model_dir}")
        if has_cuda():  # the memory a person needs on this GPU for this run (bench/lora.py reads it)
            import torch

            state.update(peak_cuda_mib=round(torch.cuda.max_memory_allocated() / 2**20))
        state.set_state("stopped" if stopped else "finished")

    def _record(self, verdict, baseline: float | None, trained: float | None, judged_on: dict | None) -> None:
        """One figure for the saved model, which every surface shows: status.json's `final` is its score on the
        validation data (the baseline when the base model was kept, with the trained weights' score in `trained`),
        and metrics.jsonl's last `final` event is that model's evaluation (the Train tab's star and table)."""
        if verdict.keep_base:
            self.state.update(final=baseline, trained=trained, kept_base=True)
            base = next((e for e in self.folder.evaluations() if e.get("step", 0) == 0), None)
            if base is not None:
                last_step = self.state.snapshot().get("step") or 0
                self.folder.append_metrics({**base, "step": last_step, "final": True, "kept_base": True, "time": time.time()})
            self.state.note(f"the base model is kept: {baseline:.4f}; the trained weights scored {trained:.4f}")
            return
        self.state.update(final=trained, kept_base=False)
        if judged_on is not None:  # a stopped run: its figure is its last evaluation's
            self.folder.append_metrics({**judged_on, "final": True, "time": time.time()})
            self.state.update(final_step=judged_on["step"])
            self.state.note(f"stopped: judged on its last evaluation, at step {judged_on['step']}")

    def _warn_no_gain(self, recipe, baseline: float, final: float, keep_base: bool) -> None:
        """Say plainly, in status.json, the log and the page, that training did not beat the base model."""
        cfg = self.config
        message = no_gain_warning(
            recipe.primary_metric,
            baseline,
            final,
            keep_base=keep_base,
            lr=cfg.lr,
            negatives_tip=bool(recipe.negatives) and not cfg.mine_negatives,
            reranker=recipe.cross_encoder,
        )
        self.state.update(warning=message)
        self.state.note(f"warning: {message}")

    def _base_model(self):
        return model_setup.base_model(self.config, self.prompts)

    def _save(self, model, trainer=None) -> None:
        """The run's model folder (through the trainer when there is one: it saves on the main process only); a LoRA
        adapter is merged into the base weights first, so the folder loads without peft."""
        if self.config.lora:
            lora.merge_adapter(model)
        if trainer is not None:
            trainer.save_model(str(self.folder.model_dir))
        else:
            model.save(str(self.folder.model_dir))

    def _stopped_before(self, stage: str, model) -> bool:
        """When stop was asked before `stage`, save the model as it is and end as stopped."""
        if not self._stop.is_set():
            return False
        self.state.set_state("saving")
        if is_main_process():
            self._save(model)
        baseline = self.state.snapshot().get("baseline")
        if baseline is not None:  # untrained: the saved model is the base model, and its figure the baseline
            self.state.update(final=baseline, kept_base=True)
        self.state.note(f"stopped before {stage}; model saved to {self.folder.model_dir}")
        self.state.set_state("stopped")
        return True

    def _trainer(self, model, loss, evaluator, data, primary_key: str, *, resuming: bool = False):
        return build_trainer(
            self.config,
            model,
            loss,
            evaluator,
            data,
            primary_key=primary_key,
            run_prompts=self.prompts,
            state=self.state,
            folder=self.folder,
            stop=self._stop,
            progress_bar=self.progress_bar,
            resuming=resuming,
        )
