"""The process-wide registry of training jobs: one run trains at a time on this machine.

A browser page holds only plain values (gr.State must be deep-copyable), so the job itself lives
here, keyed by its run name. Reloading the page asks `current()` and re-attaches to the job that
trains, or shows the last one. A second `start()` while a run trains is refused with a message
naming the running one: two runs on one GPU would both crawl or run out of memory.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.config import TrainConfig
from core.environment import on_space, space_duplicate_url
from core.errors import StudioError
from core.runs.state import TERMINAL_STATES

if TYPE_CHECKING:
    from core.training.job import TrainingJob

__all__ = ["BusyError", "JobRegistry", "registry"]


class BusyError(StudioError):
    """A run is already training."""


class JobRegistry:
    """Starts jobs, refuses a second one while the first trains, and finds jobs by run name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, TrainingJob] = {}
        self._latest: str | None = None
        self._owners: dict[str, str | None] = {}

    def start(self, config: TrainConfig, *, owner: str | None = None) -> TrainingJob:
        """Create and start a job for `config` in a background thread; `owner` names who started it (a Space login).

        Raises:
            BusyError: another run is still training (its name and progress are in the message).
            ConfigError, RunFolderError: from the job's own checks; nothing is started.
        """
        from core.training.job import TrainingJob  # imports torch; kept off the app's start-up path

        with self._lock:
            running = self._running()
            if running is not None:
                snap = running.snapshot()
                where = f"step {snap['step']}/{snap['max_steps']}" if snap.get("max_steps") else snap["state"]
                holder = self._owners.get(running.folder.name)
                by = f", started by {holder}" if holder else ""
                hint = "stop it on the Train tab or wait until it ends, then start again"
                if on_space():
                    hint = (
                        "this Space trains one run at a time; wait until it ends, or duplicate the Space to train your own: "
                        f"{space_duplicate_url()}"
                    )
                raise BusyError(f"the studio is busy: run '{running.folder.name}'{by} is still training ({where}); {hint}")
            job = TrainingJob(config)
            self._owners[job.folder.name] = owner
            if owner:
                job.state.update(owner=owner)  # status.json says whose run it is (a Space login)
            self._jobs[job.folder.name] = job
            self._latest = job.folder.name
        return job.start()

    def current(self) -> TrainingJob | None:
        """The job that trains now, else the one started last in this process (None before any)."""
        with self._lock:
            running = self._running()
            if running is not None:
                return running
            return self._jobs.get(self._latest) if self._latest else None

    def get(self, name: str) -> TrainingJob | None:
        with self._lock:
            return self._jobs.get(name)

    def _running(self) -> TrainingJob | None:
        for job in self._jobs.values():
            if job.state.state not in TERMINAL_STATES:
                return job
        return None


registry = JobRegistry()
