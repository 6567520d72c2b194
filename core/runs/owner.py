"""Whose a run is, and whether a model a visitor names is theirs to use (the rule: core.visitors)."""

from __future__ import annotations

from pathlib import Path

from core.environment import on_space, runs_root
from core.errors import RunFolderError
from core.paths import check_text, inside
from core.runs.folder import RunFolder
from core.runs.index import run_path
from core.visitors import Visitor, check_owner

__all__ = ["check_model_ref", "check_run", "own_run", "owner_of"]


def owner_of(folder: RunFolder) -> str | None:
    """The identity that started the run (status.json `owner`), None when none was recorded."""
    return (folder.read_status() or {}).get("owner")


def _path_like(ref: str) -> bool:
    return ref.startswith((".", "/", "~", "\\")) or "\\" in ref or ref.count("/") > 1 or Path(ref).exists()


def check_model_ref(ref: str | None, visitor: Visitor | None, field: str = "model") -> None:
    """On a Space, a model named by a path must be the model folder of one of the visitor's own runs
    (a Hub id is fine). Off a Space anything goes: the person owns the machine.

    Raises:
        PathRefused: a path trick, or a folder outside the runs root.
        RunFolderError: the model of another visitor's run.
    """
    ref = (ref or "").strip()
    if not on_space() or not ref:
        return
    check_text(ref, field)
    if not _path_like(ref):
        return  # a Hub id: core.inference.models checks its form
    resolved = inside(ref, [runs_root()], field, "pick one of your runs' models, or a Hub id like owner/name")
    folder = RunFolder.of_model(resolved)
    if folder is None:
        raise RunFolderError(f"{field}: '{Path(ref).name}' is not the model folder of a run; pick one of your runs' models")
    check_owner(owner_of(folder), visitor, "use the model of")


def check_run(folder: RunFolder, visitor: Visitor | None, action: str) -> RunFolder:
    """`folder`, once `visitor` may `action` it (core.visitors.check_owner on its recorded owner)."""
    check_owner(owner_of(folder), visitor, action)
    return folder


def own_run(name: str, visitor: Visitor | None, action: str) -> RunFolder:
    """The folder of run `name` (a plain name in the runs root), once `visitor` may `action` it."""
    return check_run(RunFolder(run_path(name)), visitor, action)
