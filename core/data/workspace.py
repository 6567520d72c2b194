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

from core.data.tables import looks_like_hub_id
from core.environment import DATASETS_ENV, datasets_root, on_space
from core.errors import ConfigError, DataError
from core.paths import check_text, inside, is_plain_name, shorten
from core.visitors import Visitor

__all__ = [
    "DATASETS_ENV",
    "EXAMPLES_DIR",
    "MAX_UPLOAD_ENV",
    "confine_data",
    "confine_split",
    "datasets_root",
    "keep_file",
    "max_upload_mb",
    "readable_roots",
    "save_table",
    "visitor_folder",
]

MAX_UPLOAD_ENV = "SBERT_STUDIO_MAX_UPLOAD_MB"
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"


def max_upload_mb() -> float:
    """The largest table a person may upload, in MB ($SBERT_STUDIO_MAX_UPLOAD_MB, default 500)."""
    return float(os.environ.get(MAX_UPLOAD_ENV) or 500)


def visitor_folder(visitor: Visitor | None = None) -> Path:
    """Where this visitor's uploads and made tables go: on a Space a folder of their own under the
    datasets root (`user-<name>`, or `session-<hash>` for an anonymous visitor); elsewhere the root itself."""
    root = datasets_root()
    return root / (visitor or Visitor()).folder if on_space() else root


def readable_roots(visitor: Visitor | None = None) -> list[Path]:
    """The folders a visitor's data may come from on a Space: their own uploads and the bundled examples."""
    return [visitor_folder(visitor), EXAMPLES_DIR]


def _free_path(name: str, visitor: Visitor | None) -> Path:
    """A path in the visitor's folder for `name` that holds no file yet (`name-2.csv`, ...)."""
    root = visitor_folder(visitor)
    root.mkdir(parents=True, exist_ok=True)
    stem, suffix = os.path.splitext(re.sub(r"[^\w.-]+", "_", Path(name).name).lstrip(".") or "table.csv")
    path, n = root / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = root / f"{stem}-{n}{suffix}"
    return path


def keep_file(path: str | Path, visitor: Visitor | None = None) -> Path:
    """Copy a file (an upload) into the visitor's datasets folder under its own name; returns the copy.

    Raises:
        DataError: the file is over the upload limit (nothing is copied).
    """
    size_mb = Path(path).stat().st_size / 1e6
    if size_mb > max_upload_mb():
        raise DataError(
            f"'{Path(path).name}' is {size_mb:,.1f} MB; the limit is {max_upload_mb():,.0f} MB ({MAX_UPLOAD_ENV}). "
            "Upload a sample, or put the file on the Hub and load it by its dataset id"
        )
    target = _free_path(Path(path).name, visitor)
    shutil.copyfile(path, target)
    return target


def save_table(df: pd.DataFrame, name: str, visitor: Visitor | None = None) -> Path:
    """Write a made table as UTF-8 CSV, named `<name>-<yyyymmdd-hhmmss>.csv`; returns its path."""
    target = _free_path(f"{name}-{datetime.now():%Y%m%d-%H%M%S}.csv", visitor)
    df.to_csv(target, index=False)
    return target


def confine_data(value: str | None, field: str, visitor: Visitor | None) -> str | None:
    """On a Space, a data path (file or folder) must lie in the visitor's uploads or the bundled examples,
    unless it is a Hub dataset id; returns the value to use. Off a Space it is returned unchanged.

    Raises:
        PathRefused: a path trick, or a file outside those folders.
    """
    if not value or not on_space():
        return value
    check_text(value, field)
    if Path(value).exists() or not looks_like_hub_id(value):
        return str(inside(value, readable_roots(visitor), field, "upload the file on the Data tab, or use a Hub dataset id"))
    return value


def confine_split(value: str | None, field: str, visitor: Visitor | None) -> str | None:
    """A split name (`train`, `validation`) or, for a single file, the path of a second file: a name must be
    plain (no path in it), and a path goes through `confine_data`."""
    if not value:
        return value
    if is_plain_name(value) and not Path(value).is_file():
        return value
    if not on_space():
        return value
    if "/" not in value and "\\" not in value:
        raise ConfigError(f"{field}: '{shorten(value)}' is not a split name (letters, digits, '_', '.', '-')")
    return confine_data(value, field, visitor)
