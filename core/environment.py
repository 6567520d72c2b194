"""Where the studio runs: the one place that tells a Hugging Face Space from a laptop or a GPU box, and where runs live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ADMINS_ENV",
    "DATASETS_ENV",
    "RUNS_ENV",
    "SPACE_STORAGE",
    "datasets_root",
    "on_space",
    "runs_root",
    "space_admins",
    "space_duplicate_url",
]

RUNS_ENV = "SBERT_STUDIO_RUNS"
DATASETS_ENV = "SBERT_STUDIO_DATASETS"
# Hub user names (comma-separated) who, signed in on the Space, act as its owner: they may push with the Space's
# own HF_TOKEN and see, stop and delete every run. The Space's author (SPACE_AUTHOR_NAME) always may.
ADMINS_ENV = "SBERT_STUDIO_ADMINS"
SPACE_STORAGE = Path("/data")  # a Hugging Face Space's persistent storage, when it has some


def on_space() -> bool:
    """True when running as a Hugging Face Space (the Space runtime sets SPACE_ID)."""
    return bool(os.environ.get("SPACE_ID"))


def space_duplicate_url() -> str | None:
    """The link that duplicates this Space (to train on one's own hardware), None off a Space."""
    space = os.environ.get("SPACE_ID")
    return f"https://huggingface.co/spaces/{space}?duplicate=true" if space else None


def runs_root() -> Path:
    """Where runs live: $SBERT_STUDIO_RUNS, else /data/runs on a Space with storage, else ./runs."""
    if os.environ.get(RUNS_ENV):
        return Path(os.environ[RUNS_ENV])
    if on_space() and SPACE_STORAGE.is_dir():
        return SPACE_STORAGE / "runs"
    return Path("runs")


def datasets_root() -> Path:
    """Where uploads and made tables are kept: $SBERT_STUDIO_DATASETS, else a `datasets` folder beside the runs."""
    if os.environ.get(DATASETS_ENV):
        return Path(os.environ[DATASETS_ENV])
    return runs_root().absolute().parent / "datasets"


def space_admins() -> set[str]:
    """The Hub user names that act as the Space's owner: its author and those named in $SBERT_STUDIO_ADMINS."""
    names = {n.strip() for n in os.environ.get(ADMINS_ENV, "").split(",")}
    names.add(os.environ.get("SPACE_AUTHOR_NAME", "").strip())
    return {n for n in names if n}
