"""A run in its own process: the app starts the console script as a child and follows it from a thread.

The child is `python -m cli train --config <run>/config.yaml --prepared-run` (or `--resume <run>`),
the same code path as `sbert-studio train`; the web server never imports the trainer. A thread
here waits for the child and reads its exit: a child that dies without saying why (killed by the
kernel for memory, a crash in native code) ends as `failed` with the cause named, so the page
shows it and the next run can start. Stop sends SIGTERM (the child stops after its step, or cuts
an evaluation short, and saves); a child that has not ended `STOP_GRACE` seconds later is killed,
and the state says so.

`AttachedRun` follows a run this process did not start (one from the console, or the app's own
child after the app restarted) through its pid and its run folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.environment import RUNS_ENV, runs_root
from core.runs import lock
from core.runs.folder import PROCESS_LOG, RunFolder
from core.runs.state import TERMINAL_STATES
from core.training import prefork

__all__ = ["STOP_GRACE", "AttachedRun", "ChildRun", "cause_of_exit", "child_command", "child_environment"]

# The child trains at a lower CPU priority than the web server, so that a page's refresh is answered at
# once and training loses only the server's own (small) CPU time (bench/load.py measures both).
CHILD_NICENESS = 5
NICE_ENV = "SBERT_STUDIO_NICE"
STOP_GRACE = float(os.environ.get("SBERT_STUDIO_STOP_GRACE", "60"))  # seconds from Stop to SIGKILL
ROOT = Path(__file__).resolve().parents[2]  # where cli.py lives (the child runs `-m cli` from here)
SIGNAL_CAUSES = {
    signal.SIGKILL: "out of memory? (the kernel's OOM killer sends this) or killed by hand",
    signal.SIGSEGV: "a crash in native code (segmentation fault)",
    signal.SIGABRT: "a crash in native code (abort)",
    signal.SIGBUS: "a crash in native code (bus error)",
}


def cause_of_exit(code: int) -> str:
    """Why a child that did not report its end ended, in a person's words."""
    if code < 0:
        number = -code
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else f"signal {number}"
        return f"the training process was killed ({name}, signal {number}): {SIGNAL_CAUSES.get(number, 'ended from outside')}"
    return f"the training process ended with exit code {code} without saying why; see {PROCESS_LOG} in the run folder"


class _StateView:
    """`job.state.state` for a run in another process: read from its status.json."""

    def __init__(self, run: _Followed) -> None:
        self._run = run

    @property
    def state(self) -> str:
        return self._run.snapshot().get("state", "queued")


class _Followed:
    """What the Train tab needs of a run in another process: its folder, a snapshot, stop, wait."""

    origin = "app"

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder
        self.state = _StateView(self)
        self._ended = threading.Event()
        self._grace = STOP_GRACE

    @property
    def run_dir(self) -> Path:
        return self.folder.path

    def snapshot(self) -> dict[str, Any]:
        if not self.folder.path.is_dir():  # deleted from the Runs tab (only an ended run can be)
            return {"state": "stopped", "run": self.folder.name, "step": 0, "max_steps": None, "elapsed": 0.0}
        snap = self.folder.read_status() or {"state": "queued", "run": self.folder.name, "step": 0, "max_steps": None}
        snap.setdefault("elapsed", (snap.get("finished_at") or time.time()) - (snap.get("started_at") or time.time()))
        return snap

    def wait(self, timeout: float | None = None) -> bool:
        self._ended.wait(timeout)
        return self.state.state in TERMINAL_STATES

    def _end(self, code: int | None, killed_after_stop: bool, stop_sent: bool = False) -> None:
        """The process is gone: make status.json say how, when the run itself could not."""
        if not self.folder.path.is_dir():
            self._ended.set()
            return
        status = self.folder.read_status() or {}
        if status.get("state") in TERMINAL_STATES:
            pass  # the run said how it ended
        elif stop_sent and code == -signal.SIGTERM:  # stopped while it was still starting: nothing was trained
            self._close(status, "stopped", "stopped before the run had started; nothing was trained")
        else:
            if killed_after_stop:
                error = (
                    f"the training process did not end within {self._grace:g} s of the stop request and was killed; "
                    "no model was saved at the stop (checkpoints/ keeps the last checkpoint: resume from it)"
                )
            elif code is None:
                error = "the training process is gone without saying why; see log.txt"
            else:
                error = cause_of_exit(code)
            self._close(status, "failed", f"error: {error}", error=error)
        self._ended.set()

    def _close(self, status: dict[str, Any], state: str, note: str, **fields: Any) -> None:
        """End the run's status.json in `state`, with `note` and the state in its log."""
        now = time.time()
        self.folder.write_status(status | {"state": state, "finished_at": now, "updated_at": now, **fields})
        self.folder.log(note)
        self.folder.log(f"state: {state}")


class ChildRun(_Followed):
    """A run the app started as a child process, followed by a daemon thread."""

    def __init__(
        self, folder: RunFolder, command: list[str], reservation: lock.LockInfo, *, env: dict[str, str] | None = None
    ) -> None:
        super().__init__(folder)
        self.reservation = reservation
        self._stop_sent: float | None = None
        self._killed = False
        env = child_environment((env or {}) | lock.hand_over(reservation))  # the child adopts the lock reserved for it
        # a warm prefork forks the run at once (core.training.prefork); else it starts cold, importing the trainer.
        # Either way its own session: Ctrl-C in the app's terminal reaches the app, which stops the child cleanly
        # (see stop_all); a child outlives an app that crashed, and the restarted app re-attaches to it via the lock
        self.process: subprocess.Popen | prefork.Forked | None = prefork.spawn(
            command, env, folder.path / PROCESS_LOG, reservation.fd
        )
        if self.process is None:
            out = open(folder.path / PROCESS_LOG, "ab")  # the child's console: tracebacks of hard crashes land here
            try:
                self.process = subprocess.Popen(
                    command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True, pass_fds=(reservation.fd,),
                )  # fmt: skip
            finally:
                out.close()
        lock.close_copy(reservation)  # from now on the child alone holds the lock: it is released when the child dies
        self._thread = threading.Thread(target=self._follow, name=f"follow-{folder.name}", daemon=True)
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, grace: float | None = None) -> None:
        """Ask the child to stop (SIGTERM); kill it when it has not ended `grace` seconds later.

        A child still starting (importing, before its run exists) is sent the signal once it has adopted
        the machine's lock (its stop handler is set by then), so that an early Stop ends as `stopped`.
        """
        if self.process.poll() is not None or self._stop_sent is not None:
            return
        self._stop_sent = time.time()
        self._grace = STOP_GRACE if grace is None else grace
        self.folder.log("stop requested")
        threading.Thread(target=self._stop_and_kill, args=(self._grace,), daemon=True).start()

    def _ready(self) -> bool:
        """The child's run has started (its stop handler is set): it has adopted the machine's lock."""
        held = lock.holder()
        return held is not None and held.token == self.reservation.token and held.pid == self.process.pid

    def _stop_and_kill(self, grace: float) -> None:
        deadline = time.time() + grace
        while not self._ready() and self.process.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        try:
            self.process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(max(1.0, deadline - time.time()) if not self._ready() else grace)
        except subprocess.TimeoutExpired:
            self._killed = True
            self.process.kill()

    def _follow(self) -> None:
        code = self.process.wait()
        lock.release(self.reservation)  # the child gives it back; one that died could not
        self._end(code, self._killed, self._stop_sent is not None)


class AttachedRun(_Followed):
    """A run another process trains (the console script, or this app's child from before a restart)."""

    def __init__(self, held: lock.LockInfo) -> None:
        super().__init__(RunFolder(held.run_dir))
        self.held = held
        self.origin = held.origin
        self._stop_sent = False
        threading.Thread(target=self._follow, name=f"attached-{self.folder.name}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.held.pid

    def stop(self, grace: float | None = None) -> None:
        """SIGTERM to the training process: it stops after its step and saves (as Ctrl-C does). A run in this
        very process (a TrainingJob of a Python user) is not signalled: it is stopped through its own object."""
        if self._stop_sent or self.held.pid == os.getpid() or not lock.held_by(self.held):
            return
        self._stop_sent = True
        with contextlib.suppress(OSError):
            self.folder.log("stop requested (from the app)")
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.held.pid, signal.SIGTERM)

    def _follow(self) -> None:
        while lock.held_by(self.held):  # the run holds the lock until it has ended (or its process is gone)
            time.sleep(0.5)
        time.sleep(0.2)  # its last status.json write
        self._end(None, False)


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a run's child: the app's, `extra`, and what every child gets."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return (
        os.environ
        | (extra or {})
        | {
            RUNS_ENV: str(runs_root().resolve()),  # the same runs root (and lock) whatever the child resolves
            "PYTHONPATH": path,
            "PYTHONUNBUFFERED": "1",
            NICE_ENV: str(CHILD_NICENESS),
        }
    )


def child_command(folder: RunFolder, *, resume: bool = False) -> list[str]:
    """The console script's command line for a run the app starts (or resumes) in a child process."""
    if resume:
        return [sys.executable, "-m", "cli", "train", "--resume", str(folder.path)]
    return [sys.executable, "-m", "cli", "train", "--config", str(folder.config_path), "--prepared-run"]
