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

from core.errors import RunFolderError

__all__ = ["RUNS_ENV", "SPACE_STORAGE", "RunFolder", "is_main_process", "new_run_dir", "on_space", "runs_root"]

RUNS_ENV = "SBERT_STUDIO_RUNS"
RUN_FILES = ("config.yaml", "status.json", "metrics.jsonl", "data_report.json", "model")
SPACE_STORAGE = Path("/data")  # a Hugging Face Space's persistent storage, when it has some


def on_space() -> bool:
    """True when running as a Hugging Face Space (the Space runtime sets SPACE_ID)."""
    return bool(os.environ.get("SPACE_ID"))


def runs_root() -> Path:
    """Where runs live: $SBERT_STUDIO_RUNS, else /data/runs on a Space with storage, else ./runs."""
    if os.environ.get(RUNS_ENV):
        return Path(os.environ[RUNS_ENV])
    if on_space() and SPACE_STORAGE.is_dir():
        return SPACE_STORAGE / "runs"
    return Path("runs")


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

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    def create(self, config_yaml: str) -> None:
        """Make the folder and write config.yaml; refuse a folder that already holds a run."""
        if not self.writer:
            return  # other ranks of a distributed run: rank 0 checks and creates
        taken = [name for name in RUN_FILES if (self.path / name).exists()]
        if taken:
            raise RunFolderError(
                f"run folder '{self.path}' already holds a run ({', '.join(taken)}); choose another --project-name "
                "or move that folder away (nothing was overwritten)"
            )
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"'{self.path}' is a file, not a folder; choose another --project-name")
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "config.yaml").write_text(config_yaml, encoding="utf-8")

    def write_config(self, config_yaml: str) -> None:
        """Rewrite config.yaml (with the values a run resolved once its trainer type was known)."""
        if self.writer:
            self._write_atomic("config.yaml", config_yaml)

    def write_status(self, status: dict[str, Any]) -> None:
        if self.writer:
            self._write_atomic("status.json", json.dumps(status, indent=2, default=str))

    def write_json(self, name: str, data: Any) -> None:
        if self.writer:
            self._write_atomic(name, json.dumps(data, indent=2, default=str))

    def append_metrics(self, event: dict[str, Any]) -> None:
        if self.writer:
            with open(self.path / "metrics.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event, default=float) + "\n")

    def log(self, message: str) -> None:
        if self.writer:
            with open(self.path / "log.txt", "a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def read_status(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / "status.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def read_metrics(self) -> list[dict[str, Any]]:
        try:
            lines = (self.path / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _write_atomic(self, name: str, text: str) -> None:
        tmp = self.path / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path / name)
