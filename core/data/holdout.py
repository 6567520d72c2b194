"""Holding out a validation split when none is given: whole groups (a query with all its rows) with
scikit-learn's GroupShuffleSplit, single rows with its train_test_split; both seeded, both holding out
max(1, round(fraction × count)) groups or rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["held_out_groups", "held_out_rows"]


def held_out_groups(groups: pd.Series, fraction: float, seed: int) -> np.ndarray:
    """A boolean mask over the rows: True for every row of the held-out groups (e.g. queries)."""
    from sklearn.model_selection import GroupShuffleSplit

    count = max(1, round(groups.nunique() * fraction))
    split = GroupShuffleSplit(n_splits=1, test_size=count, random_state=seed)
    _, held = next(split.split(np.zeros(len(groups)), groups=groups.to_numpy()))
    mask = np.zeros(len(groups), dtype=bool)
    mask[held] = True
    return mask


def held_out_rows(index: pd.Index, fraction: float, seed: int) -> pd.Index:
    """The held-out rows' index labels."""
    from sklearn.model_selection import train_test_split

    _, held = train_test_split(index.to_numpy(), test_size=max(1, round(len(index) * fraction)), random_state=seed)
    return pd.Index(held)
