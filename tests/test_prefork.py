"""A run forked from the warm prefork (the trainer imported once) is what a cold child would be, and only then forked."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from conftest import HANG_GUARD
from test_processes import LONG, wait_for

from core.config import TrainConfig
from core.runs import lock
from core.runs.folder import PROCESS_LOG
from core.training import prefork
from core.training.registry import JobRegistry
from core.training.supervisor import child_command, child_environment

pytestmark = pytest.mark.heavy  # every test here starts processes and trains


def warm_prefork() -> prefork.Prefork:
    prefork.warm_up(child_environment())
    current = prefork._current
    assert current.ready.wait(HANG_GUARD) and current.usable
    return current


def test_a_forked_run_has_its_own_session_log_owner_and_exit_status_and_leaves_the_lock_free(tiny_model, runs_root, data_for):
    warm = warm_prefork()
    registry = JobRegistry()
    job = registry.start(TrainConfig(data_path=data_for("pair", 300), model=tiny_model, **LONG), owner="ada")
    assert isinstance(job.process, prefork.Forked) and job.pid != warm.process.pid
    wait_for(lambda: job.snapshot().get("step", 0) >= 1, what="training steps")
    assert os.getsid(job.pid) == job.pid  # its own session: the app's Ctrl-C does not reach it
    assert lock.holder().pid == job.pid  # it adopted the lock the app reserved
    assert job.snapshot()["owner"] == "ada"  # the run's own environment reached it
    os.kill(job.pid, signal.SIGKILL)
    assert job.wait(HANG_GUARD)
    assert job.process.returncode == -signal.SIGKILL  # reported by the prefork, as subprocess reports a signal
    assert "killed (SIGKILL, signal 9)" in job.snapshot()["error"]
    second = registry.start(TrainConfig(data_path=data_for("pair", 40), model=tiny_model, trainer="pair"))
    assert isinstance(second.process, prefork.Forked)
    assert second.wait(HANG_GUARD) and second.snapshot()["state"] == "finished"
    assert second.process.returncode == 0 and lock.holder() is None  # the prefork kept no copy of the lock
    assert "model saved to" in (second.folder.path / PROCESS_LOG).read_text()  # its console went to the run folder


def test_a_run_whose_environment_the_prefork_lacks_starts_cold_and_the_next_one_is_forked_again(
    tiny_model, runs_root, data_for, monkeypatch
):
    warm = warm_prefork()
    registry = JobRegistry()
    config = TrainConfig(data_path=data_for("pair", 40), model=tiny_model, trainer="pair")
    monkeypatch.setenv("A_SETTING_READ_AT_IMPORT", "1")  # the prefork imported its modules without it
    cold = registry.start(config)
    assert isinstance(cold.process, subprocess.Popen)
    assert cold.wait(HANG_GUARD) and cold.snapshot()["state"] == "finished"
    assert prefork._current is not warm and prefork._current.env["A_SETTING_READ_AT_IMPORT"] == "1"
    forked = registry.start(config)
    assert isinstance(forked.process, prefork.Forked)
    assert forked.wait(HANG_GUARD) and forked.snapshot()["state"] == "finished"
    monkeypatch.setenv(prefork.PREFORK_ENV, "0")  # turned off: every run cold
    assert prefork.spawn(child_command(forked.folder), child_environment(), forked.folder.path / PROCESS_LOG, 0) is None


def test_a_run_outlives_its_prefork_and_still_stops_and_saves(tiny_model, runs_root, data_for):
    warm = warm_prefork()
    registry = JobRegistry()
    job = registry.start(TrainConfig(data_path=data_for("pair", 300), model=tiny_model, **LONG))
    assert isinstance(job.process, prefork.Forked)
    wait_for(lambda: job.snapshot().get("step", 0) >= 1, what="training steps")
    warm.process.kill()  # nobody is left to report the run's exit status
    warm.process.wait(HANG_GUARD)
    job.stop()
    assert job.wait(HANG_GUARD) and job.snapshot()["state"] == "stopped"  # the run itself said how it ended
    assert lock.holder() is None  # the next run may start (cold, or from a new prefork)


def test_a_prefork_whose_app_closes_while_it_imports_the_trainer_ends_at_once():
    starting = prefork.Prefork(child_environment())
    starting.close()  # the app is gone seconds before the imports would be done
    # 0: it left when it saw the app leave; finishing the imports first, its "ready" to a closed socket would fail (1)
    assert starting.process.wait(HANG_GUARD) == 0
    assert not starting.usable
