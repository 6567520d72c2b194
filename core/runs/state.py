"""The live state of one run: a lock-protected snapshot mirrored to status.json and log.txt.

States: queued -> preparing -> baseline -> training -> saving -> finished | stopped | failed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from core.runs.folder import RunFolder

__all__ = ["TERMINAL_STATES", "RunState"]

logger = logging.getLogger("sbert_studio")
TERMINAL_STATES = ("finished", "stopped", "failed")
STEP_WRITE_SECONDS = 1.0  # status.json is rewritten at most this often for step progress


class RunState:
    """Thread-safe snapshot of a run, persisted to the run folder on every meaningful change."""

    def __init__(self, folder: RunFolder, **fields: Any) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        now = time.time()
        self._data: dict[str, Any] = {
            "state": "queued",
            "run": folder.name,
            "run_dir": str(folder.path),
            "trainer": None,
            "model": None,
            "loss": None,
            "primary_metric": None,
            "primary_key": None,
            "baseline": None,
            "final": None,
            "last": None,
            "loss_value": None,
            "step": 0,
            "max_steps": None,
            "epoch": 0.0,
            "error": None,
            "warning": None,  # e.g. training did not beat the base model
            "notice": None,  # e.g. the base model already scores near the top: little to gain
            "created_at": now,
            "started_at": None,
            "training_started_at": None,
            "finished_at": None,
            "updated_at": now,
            "pid": os.getpid(),
            **fields,
        }
        self._last_write = 0.0
        self._write()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            data = dict(self._data)
        data["elapsed"] = (data["finished_at"] or time.time()) - (data["started_at"] or data["created_at"])
        return data

    def update(self, *, persist: bool = True, **fields: Any) -> None:
        with self._lock:
            self._data.update(fields)
            self._data["updated_at"] = time.time()
        if persist or time.time() - self._last_write >= STEP_WRITE_SECONDS:
            self._write()

    def set_state(self, state: str) -> None:
        stamps = {"preparing": "started_at", "training": "training_started_at"}  # the ETA counts from the latter
        extra = {stamps[state]: time.time()} if state in stamps else {}
        if state in TERMINAL_STATES:
            extra["finished_at"] = time.time()
        self.update(state=state, **extra)
        self.note(f"state: {state}")

    def fail(self, message: str, details: str | None = None) -> None:
        self.update(error=message)
        self.note(f"error: {message}")
        if details:
            self.folder.log(details)
        self.set_state("failed")

    def note(self, message: str) -> None:
        """A line for the person: to the console logger and log.txt."""
        logger.info(message)
        self.folder.log(message)

    @property
    def state(self) -> str:
        with self._lock:
            return self._data["state"]

    def _write(self) -> None:
        self._last_write = time.time()
        with self._lock:
            data = dict(self._data)
        self.folder.write_status(data)
