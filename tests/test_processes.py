"""Each run trains in its own process: stop, crashes, one run per machine wherever it started, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import HANG_GUARD, ROOT

from core.config import TrainConfig
from core.runs import lock
from core.runs.folder import RunFolder
from core.training.job import TrainingJob
from core.training.registry import BusyError, JobRegistry

pytestmark = pytest.mark.heavy  # every test here starts processes or trains

LONG = {"trainer": "pair", "epochs": 200, "batch_size": 4}  # a run that trains until it is stopped


def loadable(folder: Path) -> bool:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder)).encode(["a dog runs"]).shape[0] == 1


def wait_for(condition, seconds: float = HANG_GUARD, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def steps_of(run: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines() if "loss" in line]


def console_run(run: Path, data: str, model: str, *extra: str) -> subprocess.Popen:
    """`sbert-studio train` started by hand in another terminal (its own process group, as a shell's job is)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "train", "--data-path", data, "--model", model, "--project-name", str(run),
         "--trainer", "pair", "--epochs", "200", "--batch-size", "4", "--eval-steps", "10", "--logging-steps", "2", *extra],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def test_a_run_started_by_the_app_trains_in_a_child_process_and_leaves_nothing_in_the_server(tiny_model, runs_root, data_for):
    """In a fresh interpreter playing the server: two runs, then its modules and resident memory."""
    script = f"""
import json, os, sys, psutil
sys.path[:0] = [{str(ROOT)!r}]
from core.config import TrainConfig
from core.training.registry import registry
config = TrainConfig(data_path={data_for("pair", 60)!r}, model={tiny_model!r}, trainer="pair", epochs=1, batch_size=8)
first = registry.start(config)
first.wait({HANG_GUARD})
before = psutil.Process().memory_info().rss
second = registry.start(config)
second.wait({HANG_GUARD})
after = psutil.Process().memory_info().rss
print(json.dumps({{"states": [first.snapshot()["state"], second.snapshot()["state"]],
    "pids": [first.pid, second.pid, os.getpid()], "before": before, "after": after,
    "trainer_loaded": [m for m in ("sentence_transformers", "transformers.trainer", "core.training.job") if m in sys.modules],
    "cuda": "torch" in sys.modules and sys.modules["torch"].cuda.is_initialized()}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["states"] == ["finished", "finished"]
    assert len(set(out["pids"])) == 3  # each run had its own process, neither was the server
    assert out["trainer_loaded"] == []  # the server never imported the trainer, sentence-transformers or the job
    assert out["cuda"] is False  # nor touched a GPU
    assert out["after"] <= out["before"] * 1.05


def test_stop_during_a_long_evaluation_ends_within_seconds_not_after_it(tiny_model, data_for, tmp_path, monkeypatch):
    """The evaluation here would take minutes (it encodes the validation texts over and over)."""
    import core.training.job

    run = tmp_path / "run"
    job = TrainingJob(
        TrainConfig(data_path=data_for("pair", 120), model=tiny_model, trainer="pair", batch_size=8), run_dir=str(run)
    )
    real = core.training.job.build_evaluator
    evaluating = threading.Event()

    def slow_evaluator(*args, **kwargs):
        evaluator = real(*args, **kwargs)

        class Slow(type(evaluator)):
            def __call__(self, model, *a, **kw):
                if job.snapshot()["state"] == "training":  # the evaluations during training, after the baseline
                    evaluating.set()
                    for _ in range(10_000):
                        model.encode(["a long evaluation"] * 64)
                return super().__call__(model, *a, **kw)

        evaluator.__class__ = Slow
        return evaluator

    monkeypatch.setattr(core.training.job, "build_evaluator", slow_evaluator)
    job.start()
    assert evaluating.wait(HANG_GUARD)
    asked = time.monotonic()
    job.stop()
    assert job.wait(HANG_GUARD)
    assert time.monotonic() - asked < 10
    final = job.snapshot()
    assert final["state"] == "stopped" and loadable(run / "model")


def test_a_child_killed_with_sigkill_ends_failed_naming_the_cause_and_the_next_run_starts(tiny_model, runs_root, data_for):
    registry = JobRegistry()
    data = data_for("pair", 300)
    job = registry.start(TrainConfig(data_path=data, model=tiny_model, **LONG))
    wait_for(lambda: job.snapshot().get("state") == "training", what="training")
    os.kill(job.pid, signal.SIGKILL)  # what the kernel's OOM killer does
    assert job.wait(HANG_GUARD)
    snap = job.snapshot()
    assert snap["state"] == "failed"
    assert "the training process was killed (SIGKILL, signal 9): out of memory?" in snap["error"]
    assert "SIGKILL" in (job.folder.path / "log.txt").read_text()
    second = registry.start(TrainConfig(data_path=data, model=tiny_model, trainer="pair", max_samples=20))
    assert second.wait(HANG_GUARD) and second.snapshot()["state"] == "finished"


def test_a_child_that_does_not_stop_is_killed_after_the_grace_and_the_state_says_so(tiny_model, runs_root, data_for):
    registry = JobRegistry()
    job = registry.start(TrainConfig(data_path=data_for("pair", 300), model=tiny_model, **LONG))
    wait_for(lambda: job.snapshot().get("step", 0) >= 1, what="training steps")
    os.kill(job.pid, signal.SIGSTOP)  # hung: in a native call that never returns, say
    job.stop(grace=3)
    assert job.wait(HANG_GUARD)  # the kill after the grace is the event awaited
    snap = job.snapshot()
    assert snap["state"] == "failed" and "did not end within 3 s of the stop request and was killed" in snap["error"]
    assert lock.holder() is None


def test_a_console_run_blocks_the_app_and_is_shown_and_stopped_from_it(tiny_model, runs_root, data_for):
    run = runs_root / "from-console"
    proc = console_run(run, data_for("pair", 300), tiny_model)
    try:
        wait_for(lambda: lock.holder() is not None and (RunFolder(run).read_status() or {}).get("step", 0) >= 2, what="steps")
        registry = JobRegistry()  # the app, started after the console run
        with pytest.raises(BusyError, match="run 'from-console', started from the console is still training"):
            registry.start(TrainConfig(data_path=data_for("pair", 30), model=tiny_model))
        seen = registry.current()
        assert seen.folder.path.resolve() == run.resolve() and seen.origin == "console"
        assert seen.snapshot()["state"] == "training"
        seen.stop()
        assert proc.wait(HANG_GUARD) == 130  # stopped cleanly, as with Ctrl-C
        assert seen.wait(HANG_GUARD) and seen.snapshot()["state"] == "stopped" and loadable(run / "model")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_an_app_restarted_while_its_child_trains_reattaches_to_it(tiny_model, runs_root, data_for):
    before_restart = JobRegistry()
    child = before_restart.start(TrainConfig(data_path=data_for("pair", 300), model=tiny_model, **LONG))
    try:
        wait_for(lambda: child.snapshot().get("step", 0) >= 2, what="training steps")
        after_restart = JobRegistry()  # a new server process knows nothing but the runs folder
        found = after_restart.current()
        assert found.pid == child.pid and found.origin == "app" and found.folder.name == child.folder.name
        assert after_restart.get(child.folder.name) is found
        found.stop()
        assert found.wait(HANG_GUARD) and found.snapshot()["state"] == "stopped"
    finally:
        child.stop()
        child.wait(HANG_GUARD)


def test_a_stale_lock_is_taken_over_with_a_note_in_the_log(tiny_model, runs_root, data_for, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runs_root.mkdir(parents=True, exist_ok=True)
    stale = {"pid": dead.pid, "run_dir": str(runs_root / "old"), "origin": "console", "token": "x", "host": "h", "started_at": 0}
    (runs_root / lock.INFO_FILE).write_text(json.dumps(stale))
    job = TrainingJob(TrainConfig(data_path=data_for("pair", 40), model=tiny_model, trainer="pair"), run_dir=str(tmp_path / "r"))
    assert job.run()["state"] == "finished"
    assert "took over the lock of run 'old' (started from the console" in (tmp_path / "r" / "log.txt").read_text()
    assert not (runs_root / lock.INFO_FILE).exists() and lock.holder(runs_root) is None


def _resume(run: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "train", "--resume", str(run)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def _assert_resumed_cleanly(run: Path, stopped_at: int) -> None:
    steps = steps_of(run)
    assert steps == sorted(set(steps)), "a step was logged twice"
    assert max(steps) > stopped_at
    status = RunFolder(run).read_status()
    assert status["state"] == "finished" and status["step"] == status["max_steps"]
    assert loadable(run / "model")


def test_resume_continues_after_ctrl_c_from_its_step_and_after_a_kill_from_the_newest_checkpoint(tiny_model, runs_root, data_for):
    run = runs_root / "to-resume"
    proc = console_run(run, data_for("pair", 120), tiny_model, "--epochs", "5")  # evaluations (checkpoints) every 10 steps
    wait_for(lambda: (RunFolder(run).read_status() or {}).get("step", 0) >= 12, what="steps")
    proc.send_signal(signal.SIGINT)  # Ctrl-C: stop after this step, save
    assert proc.wait(HANG_GUARD) == 130
    stopped_at = RunFolder(run).read_status()["step"]
    resumed = subprocess.Popen(
        [sys.executable, "-m", "cli", "train", "--resume", str(run)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    checkpoint = (stopped_at // 10 + 1) * 10  # the first evaluation's checkpoint after the stop
    wait_for(lambda: (RunFolder(run).read_status() or {}).get("step", 0) >= checkpoint + 4, what="steps past a checkpoint")
    os.killpg(resumed.pid, signal.SIGKILL)  # the resumed run dies as a crash would
    resumed.wait(30)
    done = _resume(run)
    assert done.returncode == 0, done.stderr[-2000:]
    log = (run / "log.txt").read_text()
    assert f"resuming from checkpoint-{stopped_at} (step {stopped_at})" in log
    assert f"resuming from checkpoint-{checkpoint} (step {checkpoint})" in log
    _assert_resumed_cleanly(run, checkpoint)


def test_resume_without_a_checkpoint_says_so_and_gives_the_fresh_start(tiny_model, runs_root, data_for, tmp_path):
    run = tmp_path / "early"
    job = TrainingJob(TrainConfig(data_path=data_for("pair", 40), model=tiny_model, trainer="pair"), run_dir=str(run))
    job.stop()  # stopped before training: no checkpoint
    assert job.run()["state"] == "stopped"
    done = _resume(run)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "has no checkpoint to resume from" in done.stderr and f"--config {run}/config.yaml" in done.stderr
    assert RunFolder(run).read_status()["state"] == "stopped"  # the run is left as it was


def test_stop_during_training_saves_the_model_and_a_checkpoint_and_the_app_resumes_it_in_a_child(tiny_model, runs_root, data_for):
    registry = JobRegistry()
    job = registry.start(TrainConfig(data_path=data_for("pair", 120), model=tiny_model, trainer="pair", epochs=3, batch_size=4))
    wait_for(lambda: job.snapshot().get("step", 0) >= 5, what="training steps")
    job.stop()
    assert job.wait(HANG_GUARD)
    snap = job.snapshot()
    assert snap["state"] == "stopped" and 5 <= snap["step"] < snap["max_steps"]
    assert loadable(job.folder.model_dir)
    assert (job.folder.checkpoints_dir / f"checkpoint-{snap['step']}" / "trainer_state.json").is_file()  # resumable
    assert job.process.returncode == 130  # the console script's own "stopped" exit code
    assert lock.holder() is None
    again = registry.resume(job.folder.path)
    assert again.wait(HANG_GUARD)
    _assert_resumed_cleanly(job.folder.path, snap["step"])


def test_ctrl_c_on_the_app_stops_its_run_cleanly_with_the_model_saved(tiny_model, runs_root, data_for, tmp_path):
    """`make run` then Ctrl-C: the app ends, and the run it started stops after its step and saves."""
    import urllib.request

    from gradio_client import Client
    from live_app import free_port

    port = free_port()
    log = open(tmp_path / "app.log", "w")
    app = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env={**os.environ, "PORT": str(port)}, stdout=log, stderr=log,
        start_new_session=True,  # Ctrl-C reaches the app's process group only, as in a terminal
        preexec_fn=_as_in_a_terminal,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}", urllib.request), what="the app")
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        config = f"data_path: {data_for('pair', 300)}\nmodel: {tiny_model}\ntrainer: pair\nepochs: 200\nbatch_size: 4\n"
        run = Path(client.predict(config, api_name="/start_run"))
        wait_for(lambda: (RunFolder(run).read_status() or {}).get("step", 0) >= 2, what="training steps")
        os.killpg(app.pid, signal.SIGINT)
        assert app.wait(HANG_GUARD) is not None
        status = RunFolder(run).read_status()
        assert status["state"] == "stopped" and loadable(run / "model")
        assert lock.holder() is None
    finally:
        if app.poll() is None:
            app.kill()
        log.close()


def _as_in_a_terminal() -> None:
    """Ctrl-C does what it does in a terminal, even when the suite itself was started in the background, where the
    shell ignores SIGINT for its children (Python then installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _answers(url: str, request) -> bool:
    try:
        return request.urlopen(url, timeout=1).status == 200
    except OSError:
        return False
