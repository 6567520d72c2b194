"""Run folders on disk (layout in docs/ARCHITECTURE.md).

```
<run>/config.yaml  data_report.json  status.json  metrics.jsonl  log.txt  model/  checkpoints/
```
Only the main process of a distributed run writes (`writer=False` elsewhere). status.json is
replaced atomically so a reader never sees half a file. A folder that already holds a run is
never overwritten.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from core.environment import runs_root
from core.errors import RunFolderError

__all__ = ["RunFolder", "is_main_process", "new_run_dir"]

# The run folder's files: every name is written here once and read through RunFolder.
CONFIG_FILE = "config.yaml"
STATUS_FILE = "status.json"
METRICS_FILE = "metrics.jsonl"
REPORT_FILE = "data_report.json"
LOG_FILE = "log.txt"
MODEL_DIR = "model"
CHECKPOINTS_DIR = "checkpoints"
MODEL_MARKER = "modules.json"  # a folder holding this is a saved sentence-transformers model
PROCESS_LOG = "process.txt"  # the console output of a run the app started in a child process
RUN_FILES = (CONFIG_FILE, STATUS_FILE, METRICS_FILE, REPORT_FILE, MODEL_DIR)


def new_run_dir(trainer: str | None) -> Path:
    """A fresh folder name under the runs root: `<yyyymmdd-hhmmss>-<trainer>`."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = runs_root() / f"{stamp}-{trainer or 'run'}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def is_main_process() -> bool:
    """True outside distributed runs, and on rank 0 inside them (torchrun/accelerate set RANK)."""
    return int(os.environ.get("RANK", "0")) == 0


class RunFolder:
    """Reads and writes one run folder."""

    def __init__(self, path: str | Path, *, writer: bool = True) -> None:
        self.path = Path(path)
        self.writer = writer

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def of_model(cls, model_ref: str | Path | None) -> RunFolder | None:
        """The run whose model folder `model_ref` is (`<run>/model` with the run's config.yaml beside it), else None."""
        path = Path(model_ref or "")
        if path.name != MODEL_DIR or not (path.parent / CONFIG_FILE).is_file():
            return None
        return cls(path.parent)

    @property
    def model_dir(self) -> Path:
        return self.path / MODEL_DIR

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS_DIR

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def metrics_path(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def log_path(self) -> Path:
        return self.path / LOG_FILE

    @property
    def has_status(self) -> bool:
        """True once the run has written its state (a folder without it is not a run)."""
        return (self.path / STATUS_FILE).is_file()

    @property
    def has_model(self) -> bool:
        """True when the run has saved a model (a finished or stopped run, or the base model kept by do-no-harm)."""
        return (self.model_dir / MODEL_MARKER).is_file()

    def newest_checkpoint(self) -> Path | None:
        """The newest `checkpoints/checkpoint-<step>` a trainer can resume from (its state and optimizer saved)."""
        found = [p for p in self.checkpoints_dir.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
        resumable = [p for p in found if any(p.glob("optimizer.*"))]
        return max(resumable, key=lambda p: int(p.name.split("-")[-1]), default=None)

    def read_config(self) -> dict[str, Any]:
        """config.yaml as a plain dict ({} when missing or unreadable)."""
        import yaml

        try:
            data = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}

    def read_report(self) -> dict[str, Any]:
        """data_report.json ({} when missing or unreadable)."""
        try:
            return json.loads((self.path / REPORT_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def log_tail(self, lines: int) -> str:
        """The last `lines` lines of log.txt ("" when there is none)."""
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def create(self, config_yaml: str, *, prepared: bool = False) -> None:
        """Make the folder and write config.yaml; refuse a folder that already holds a run.

        `prepared`: the app made this folder for the run it starts in a child process (config.yaml and
        the child's console output, nothing else); it is taken, not refused.
        """
        if not self.writer:
            return  # other ranks of a distributed run: rank 0 checks and creates
        taken = [name for name in RUN_FILES if (self.path / name).exists()]
        if prepared and set(taken) <= {CONFIG_FILE, STATUS_FILE}:
            taken = []
        if taken:
            raise RunFolderError(
                f"run folder '{self.path}' already holds a run ({', '.join(taken)}); choose another --project-name "
                "or move that folder away (nothing was overwritten)"
            )
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"'{self.path}' is a file, not a folder; choose another --project-name")
        self.path.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(config_yaml, encoding="utf-8")

    def write_config(self, config_yaml: str) -> None:
        """Rewrite config.yaml (with the values a run resolved once its trainer type was known)."""
        if self.writer:
            self._write_atomic(CONFIG_FILE, config_yaml)

    def write_status(self, status: dict[str, Any]) -> None:
        if self.writer:
            self._write_atomic(STATUS_FILE, json.dumps(status, indent=2, default=str))

    def write_report(self, report: dict[str, Any]) -> None:
        """data_report.json: what reading and preparing the data did."""
        if self.writer:
            self._write_atomic(REPORT_FILE, json.dumps(report, indent=2, default=str))

    def append_metrics(self, event: dict[str, Any]) -> None:
        if self.writer:
            with open(self.metrics_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event, default=float) + "\n")

    def log(self, message: str) -> None:
        if self.writer:
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def read_status(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / STATUS_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def evaluations(self) -> list[dict[str, Any]]:
        """The evaluation events of metrics.jsonl in order, step 0 (the baseline) first; `final` ones left out."""
        return [e for e in self.read_metrics() if e.get("primary") is not None and not e.get("final")]

    def truncate_metrics(self, step: int) -> int:
        """Keep the events of metrics.jsonl up to `step` (a resumed run repeats none); returns how many were kept."""
        kept = [e for e in self.read_metrics() if e.get("step", 0) <= step and not e.get("final")]
        if self.writer:
            self._write_atomic(METRICS_FILE, "".join(json.dumps(e, default=float) + "\n" for e in kept))
        return len(kept)

    def read_metrics(self) -> list[dict[str, Any]]:
        try:
            lines = self.metrics_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _write_atomic(self, name: str, text: str) -> None:
        tmp = self.path / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path / name)
