"""Turn read tables into the datasets a trainer type expects, and say what was done.

Steps, in order: map roles to columns (a missing column lists the columns found); clean texts
(missing or blank ones are dropped and counted); check and scale scores to 0-1 or map class
labels to integers; hold out a seeded validation split when none is given (stratified for
classes, grouped by question for qa); apply max_samples; put columns in the order the loss reads
them. The returned report is what data_report.json and the UI's data report show.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.recipes import LossSpec, Recipe
from core.roles import ROLE_KEYS

__all__ = ["Prepared", "label_keys", "prepare_data"]

MIN_TRAIN_ROWS = 2


@dataclass
class Prepared:
    """Cleaned train and validation tables (columns in `recipe.columns` order) and the report."""

    train: pd.DataFrame
    valid: pd.DataFrame
    report: dict
    label_names: list[str] | None = None  # class id -> original label

    @property
    def num_labels(self) -> int:
        return len(self.label_names or [])


def prepare_data(
    train_df: pd.DataFrame,
    valid_df: pd.DataFrame | None,
    recipe: Recipe,
    mapping: dict[str, str | None],
    loss: LossSpec,
    *,
    validation_fraction: float = 0.1,
    seed: int = 42,
    max_samples: int | None = None,
    score_range: tuple[float, float] | None = None,
) -> Prepared:
    """Clean, check, scale, split and order the data for `recipe`.

    Args:
        mapping: role (`sentence1`, ..., `target`) -> source column name.
        score_range: declared (min, max) of scores; None: scale by observed min/max if outside 0-1.

    Raises:
        DataError: a missing column, a bad value (row and value named), one class only, or no rows left.
    """
    _check_mapping(train_df, recipe, mapping, "training data")
    if valid_df is not None:
        _check_mapping(valid_df, recipe, mapping, "validation data")
    report: dict = {"trainer": recipe.name, "loss": loss.name, "mapping": {}, "dropped": {}}
    for role, label in zip(recipe.roles, recipe.role_labels, strict=True):
        report["mapping"][role] = {"column": mapping[role], "meaning": label}
    if recipe.target:
        report["mapping"]["target"] = {"column": mapping["target"], "meaning": recipe.target}
    report["column_order"] = (
        f"columns are passed to the loss in this order (sentence-transformers reads them by position): "
        f"{', '.join(recipe.columns)}"
    )

    train, dropped = _clean(train_df, recipe, mapping, "training")
    report["rows_read"] = {"train": len(train_df)}
    report["dropped"]["train"] = dropped
    valid = None
    if valid_df is not None:
        valid, valid_dropped = _clean(valid_df, recipe, mapping, "validation")
        report["rows_read"]["validation"] = len(valid_df)
        report["dropped"]["validation"] = valid_dropped

    if len(train) < MIN_TRAIN_ROWS + (1 if valid is None else 0):
        raise DataError(
            f"only {len(train)} usable training row(s) after cleaning; training needs at least {MIN_TRAIN_ROWS} "
            f"(and {MIN_TRAIN_ROWS + 1} when a validation split is held out of them). Add rows"
        )
    label_names = None
    if recipe.target == "score":
        train, valid, report["score"] = _scale_scores(train, valid, mapping["target"], score_range)
    elif recipe.target == "class":
        train, valid, label_names, report["labels"] = _map_labels(train, valid, recipe, loss, mapping["target"])

    if valid is None:
        train, valid, report["validation"] = _hold_out(train, recipe, validation_fraction, seed)
    else:
        report["validation"] = {"source": "the validation split given", "rows": len(valid)}
    if len(train) < MIN_TRAIN_ROWS:
        raise DataError(
            f"only {len(train)} training row(s) left after cleaning and the validation split; "
            f"training needs at least {MIN_TRAIN_ROWS}. Add rows, or give a separate validation split"
        )
    if len(valid) == 0:
        raise DataError("the validation data has no usable rows after cleaning; check its columns and values")
    if max_samples is not None and max_samples < len(train):
        report["max_samples"] = f"trained on the first {max_samples} of {len(train)} cleaned training rows"
        train = train.iloc[:max_samples]
    report["duplicates"] = int(train.duplicated(subset=list(recipe.roles)).sum())
    report["rows_kept"] = {"train": len(train), "validation": len(valid)}
    return Prepared(train.reset_index(drop=True), valid.reset_index(drop=True), report, label_names)


# ---------------------------------------------------------------------- steps
def _check_mapping(df: pd.DataFrame, recipe: Recipe, mapping: dict, what: str) -> None:
    needed = list(recipe.roles) + (["target"] if recipe.target else [])
    found = ", ".join(f"'{c}'" for c in df.columns)
    for role in needed:
        column = mapping.get(role)
        flag = "--" + ROLE_KEYS[role].replace("_", "-")
        if not column:
            texts_needed = len(recipe.roles)
            raise DataError(
                f"trainer '{recipe.name}' needs {texts_needed} text column(s) ({', '.join(recipe.role_labels)})"
                + (f" and a {recipe.target} column" if recipe.target else "")
                + f", but no column was found for role '{role}'. Columns found: {found}. "
                f"Name it with {flag}, or choose a trainer type that fits the columns"
            )
        if column not in df.columns:
            raise DataError(f"column '{column}' (role {role}, {flag}) is not in the {what}. Columns found: {found}")


def _clean(df: pd.DataFrame, recipe: Recipe, mapping: dict, what: str) -> tuple[pd.DataFrame, dict]:
    """Role columns only, texts stripped; rows with an empty text or a missing target dropped."""
    out = pd.DataFrame(index=df.index)
    keep = pd.Series(True, index=df.index)
    dropped: dict[str, int] = {}
    for role in recipe.roles:
        column = mapping[role]
        values = df[column]
        nested = values.map(lambda v: isinstance(v, (dict, list, tuple, np.ndarray)))
        if nested.any():
            row = int(np.flatnonzero(nested.to_numpy())[0])
            raise DataError(
                f"column '{column}' ({what} row {row + 1}) holds a nested JSON value, not text: {str(values.iloc[row])[:80]}. "
                "Map a column of plain texts to this role"
            )
        texts = values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
        empty = texts == ""
        if empty.any():
            dropped[f"empty {role} ('{column}')"] = int((empty & keep).sum())
        keep &= ~empty
        out[role] = texts
    if recipe.target:
        out["target"] = df[mapping["target"]]
        missing = out["target"].map(lambda v: v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "")
        if missing.any():
            dropped[f"missing target ('{mapping['target']}')"] = int((missing & keep).sum())
        keep &= ~missing
    dropped = {k: v for k, v in dropped.items() if v}
    cleaned = out[keep]
    if len(cleaned) == 0:
        reasons = ", ".join(f"{count} {reason}" for reason, count in dropped.items()) or "no rows"
        roles = list(recipe.roles) + (["target"] if recipe.target else [])
        raise DataError(
            f"every {what} row was dropped while cleaning ({reasons}); check that the role mapping points at the "
            f"right columns: {', '.join(f'{r} -> {mapping[r]}' for r in roles)}"
        )
    return cleaned, dropped


def _scale_scores(train, valid, column: str, declared):
    frames = [("training", train)] + ([("validation", valid)] if valid is not None else [])
    for what, frame in frames:
        numbers = pd.to_numeric(frame["target"], errors="coerce")
        bad = numbers.isna() | ~np.isfinite(numbers.astype(float))
        if bad.any():
            index = frame.index[bad.to_numpy()][0]
            raise DataError(
                f"score column '{column}' must hold numbers, but {what} row {index + 1} holds "
                f"'{frame.loc[index, 'target']}'. Fix that row, or use trainer pair_class for text labels"
            )
        frame["target"] = numbers.astype(float)
    every = pd.concat([f["target"] for _, f in frames])
    low, high = float(every.min()), float(every.max())
    info = {"column": column, "observed_range": [low, high]}
    if declared is not None:
        lo, hi = declared
        outside = every[(every < lo) | (every > hi)]
        if len(outside):
            raise DataError(
                f"score {outside.iloc[0]} in column '{column}' is outside the declared range {lo}-{hi}; "
                "fix the value or the range"
            )
        info["scaled"] = f"from the declared range {lo}-{hi} to 0-1"
    elif low < 0 or high > 1:
        if high == low:
            raise DataError(f"every score in column '{column}' is {low}; pair_score needs scores that differ")
        lo, hi = low, high
        info["scaled"] = f"from the observed range {lo}-{hi} to 0-1 (declare score_min/score_max to fix the range)"
    else:
        lo, hi = 0.0, 1.0
        info["scaled"] = "no: scores already lie in 0-1"
    for _, frame in frames:
        frame["target"] = (frame["target"] - lo) / (hi - lo)
    renamed = [f.rename(columns={"target": "score"}) for _, f in frames]
    return renamed[0], (renamed[1] if valid is not None else None), info


def label_keys(values: pd.Series) -> tuple[list, Callable[[Any], Any]]:
    """The classes of a label column, sorted, and the function naming a value's class: whole numbers
    by their integer value (1 and 1.0 are one class), words with surrounding spaces stripped."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all() and (numeric % 1 == 0).all():
        return sorted({int(v) for v in numeric}), lambda v: int(float(v))
    if numeric.notna().all():  # fractions or inf: no class names (prepare refuses them), but still countable
        return sorted(set(numeric)), float
    return sorted({str(v).strip() for v in values}), lambda v: str(v).strip()


def _map_labels(train, valid, recipe: Recipe, loss: LossSpec, column: str):
    frames = [train] + ([valid] if valid is not None else [])
    every = pd.concat([f["target"] for f in frames])
    numeric = pd.to_numeric(every, errors="coerce")
    if numeric.notna().all():
        if not (numeric % 1 == 0).all():
            first = every[(numeric % 1 != 0).to_numpy()].iloc[0]
            raise DataError(
                f"label column '{column}' holds {first}, which is not a class; trainer '{recipe.name}' needs class "
                "labels (0/1 or words). For similarity scores use trainer pair_score"
            )
    keys, as_key = label_keys(every)
    if len(set(as_key(v) for v in train["target"])) < 2:
        only = as_key(train["target"].iloc[0])
        raise DataError(
            f"label column '{column}' holds one class only ({only}); trainer '{recipe.name}' needs at least two "
            "(e.g. 1 for similar and 0 for not). Add rows of another class"
        )
    if loss.binary_only and len(keys) != 2:
        raise DataError(
            f"{loss.name} needs exactly two classes, but column '{column}' holds {len(keys)}: "
            f"{', '.join(map(str, keys[:10]))}. Use SoftmaxLoss, or keep two classes"
        )
    ids = {key: i for i, key in enumerate(keys)}
    info = {"column": column, "classes": len(keys)}
    if any(str(k) != str(i) for k, i in ids.items()):
        info["mapping"] = {str(k): i for k, i in ids.items()}
    for frame in frames:
        frame["target"] = frame["target"].map(lambda v: ids[as_key(v)]).astype(int)
    info["counts"] = {str(k): int((train["target"] == i).sum()) for k, i in ids.items()}
    renamed = [f.rename(columns={"target": "label"}) for f in frames]
    return renamed[0], (renamed[1] if valid is not None else None), [str(k) for k in keys], info


def _hold_out(train: pd.DataFrame, recipe: Recipe, fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    if len(train) < MIN_TRAIN_ROWS + 1:
        raise DataError(
            f"only {len(train)} usable row(s); holding out a validation split needs at least {MIN_TRAIN_ROWS + 1}. "
            "Add rows, or give a separate validation split"
        )
    if recipe.target == "class":
        picked = []
        for _, group in train.groupby("label"):
            count = round(len(group) * fraction)
            if len(group) >= 2:
                count = max(1, count)
            picked += list(rng.permutation(group.index.to_numpy())[: min(count, len(group) - 1)])
        how = f"held out {fraction:.0%} of the training rows (seed {seed}, stratified by class)"
        valid_index = pd.Index(picked)
    elif recipe.name == "qa":
        questions = train["sentence1"].unique()
        count = max(1, round(len(questions) * fraction))
        chosen = set(rng.permutation(questions)[:count])
        valid_index = train.index[train["sentence1"].isin(chosen).to_numpy()]
        how = f"held out {fraction:.0%} of the questions with all their answers (seed {seed})"
    else:
        count = max(1, round(len(train) * fraction))
        valid_index = pd.Index(rng.permutation(train.index.to_numpy())[:count])
        how = f"held out {fraction:.0%} of the training rows (seed {seed})"
    valid = train.loc[valid_index].sort_index()
    rest = train.drop(index=valid_index)
    return rest, valid, {"source": how, "rows": len(valid)}
