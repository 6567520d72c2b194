"""Datasets from the Hugging Face Hub: `owner/name`, `owner/name:config` or `owner/name:config:split`."""

from __future__ import annotations

import pandas as pd

from core.data.tables import ReadInfo
from core.errors import DataError
from core.hub.access import ensure_hub_reachable

__all__ = ["read_hub_split"]


def read_hub_split(data_path: str, split: str) -> tuple[pd.DataFrame, ReadInfo]:
    """Load one split of a Hub dataset as a DataFrame; fails within seconds when offline."""
    repo, _, rest = data_path.partition(":")
    config, _, split_in_id = rest.partition(":")
    split = split_in_id or split
    ensure_hub_reachable(repo, "dataset", DataError)
    import datasets

    try:
        dataset = datasets.load_dataset(repo, config or None, split=split)
    except ValueError as exc:  # unknown split or config
        raise DataError(f"Hub dataset '{repo}': {exc}") from None
    except Exception as exc:  # the hub client raises many types; the message is what matters
        raise DataError(f"Hub dataset '{repo}' could not be loaded ({type(exc).__name__}: {exc})") from None
    df = dataset.to_pandas()
    info = ReadInfo(source=data_path, format="hub", rows=len(df), columns=[str(c) for c in df.columns])
    info.notes.append(f"Hub dataset {repo}" + (f", config {config}" if config else "") + f", split {split}")
    return df, info
