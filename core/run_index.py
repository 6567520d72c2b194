"""The runs folder as a list: every run with its state, metric and timing; deleting and zipping runs.

A run's state comes from its status.json, with one correction: a run that says it is still
working (queued ... saving) but whose process is gone was interrupted (the app or the console
script died mid-run), so it shows as `interrupted`, not as training forever.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from core.errors import RunFolderError
from core.run_state import TERMINAL_STATES
from core.runs import RunFolder, runs_root

__all__ = ["base_model_of", "delete_run", "list_runs", "model_choices", "run_path", "run_warning", "zip_model"]


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def _effective_state(status: dict) -> str:
    state = status.get("state", "unknown")
    if state not in TERMINAL_STATES and not _alive(status.get("pid")):
        return "interrupted"
    return state


def list_runs(root: Path | None = None) -> list[dict]:
    """Every run under the runs root, newest first, with what the Runs tab shows."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    runs = []
    for path in root.iterdir():
        status = RunFolder(path).read_status() if path.is_dir() else None
        if status is None:
            continue
        started = status.get("started_at") or status.get("created_at")
        ended = status.get("finished_at") or status.get("updated_at")
        runs.append(
            {
                "run": path.name,
                "path": str(path),
                "trainer": status.get("trainer"),
                "model": status.get("model"),
                "state": _effective_state(status),
                "metric": status.get("primary_metric"),
                "baseline": status.get("baseline"),
                "final": status.get("final"),
                "warning": status.get("warning"),
                "started_at": started,
                "seconds": (ended - started) if started and ended else None,
                "has_model": (path / "model" / "modules.json").is_file(),
            }
        )
    return sorted(runs, key=lambda r: r["started_at"] or 0, reverse=True)


def run_path(name: str, root: Path | None = None) -> Path:
    """The folder of run `name`, which must be a plain name inside the runs root.

    Raises:
        RunFolderError: a name with a path in it, or no such run.
    """
    root = (root or runs_root()).resolve()
    if not name or Path(name).name != name or name in (".", ".."):
        raise RunFolderError(f"'{name}' is not a run name; pick a run from the list")
    path = root / name
    if not (path / "status.json").is_file():
        raise RunFolderError(f"run '{name}' is not in {root} (deleted or moved?); refresh the list")
    return path


def delete_run(name: str, root: Path | None = None) -> None:
    """Delete a run folder; refused while the run is still working."""
    path = run_path(name, root)
    status = RunFolder(path).read_status() or {}
    if _effective_state(status) not in (*TERMINAL_STATES, "interrupted"):
        raise RunFolderError(f"run '{name}' is still {status.get('state')}; stop it before deleting it")
    shutil.rmtree(path)


def zip_model(name: str, out_dir: Path, root: Path | None = None) -> Path:
    """`<out_dir>/<run>-model.zip` holding the run's model folder."""
    path = run_path(name, root)
    if not (path / "model").is_dir():
        raise RunFolderError(f"run '{name}' has no saved model yet; wait until it has ended")
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.make_archive(str(out_dir / f"{name}-model"), "zip", root_dir=path, base_dir="model"))


def model_choices(root: Path | None = None) -> list[tuple[str, str]]:
    """(label, reference) for the playground's picker: every run with a saved model, newest first, then the base models."""
    from core.model_cache import CURATED_MODELS

    runs = [
        (
            (f"run {r['run']} ({r['trainer']}, {r['metric']} {r['final']:.3f})" if r["final"] is not None else f"run {r['run']}")
            + (" ⚠ no gain over the base model" if r["warning"] else ""),
            str(Path(r["path"]) / "model"),
        )
        for r in list_runs(root)
        if r["has_model"]
    ]
    return runs + [(name, name) for name in CURATED_MODELS]


def base_model_of(model_ref: str) -> str | None:
    """The base model a run's model was trained from (its config.yaml), None for anything else."""
    import yaml

    config = Path(model_ref).parent / "config.yaml"
    if Path(model_ref).name != "model" or not config.is_file():
        return None
    try:
        return (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("model")
    except yaml.YAMLError:
        return None


def run_warning(model_ref: str) -> str | None:
    """The warning of the run whose model `model_ref` is (a run folder or its model/ folder), else None."""
    path = Path(model_ref or "")
    folder = path.parent if path.name == "model" else path
    if not (folder / "status.json").is_file():
        return None
    return (RunFolder(folder).read_status() or {}).get("warning")
