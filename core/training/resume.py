"""Resuming a run: a checkpoint written when stop is asked, and the checkpoint a resumed run continues from."""

from __future__ import annotations

from pathlib import Path

from core.runs.folder import RunFolder
from core.runs.state import RunState
from core.training.loss_head import save_head

__all__ = ["checkpoint_now", "fresh_start_command", "resume_point"]


def fresh_start_command(folder: RunFolder) -> str:
    """How to train a run again from the console with the same settings, in a new folder."""
    return f"start it again with: sbert-studio train --config {folder.config_path} --project-name {folder.path}-again"


def checkpoint_now(trainer, state: RunState) -> None:
    """A checkpoint at the current step (model, optimizer, scheduler, state) to resume from after a stop."""
    try:
        trainer._save_checkpoint(trainer.model, trial=None)
        save_head(trainer.loss, Path(trainer.args.output_dir) / f"checkpoint-{trainer.state.global_step}")
    except Exception as exc:  # resuming then starts from the last evaluation's checkpoint
        state.note(f"no checkpoint at the stop ({type(exc).__name__}: {exc}); resume uses the last evaluation's")


def resume_point(folder: RunFolder, state: RunState):
    """The checkpoint to resume from; metrics.jsonl is cut back to its step so no step is repeated.

    Raises:
        RunFolderError: the run finished or has no checkpoint (it never reached one), with the fresh start instead.
    """
    from core.runs.index import resume_checkpoint

    checkpoint = resume_checkpoint(folder, fresh_start_command(folder))
    step = int(checkpoint.name.split("-")[-1])
    kept = folder.truncate_metrics(step)
    # the verdict of the run before it was stopped is no longer the saved model's: the resumed run judges again
    state.update(step=step, warning=None, final=None, trained=None, kept_base=None, final_step=None)
    state.note(f"resuming from {checkpoint.name} (step {step}); metrics.jsonl keeps {kept} events up to it")
    return checkpoint
