"""Where tables made or uploaded in the app are kept: `<runs root>/../datasets` unless set.

An uploaded file lives in the web server's temporary folder, and a table made by a data recipe
lives only in memory; a run's config.yaml must point at a file that outlives both. So uploads
are copied here and made tables written here, never overwriting an earlier file.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd

from core.environment import runs_root
from core.errors import DataError

__all__ = [
    "DATASETS_ENV",
    "MAX_UPLOAD_ENV",
    "confine",
    "datasets_root",
    "keep_file",
    "max_upload_mb",
    "readable_on_space",
    "save_table",
]

DATASETS_ENV = "SBERT_STUDIO_DATASETS"
MAX_UPLOAD_ENV = "SBERT_STUDIO_MAX_UPLOAD_MB"


def max_upload_mb() -> float:
    """The largest table a person may upload, in MB ($SBERT_STUDIO_MAX_UPLOAD_MB, default 500)."""
    return float(os.environ.get(MAX_UPLOAD_ENV) or 500)


def datasets_root() -> Path:
    """$SBERT_STUDIO_DATASETS, else a `datasets` folder beside the runs folder."""
    if os.environ.get(DATASETS_ENV):
        return Path(os.environ[DATASETS_ENV])
    return runs_root().absolute().parent / "datasets"


def _free_path(name: str) -> Path:
    """A path under the datasets root for `name` that holds no file yet (`name-2.csv`, ...)."""
    root = datasets_root()
    root.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(re.sub(r"[^\w.-]+", "_", Path(name).name) or "table.csv")
    path, n = root / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = root / f"{stem}-{n}{suffix}"
    return path


def keep_file(path: str | Path) -> Path:
    """Copy a file (an upload) into the datasets folder under its own name; returns the copy.

    Raises:
        DataError: the file is over the upload limit (nothing is copied).
    """
    size_mb = Path(path).stat().st_size / 1e6
    if size_mb > max_upload_mb():
        raise DataError(
            f"'{Path(path).name}' is {size_mb:,.1f} MB; the limit is {max_upload_mb():,.0f} MB ({MAX_UPLOAD_ENV}). "
            "Upload a sample, or put the file on the Hub and load it by its dataset id"
        )
    target = _free_path(Path(path).name)
    shutil.copyfile(path, target)
    return target


def save_table(df: pd.DataFrame, name: str) -> Path:
    """Write a made table as UTF-8 CSV, named `<name>-<yyyymmdd-hhmmss>.csv`; returns its path."""
    target = _free_path(f"{name}-{datetime.now():%Y%m%d-%H%M%S}.csv")
    df.to_csv(target, index=False)
    return target


EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"


def readable_on_space(path: str | Path) -> bool:
    """True when a local file may be read on a Space: an upload (datasets folder) or a bundled example."""
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in (datasets_root(), EXAMPLES_DIR))


def confine(config, *, space: bool):
    """The config a run started from the app may have: its folder a plain name under the runs root and,
    on a Space, its data only uploads, bundled examples or Hub dataset ids.

    The console script is not confined: there the person owns the machine.

    Raises:
        ConfigError: a run folder name with a path in it, or (on a Space) a data file elsewhere on the disk.
    """
    from core.errors import ConfigError

    name = config.project_name
    if name:
        if Path(name).name != name or name in (".", ".."):
            raise ConfigError(
                f"project_name: '{name}' must be a plain folder name (no '/' or '..'); the run goes under {runs_root()}"
            )
        config = config.replace(project_name=str(runs_root() / name))
    if space:
        for field in ("data_path", "valid_split"):
            value = getattr(config, field)
            if value and Path(value).exists() and not readable_on_space(value):
                raise ConfigError(
                    f"{field}: on a Space only uploaded tables, bundled examples and Hub dataset ids can be read, "
                    f"not '{value}'; upload the file on the Data tab"
                )
    return config
