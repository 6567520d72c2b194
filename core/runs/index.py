"""The runs folder as a list: every run with its state, metric and timing; deleting and zipping runs.

A run's state comes from its status.json, with one correction: a run that says it is still
working (queued ... saving) but whose process is gone was interrupted (the app or the console
script died mid-run), so it shows as `interrupted`, not as training forever.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from core.errors import RunFolderError
from core.runs.state import TERMINAL_STATES
from core.environment import runs_root
from core.runs.folder import RunFolder
from core.paths import inside, is_plain_name, shorten
from core.runs.lock import LockInfo, holder, working
from core.visitors import Visitor, may_see

__all__ = [
    "BASE_KEPT",
    "base_model_of",
    "delete_run",
    "list_runs",
    "model_choices",
    "resume_checkpoint",
    "run_path",
    "run_warning",
    "saved_model",
    "zip_dir",
    "zip_model",
]


def _effective_state(status: dict, path: Path, held: LockInfo | None) -> str:
    """The state, except that a run which says it works but does not hold the machine's lock (`held`: the lock's
    holder now) was interrupted (core.runs.lock.working: the kernel's lock, never a pid that may have been reused)."""
    state = status.get("state", "unknown")
    if state not in TERMINAL_STATES and not working(path, held):
        return "interrupted"
    return state


BASE_KEPT = "base model, kept"


def saved_model(status: dict) -> str:
    """What the run's model folder holds, in words: the base model (do no harm kept it, or the run stopped before
    training), the trained model, or nothing yet."""
    if status.get("kept_base"):
        return BASE_KEPT
    return "trained" if status.get("state") in ("finished", "stopped") else ""


def list_runs(root: Path | None = None, viewer: Visitor | None = None) -> list[dict]:
    """Every run under the runs root that `viewer` may see (core.visitors.may_see: all of them off a Space, only
    their own on a Space, none without a viewer there), newest first, with what the Runs tab shows."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    runs, held = [], holder()  # the lock is asked once per listing, not once per run
    for path in root.iterdir():
        status = RunFolder(path).read_status() if path.is_dir() else None
        if status is None or not may_see(status.get("owner"), viewer):
            continue
        started = status.get("started_at") or status.get("created_at")
        ended = status.get("finished_at") or status.get("updated_at")
        runs.append(
            {
                "run": path.name,
                "path": str(path),
                "trainer": status.get("trainer"),
                "model": status.get("model"),
                "state": _effective_state(status, path, held),
                "metric": status.get("primary_metric"),
                "baseline": status.get("baseline"),
                "final": status.get("final"),  # the saved model's figure (the baseline when the base model was kept)
                "saved": saved_model(status),
                "warning": status.get("warning"),
                "started_at": started,
                "seconds": (ended - started) if started and ended else None,
                "has_model": RunFolder(path).has_model,
            }
        )
    return sorted(runs, key=lambda r: r["started_at"] or 0, reverse=True)


def resume_checkpoint(folder: RunFolder, fresh_start: str) -> Path:
    """The checkpoint a stopped, failed or interrupted run resumes from.

    Raises:
        RunFolderError: the run finished, or has no checkpoint (`fresh_start` says how to train it again).
    """
    if (folder.read_status() or {}).get("state") == "finished":
        raise RunFolderError(f"run '{folder.name}' finished; there is nothing to resume (its model is in {folder.model_dir})")
    checkpoint = folder.newest_checkpoint()
    if checkpoint is None:
        raise RunFolderError(
            f"run '{folder.name}' has no checkpoint to resume from (it ended before its first one); {fresh_start}, "
            "to train it again with the same settings"
        )
    return checkpoint


def run_path(name: str, root: Path | None = None) -> Path:
    """The folder of run `name`, which must be a plain name inside the runs root (a symlink pointing out is refused).

    Raises:
        RunFolderError: a name with a path in it, or no such run.
        PathRefused: a run folder that is a link to somewhere outside the runs root.
    """
    root = (root or runs_root()).resolve()
    if not name or not is_plain_name(str(name)):
        raise RunFolderError(f"'{shorten(name)}' is not a run name; pick a run from the list")
    path = inside(root / name, [root], "run", "pick a run from the list")
    if not RunFolder(path).has_status:
        raise RunFolderError(f"run '{name}' is not in {root} (deleted or moved?); refresh the list")
    return path


def delete_run(name: str, root: Path | None = None) -> None:
    """Delete a run folder; refused while the run is still working."""
    path = run_path(name, root)
    status = RunFolder(path).read_status() or {}
    if _effective_state(status, path, holder()) not in (*TERMINAL_STATES, "interrupted"):
        raise RunFolderError(f"run '{name}' is still {status.get('state')}; stop it before deleting it")
    shutil.rmtree(path)
    (zip_dir() / f"{name}-model.zip").unlink(missing_ok=True)


ZIP_DIR = "sbert-studio-zips"  # one zip per run, in the system's temporary folder, replaced on each download


def zip_dir() -> Path:
    """Where model zips are served from: one file per run (`<run>-model.zip`), removed with the run."""
    return Path(tempfile.gettempdir()) / ZIP_DIR


def zip_model(name: str, out_dir: Path | None = None, root: Path | None = None) -> Path:
    """`<out_dir>/<run>-model.zip` (default: `zip_dir()`) holding the run's model folder; a second download of
    the same run replaces the file (written beside it, then renamed), so downloads leave nothing behind."""
    path = run_path(name, root)
    folder = RunFolder(path)
    if not folder.has_model:
        raise RunFolderError(f"run '{name}' has no saved model yet; wait until it has ended")
    out_dir = out_dir or zip_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f".{name}-model.{os.getpid()}.{threading.get_ident()}"
    made = shutil.make_archive(str(partial), "zip", root_dir=path, base_dir=folder.model_dir.name)
    target = out_dir / f"{name}-model.zip"
    os.replace(made, target)
    return target


def _choice_label(r: dict) -> str:
    """`run NAME (trainer, metric FIGURE[, base model kept])`: the saved model's figure, and what it is."""
    kept = ", base model kept" if r["saved"] == BASE_KEPT else ""
    label = f"run {r['run']} ({r['trainer']}, {r['metric']} {r['final']:.3f}{kept})" if r["final"] is not None else f"run {r['run']}"
    against = "search alone" if is_reranker_run(r) else "the base model"
    return label + (f" ⚠ no gain over {against}" if r["warning"] else "")


def is_reranker_run(run: dict) -> bool:
    """A listed run (list_runs) that trains a reranker (a CrossEncoder), not an embedding model."""
    from core.recipes import RECIPES

    recipe = RECIPES.get(run.get("trainer") or "")
    return bool(recipe and recipe.cross_encoder)


def model_choices(root: Path | None = None, viewer: Visitor | None = None, *, rerankers: bool = False) -> list[tuple[str, str]]:
    """(label, reference) for the playground's picker: every run with a saved embedding model that `viewer` may see,
    newest first, then the base models; `rerankers`: the runs with a saved reranker instead (no base models)."""
    from core.catalog import CURATED_MODELS

    runs = [
        (
            _choice_label(r),
            str(RunFolder(r["path"]).model_dir),
        )
        for r in list_runs(root, viewer)
        if r["has_model"] and is_reranker_run(r) == rerankers
    ]
    return runs if rerankers else runs + [(name, name) for name in CURATED_MODELS]


def base_model_of(model_ref: str) -> str | None:
    """The base model a run's model was trained from (its config.yaml), None for anything else."""
    folder = RunFolder.of_model(model_ref)
    return folder.read_config().get("model") if folder else None


def run_warning(model_ref: str) -> str | None:
    """The warning of the run whose model `model_ref` is (a run folder or its model/ folder), else None."""
    folder = RunFolder.of_model(model_ref) or RunFolder(model_ref or "")
    return (folder.read_status() or {}).get("warning") if folder.has_status else None
