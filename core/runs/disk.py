"""Disk: what runs and uploads take, whether a run fits before it starts, and pruning on a Space.

A run writes its checkpoints and its model. A checkpoint holds the weights and the optimiser's
state (AdamW keeps two moments per weight: 3x the fp32 weights in all); the trainer keeps
`max(2, save_total_limit)` of them and writes the next before it removes the oldest; then the
model is saved. So a run needs, at its peak,

    weights x (3 x (kept + 1) + 1)  +  10% + 200 MB of margin,

and is refused before it starts, with both figures, when the runs folder's disk has less free.

On a Space (small persistent storage shared by every visitor) the studio removes, oldest first,
ended runs and uploads older than $SBERT_STUDIO_KEEP_DAYS days (default 7), then more of them
while runs and uploads together take over $SBERT_STUDIO_QUOTA_GB (default 15 GB); it never touches
the run that trains. Each removal is a line in the app's log. Off a Space nothing is removed.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from core.environment import datasets_root, on_space, runs_root
from core.errors import StudioError
from core.runs.folder import RunFolder
from core.runs.lock import holder

__all__ = [
    "KEEP_DAYS_ENV",
    "QUOTA_ENV",
    "DiskError",
    "Usage",
    "check_room",
    "keep_days",
    "needed_bytes",
    "prune",
    "quota_bytes",
    "size_of",
    "usage",
]

logger = logging.getLogger("sbert_studio")
KEEP_DAYS_ENV = "SBERT_STUDIO_KEEP_DAYS"
QUOTA_ENV = "SBERT_STUDIO_QUOTA_GB"
MARGIN_BYTES = 200 * 2**20
CHECKPOINT_FACTOR = 3  # weights + AdamW's two moments


class DiskError(StudioError):
    """The disk cannot hold what a run would write."""


def keep_days() -> float:
    """How long runs and uploads are kept on a Space ($SBERT_STUDIO_KEEP_DAYS, default 7 days)."""
    return float(os.environ.get(KEEP_DAYS_ENV) or 7)


def quota_bytes() -> float:
    """What runs and uploads may take together on a Space ($SBERT_STUDIO_QUOTA_GB, default 15 GB)."""
    return float(os.environ.get(QUOTA_ENV) or 15) * 1e9


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (links not followed)."""
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(folder) / name).lstat().st_size
            except OSError:
                pass  # removed while we counted
    return total


@dataclass
class Usage:
    runs: int  # bytes under the runs root
    datasets: int  # bytes under the datasets root
    free: int  # bytes free on the runs root's disk

    def describe(self) -> str:
        return f"runs take {_gb(self.runs)}, uploaded and made tables {_gb(self.datasets)}; {_gb(self.free)} free on this disk"


def _gb(size: float) -> str:
    return f"{size / 1e9:,.2f} GB" if size >= 1e9 else f"{size / 1e6:,.0f} MB"


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def usage() -> Usage:
    """What runs and uploads take, and what is free where runs are written."""
    runs, datasets = runs_root(), datasets_root()
    return Usage(
        runs=size_of(runs) if runs.exists() else 0,
        datasets=size_of(datasets) if datasets.exists() else 0,
        free=shutil.disk_usage(_existing(runs.absolute())).free,
    )


def needed_bytes(weight_bytes: int, kept_checkpoints: int) -> int:
    """Peak bytes a run writes (see the module's docstring for the rule)."""
    peak = weight_bytes * (CHECKPOINT_FACTOR * (kept_checkpoints + 1) + 1)
    return int(peak * 1.1) + MARGIN_BYTES


def check_room(weight_bytes: int | None, kept_checkpoints: int, free: int | None = None) -> None:
    """Refuse a run whose checkpoints and model would not fit on the runs folder's disk.

    Raises:
        DiskError: naming what the run needs and what is free, and what to do.
    """
    if not weight_bytes:
        return  # the model's size is unknown (a Hub id not yet downloaded): nothing to judge by
    need = needed_bytes(weight_bytes, kept_checkpoints)
    free = usage().free if free is None else free
    if need > free:
        raise DiskError(
            f"not enough disk for this run: it needs about {_gb(need)} ({kept_checkpoints} checkpoints of weights and "
            f"optimiser state, then the model) and {_gb(free)} is free under {runs_root()}. Free some disk (delete old "
            "runs on the Runs tab), or pick a smaller base model"
        )


def _removable_runs(training: Path | None) -> list[tuple[float, Path, str]]:
    root = runs_root()
    if not root.is_dir():
        return []
    out = []
    for path in root.iterdir():
        folder = RunFolder(path)
        status = folder.read_status() if path.is_dir() else None
        if status is None or (training is not None and path.resolve() == training):
            continue  # the run that trains is never removed; any other that says it works was interrupted
        out.append((status.get("finished_at") or status.get("updated_at") or path.stat().st_mtime, path, "run"))
    return out


def _removable_uploads() -> list[tuple[float, Path, str]]:
    root = datasets_root()
    if not root.is_dir():
        return []
    return [(p.stat().st_mtime, p, "upload") for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def prune(now: float | None = None) -> list[str]:
    """On a Space, remove ended runs and uploads past the age or the quota, oldest first; returns one line per
    removal (each also logged). Off a Space, nothing."""
    if not on_space():
        return []
    now = now or time.time()
    held = holder()
    training = Path(held.run_dir).resolve() if held is not None and held.run_dir else None
    items = sorted(_removable_runs(training) + _removable_uploads(), key=lambda item: item[0])
    total = sum(size_of(path) for _, path, _ in items)
    removed = []
    for stamp, path, kind in items:
        age_days = (now - stamp) / 86400
        if age_days > keep_days():
            why = f"older than {keep_days():g} days ({age_days:.1f})"
        elif total > quota_bytes():
            why = f"runs and uploads take {_gb(total)}, over the quota of {_gb(quota_bytes())}"
        else:
            continue
        size = size_of(path)
        if kind == "run":
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        total -= size
        line = f"pruned {kind} {path.name} ({_gb(size)}): {why}"
        logger.info(line)
        removed.append(line)
    return removed
