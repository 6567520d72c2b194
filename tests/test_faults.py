"""Faults at awkward moments: each run ends in a truthful state, keeps what it wrote, and leaves a loadable model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HANG_GUARD

from core.config import TrainConfig
from core.runs.index import list_runs
from core.training.job import TrainingJob
from core.training.registry import BusyError, JobRegistry

ROOT = Path(__file__).resolve().parents[1]


def loadable(folder: Path) -> bool:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder)).encode(["a dog runs"]).shape[0] == 1


@pytest.mark.heavy
def test_stop_during_the_baseline_evaluation_ends_it_at_once_stopped_with_the_base_model_saved(
    data_for, tiny_model, tmp_path, monkeypatch
):
    """Issue 14: a stop cuts an evaluation short (it would otherwise run to its end); half a baseline is not recorded."""
    import core.training.job

    run = tmp_path / "run"
    job = TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair"), run_dir=str(run))
    real = core.training.job.build_evaluator

    def evaluator_that_is_stopped_midway(*args, **kwargs):
        evaluator = real(*args, **kwargs)
        original = evaluator.__call__

        class Stopping(type(evaluator)):
            def __call__(self, model, *a, **kw):
                job.stop()  # the person presses Stop while the baseline is measured
                return original(model, *a, **kw)

        evaluator.__class__ = Stopping
        return evaluator

    monkeypatch.setattr(core.training.job, "build_evaluator", evaluator_that_is_stopped_midway)
    final = job.run()
    assert final["state"] == "stopped" and final["step"] == 0 and final["baseline"] is None
    assert not (run / "metrics.jsonl").exists() or (run / "metrics.jsonl").read_text() == ""  # no half-measured baseline
    assert "stopped before training" in (run / "log.txt").read_text()
    assert loadable(run / "model")


@pytest.mark.heavy
def test_stop_while_negatives_are_mined_ends_stopped_with_the_base_model_saved(data_for, tiny_model, tmp_path, monkeypatch):
    """Issue 23: Stop pressed while the base model mines hard negatives ends the run `stopped`, not `failed`."""
    import core.data.negatives

    run = tmp_path / "run"
    config = TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair", mine_negatives=True)
    job = TrainingJob(config, run_dir=str(run))
    real = core.data.negatives.mine_negatives

    def mining_that_is_stopped_midway(*args, **kwargs):
        job.stop()  # the person presses Stop while negatives are mined
        return real(*args, **kwargs)

    monkeypatch.setattr(core.data.negatives, "mine_negatives", mining_that_is_stopped_midway)
    final = job.run()
    assert final["state"] == "stopped", final.get("error")
    assert final["step"] == 0 and final["baseline"] is None
    assert "stopped before training" in (run / "log.txt").read_text()
    assert loadable(run / "model")


@pytest.mark.heavy
def test_stop_during_saving_still_ends_finished_because_training_completed(data_for, tiny_model, tmp_path, monkeypatch):
    from sentence_transformers import SentenceTransformerTrainer

    run = tmp_path / "run"
    job = TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair", batch_size=8), run_dir=str(run))
    real = SentenceTransformerTrainer.save_model

    def save_while_stop_is_pressed(self, *args, **kwargs):
        if job.state.state == "saving":  # the final save (checkpoints are saved through here too)
            job.stop()
            job.stop()  # pressed twice: no harm
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SentenceTransformerTrainer, "save_model", save_while_stop_is_pressed)
    final = job.run()
    assert final["state"] == "finished" and final["step"] == final["max_steps"]
    assert (run / "log.txt").read_text().count("stop requested") == 1
    assert loadable(run / "model")


@pytest.mark.heavy
def test_a_second_start_is_refused_while_one_trains_and_after_stop_the_next_trains_to_the_end(data_for, tiny_model, runs_root):
    registry = JobRegistry()
    data = data_for("pair", 300)
    first = registry.start(TrainConfig(data_path=data, model=tiny_model, trainer="pair", epochs=50, batch_size=4))
    try:
        with pytest.raises(BusyError, match=f"run '{first.folder.name}' is still training"):
            registry.start(TrainConfig(data_path=data, model=tiny_model))
        assert registry.current() is first
        wait_for_step(first, 2)
    finally:
        first.stop()
        first.stop()  # pressed twice
    assert first.wait(HANG_GUARD) and first.snapshot()["state"] == "stopped"
    second = registry.start(TrainConfig(data_path=data, model=tiny_model, trainer="pair", batch_size=16))
    assert second.wait(HANG_GUARD) and second.snapshot()["state"] == "finished"
    assert registry.current() is second
    assert loadable(first.folder.model_dir) and loadable(second.folder.model_dir)


def wait_for_step(job, step: int) -> None:
    """Until the run reaches `step`; HANG_GUARD only keeps a hung run from hanging the suite."""
    deadline = time.monotonic() + HANG_GUARD
    while job.snapshot().get("step", 0) < step:
        assert time.monotonic() < deadline and job.snapshot()["state"] not in ("failed", "finished"), job.snapshot()
        time.sleep(0.05)


@pytest.mark.slow
def test_a_process_killed_mid_run_shows_as_interrupted_and_keeps_its_metrics_and_checkpoint(data_for, tiny_model, runs_root):
    run = runs_root / "killed"
    env = {**os.environ, "SBERT_STUDIO_RUNS": str(runs_root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "train", "--data-path", data_for("pair", 400), "--model", tiny_model,
         "--trainer", "pair", "--epochs", "200", "--batch-size", "4", "--eval-steps", "20", "--logging-steps", "5",
         "--project-name", str(run)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + HANG_GUARD  # a hang guard only: the wait is for the checkpoint
        while time.monotonic() < deadline and not list((run / "checkpoints").glob("checkpoint-*/model.safetensors")):
            time.sleep(0.2)
        time.sleep(0.5)  # let the checkpoint finish writing
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up at all, as when a machine loses power
        proc.wait(HANG_GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
    (state,) = [r["state"] for r in list_runs(runs_root) if r["run"] == "killed"]
    assert state == "interrupted"
    events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert events[0]["step"] == 0 and any("loss" in e for e in events)
    # the newest complete checkpoint (the trainer writes trainer_state.json last; one being written at the kill is not saved)
    complete = [p for p in (run / "checkpoints").glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    assert loadable(max(complete, key=lambda p: int(p.name.split("-")[1])))
