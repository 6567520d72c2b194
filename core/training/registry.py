"""The app's registry of runs: one run trains at a time on this machine, each in its own process.

`start()` checks the config, makes the run folder, reserves the machine's lock (core.runs.lock)
and starts the console script as a child process (core.training.supervisor); the web server never
imports the trainer. A browser page holds only plain values (gr.State must be deep-copyable), so
the runs live here, keyed by run name. A page asks `current()` and re-attaches to the run that
trains: this app's child, a run started from the console, or this app's child from before a
restart (found through the lock). A second `start()` while any run trains is refused with a message
naming the running one and where it came from: two runs on one GPU would both crawl or run out of
memory.
"""

from __future__ import annotations

import threading
from pathlib import Path

from core.config import TrainConfig
from core.environment import on_space, space_duplicate_url
from core.runs import disk, lock
from core.runs.folder import RunFolder, new_run_dir
from core.runs.lock import BusyError
from core.runs.state import RunState
from core.training.machine import check_machine
from core.training.supervisor import AttachedRun, ChildRun, child_command

__all__ = ["OWNER_ENV", "BusyError", "JobRegistry", "registry", "weight_bytes"]

OWNER_ENV = "SBERT_STUDIO_RUN_OWNER"  # the Space login that started a run, for its child's status.json


class JobRegistry:
    """Starts runs in child processes, refuses a second one while one trains, and finds runs by name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, ChildRun | AttachedRun] = {}
        self._latest: str | None = None

    def start(self, config: TrainConfig, *, owner: str | None = None) -> ChildRun:
        """Start a run of `config` in a child process; `owner` names who started it (a Space login).

        Raises:
            BusyError: a run is still training on this machine (its name, where it came from and its progress).
            ConfigError, RunFolderError: the config's own checks, a taken run folder; nothing is started.
        """
        config = check_machine(config.check())
        with self._lock:
            self._refuse_if_busy()
            disk.prune()  # on a Space: runs and uploads past their age or the quota (logged); elsewhere nothing
            _check_room(config.model, config.save_total_limit)
            folder = RunFolder(config.project_name or new_run_dir(config.trainer))
            folder.create(config.replace(project_name=str(folder.path.resolve())).to_yaml())
            return self._launch(folder, owner, resume=False)

    def resume(self, run_dir: str | Path, *, owner: str | None = None) -> ChildRun:
        """Continue a stopped or interrupted run in a child process (`sbert-studio train --resume`).

        Raises:
            BusyError: a run is still training on this machine.
        """
        with self._lock:
            self._refuse_if_busy()
            folder = RunFolder(run_dir)
            config = folder.read_config()
            _check_room(str(config.get("model", "")), int(config.get("save_total_limit") or 2))
            return self._launch(folder, owner, resume=True)

    def current(self) -> ChildRun | AttachedRun | None:
        """The run that trains now (this app's, or one found through the lock), else the one started last here."""
        with self._lock:
            running = self._running()
            if running is not None:
                return running
            return self._jobs.get(self._latest) if self._latest else None

    def get(self, name: str) -> ChildRun | AttachedRun | None:
        with self._lock:
            if name not in self._jobs:
                self._running()  # a run from the console or from before a restart becomes known by name
            return self._jobs.get(name)

    # ------------------------------------------------------------------ helpers
    def _launch(self, folder: RunFolder, owner: str | None, *, resume: bool) -> ChildRun:
        reservation, note = lock.acquire(folder.path, "app")
        if note:
            folder.log(note)
        child_env = {OWNER_ENV: owner} if owner else {}
        try:
            job = ChildRun(folder, child_command(folder, resume=resume), reservation, env=child_env)
        except BaseException:  # Ctrl-C (or anything) while starting the child: the machine stays free
            lock.release(reservation)
            raise
        if not resume:  # the page sees the run (and its owner) at once; the child rewrites status.json when it starts
            RunState(folder, pid=job.pid, origin="app", **({"owner": owner} if owner else {}))
        self._jobs[folder.name] = job
        self._latest = folder.name
        return job

    def stop_all(self, timeout: float = 120.0) -> list[str]:
        """Stop this app's running children and wait for them (the app is shutting down); returns their names."""
        with self._lock:
            running = [j for j in self._jobs.values() if isinstance(j, ChildRun) and j.process.poll() is None]
        for job in running:
            job.stop()
        for job in running:
            job.wait(timeout)
        return [job.folder.name for job in running]

    def _running(self) -> ChildRun | AttachedRun | None:
        """The run that holds the machine's lock (core.runs.lock: the one answer to "is a run alive"), followed
        as this app's child when it is one, else attached to; None when the machine is free."""
        held = lock.holder()
        if held is None:
            return None
        known = self._jobs.get(held.run)
        if isinstance(known, ChildRun) and held.token == known.reservation.token:
            return known
        if not isinstance(known, AttachedRun) or known.pid != held.pid:
            known = self._jobs[held.run] = AttachedRun(held)
            self._latest = held.run
        return known

    def _refuse_if_busy(self) -> None:
        running = self._running()
        if running is None:
            return
        snap = running.snapshot()
        where = f"step {snap['step']}/{snap['max_steps']}" if snap.get("max_steps") else snap.get("state", "starting")
        holder = snap.get("owner")
        if holder and on_space():
            holder = "another visitor"  # on a Space, never another visitor's name
        by = f", started by {holder}" if holder else (", started from the console" if running.origin == "console" else "")
        hint = "stop it on the Train tab or wait until it ends, then start again"
        if on_space():
            hint = (
                "this Space trains one run at a time; wait until it ends, or duplicate the Space to train your own: "
                f"{space_duplicate_url()}"
            )
        raise BusyError(f"the studio is busy: run '{running.folder.name}'{by} is still training ({where}); {hint}")


def _check_room(model_ref: str, save_total_limit: int) -> None:
    """Refuse a run that would not fit on the disk (core.runs.disk); the trainer keeps at least 2 checkpoints
    (core.training.arguments)."""
    disk.check_room(weight_bytes(model_ref), max(2, save_total_limit))


def weight_bytes(model_ref: str) -> int | None:
    """Bytes of the model's fp32 weights, from its own files (a folder, the bundled default, the HF cache), else the
    model list's published size; None when neither knows (a Hub id not yet downloaded and not in the list)."""
    from core.catalog import CATALOG
    from core.inference.model_files import facts_from_files
    from core.inference.models import bundled_path

    ref = (model_ref or "").strip()
    if not ref:
        return None
    parameters = facts_from_files(str(bundled_path(ref) or ref))["parameters"]
    if parameters is None:
        card = next((c for c in CATALOG if c.id == ref), None)
        parameters = int(card.parameters * 1e6) if card else None
    return parameters * 4 if parameters else None


registry = JobRegistry()
