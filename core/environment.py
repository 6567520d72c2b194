"""Where the studio runs: the one place that tells a Hugging Face Space from a laptop or a GPU box, and where runs live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["RUNS_ENV", "SPACE_STORAGE", "on_space", "runs_root", "space_duplicate_url"]

RUNS_ENV = "SBERT_STUDIO_RUNS"
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
