"""Turn trainer logs into run events (metrics.jsonl, status.json) and honour stop requests."""

from __future__ import annotations

import threading
import time
from typing import Any

from transformers import TrainerCallback

from core.runs.folder import RunFolder
from core.runs.state import RunState

__all__ = ["StudioCallback", "eval_event"]

EVAL_PREFIX = "eval_"


def eval_event(metrics: dict[str, Any], primary_key: str, *, step: int, epoch: float) -> dict[str, Any]:
    """One metrics.jsonl line for an evaluation: `primary` is the recipe's metric, `metrics` all of them."""
    clean = {k.removeprefix(EVAL_PREFIX): float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    clean = {k: v for k, v in clean.items() if not k.endswith(("_runtime", "_per_second", "model_preparation_time"))}
    clean.pop("epoch", None)
    return {"step": int(step), "epoch": float(epoch), "primary": clean.get(primary_key), "metrics": clean, "time": time.time()}


class StudioCallback(TrainerCallback):
    """Writes loss and evaluation events; sets `should_training_stop` once stop is asked."""

    def __init__(self, state: RunState, folder: RunFolder, stop: threading.Event, primary_key: str) -> None:
        self.state, self.folder, self.stop, self.primary_key = state, folder, stop, primary_key

    def on_train_begin(self, args, state, control, **kwargs):
        self.state.update(max_steps=state.max_steps)

    def on_step_end(self, args, state, control, **kwargs):
        self.state.update(step=state.global_step, epoch=state.epoch or 0.0, persist=False)
        if self.stop.is_set():
            control.should_training_stop = True
            control.should_save = True  # a checkpoint at the stop, to resume from
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or not state.is_world_process_zero:
            return
        step, epoch = state.global_step, float(state.epoch or 0.0)
        if "loss" in logs:
            event = {"step": step, "epoch": epoch, "loss": float(logs["loss"]), "time": time.time()}
            for key in ("learning_rate", "grad_norm"):
                if key in logs:
                    event[key] = float(logs[key])
            self.folder.append_metrics(event)
            self.state.update(loss_value=event["loss"], step=step, epoch=epoch)
        elif any(k.startswith(EVAL_PREFIX) for k in logs):
            event = eval_event(logs, self.primary_key, step=step, epoch=epoch)
            if self.state.state == "saving":  # the job's last evaluation: the final (best, when selected) model
                event["final"] = True
            self.folder.append_metrics(event)
            self.state.update(last=event["primary"], step=step, epoch=epoch)
        elif "train_runtime" in logs:
            self.state.update(
                train_runtime=float(logs["train_runtime"]),
                train_samples_per_second=float(logs.get("train_samples_per_second", 0.0)),
            )
