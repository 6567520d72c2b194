"""The one-run lock is the kernel's: a dead holder never blocks, a recycled pid means nothing, a race has one winner."""

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

from core.runs import lock
from core.runs.index import list_runs
from core.training.registry import JobRegistry

pytestmark = pytest.mark.heavy  # every test here starts processes or trains

ROOT = Path(__file__).resolve().parents[1]
HOLD = """
import os, sys, time
from core.runs import lock
try:
    info, note = lock.acquire(sys.argv[1], "console")
except lock.BusyError:
    print("busy", flush=True)
    sys.exit(3)
print("held", note or "", flush=True)
time.sleep(float(sys.argv[2]))
lock.release(info)
"""


def _holder_process(run_dir: Path, seconds: float, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir), str(seconds)],
        cwd=ROOT,
        env=os.environ | (env or {}),
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def unrelated():
    """A live process that has nothing to do with the studio (its pid is what a recycled pid would look like)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _stale_info(runs_root: Path, pid: int, run: str = "old") -> None:
    runs_root.mkdir(parents=True, exist_ok=True)
    info = {"pid": pid, "run_dir": str(runs_root / run), "origin": "app", "token": "t", "host": "h", "started_at": 0}
    (runs_root / lock.INFO_FILE).write_text(json.dumps(info))


def test_a_lock_naming_a_live_unrelated_process_neither_blocks_a_new_run_nor_gets_it_signalled(runs_root, unrelated):
    _stale_info(runs_root, unrelated.pid)
    registry = JobRegistry()
    assert lock.holder() is None and registry.current() is None  # nothing to follow, so nothing to stop
    registry.stop_all(timeout=1)
    info, note = lock.acquire(runs_root / "new", "console")
    try:
        assert f"process {unrelated.pid}" in note and "that process is gone (stale lock)" in note
        assert lock.holder().run == "new"
    finally:
        lock.release(info)
    assert unrelated.poll() is None  # never signalled
    assert lock.holder() is None and not (runs_root / lock.INFO_FILE).exists()


def test_a_run_whose_process_died_leaves_no_lock_behind(runs_root):
    holder = _holder_process(runs_root / "doomed", 120)
    assert holder.stdout.readline().startswith("held")
    assert lock.holder() is not None and lock.holder().pid == holder.pid
    with pytest.raises(lock.BusyError, match="run 'doomed'"):
        lock.acquire(runs_root / "second", "console")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lock.holder() is None  # the kernel released it; its info file says otherwise and is not believed
    info, note = lock.acquire(runs_root / "second", "console")
    lock.release(info)
    assert "run 'doomed'" in note


def test_two_starters_racing_for_a_stale_lock_end_with_exactly_one_run(runs_root, unrelated):
    for _ in range(3):
        _stale_info(runs_root, unrelated.pid)
        racers = [_holder_process(runs_root / f"racer-{i}", 2) for i in range(2)]
        answers = sorted(r.stdout.readline().split()[0] for r in racers)
        codes = sorted(r.wait(HANG_GUARD) for r in racers)
        assert answers == ["busy", "held"] and codes == [0, 3]
        assert lock.holder() is None


def test_the_runs_list_never_shows_a_dead_run_as_training(runs_root, unrelated):
    run = runs_root / "was-training"
    run.mkdir(parents=True)
    status = {"state": "training", "pid": unrelated.pid, "started_at": time.time(), "trainer": "pair"}
    (run / "status.json").write_text(json.dumps(status))
    _stale_info(runs_root, unrelated.pid, "was-training")
    (state,) = [r["state"] for r in list_runs() if r["run"] == "was-training"]
    assert state == "interrupted"


def test_the_app_hands_its_reservation_to_the_child_and_keeps_no_copy(runs_root):
    reservation, _ = lock.acquire(runs_root / "child-run", "app")
    child = subprocess.Popen(  # as ChildRun starts it: the locked descriptor inherited, its number and token in env
        [sys.executable, "-c", HOLD, str(runs_root / "child-run"), "120"],
        cwd=ROOT,
        env=os.environ | lock.hand_over(reservation),
        stdout=subprocess.PIPE,
        text=True,
        pass_fds=(reservation.fd,),
    )
    try:
        assert child.stdout.readline().split() == ["held"]  # adopted: no stale note, no busy
        lock.close_copy(reservation)
        assert lock.holder().pid == child.pid and lock.held_by(reservation)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert lock.holder() is None  # the app's copy is closed, so the child's death freed the machine
    finally:
        child.kill()
        child.wait()
