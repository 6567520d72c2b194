"""Turn read tables into the datasets a trainer type expects, and say what was done.

Steps, in order: map roles to columns (a missing column lists the columns found); clean texts
(missing or blank ones are dropped and counted); check and scale scores to 0-1 or map class
labels to integers; hold out a seeded validation split when none is given (stratified for
classes, grouped by question for qa); apply max_samples; put columns in the order the loss reads
them. The returned report is what data_report.json and the UI's data report show.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.data.holdout import held_out_groups, held_out_rows
from core.data.negatives import BINARY_WORDS, binary_key, binary_labels, build_retrieval
from core.errors import DataError
from core.recipes import ROLE_FIELDS, LossSpec, Recipe, trainer_for

__all__ = ["Prepared", "label_keys", "prepare_data"]

MIN_TRAIN_ROWS = 2


@dataclass
class Prepared:
    """Cleaned train and validation tables (columns in `recipe.prepared(loss)` order) and the report."""

    train: pd.DataFrame
    valid: pd.DataFrame
    report: dict
    label_names: list[str] | None = None  # class id -> original label
    valid_negatives: dict[str, list[str]] | None = None  # retrieval: every known negative of each validation query

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
    negative_columns: list[str] | None = None,
    num_negatives: int = 3,
    batch_size: int | None = None,
) -> Prepared:
    """Clean, check, scale, split and order the data for `recipe`.

    Args:
        mapping: role (`sentence1`, ..., `target`) -> source column name. For retrieval trainers
            (`recipe.negatives`) `target` is an optional 0/1 label and `sentence3` an optional negative column.
        score_range: declared (min, max) of scores; None: scale by observed min/max if outside 0-1.
        negative_columns: more negative columns (retrieval trainers).
        num_negatives: hard negatives per training row (retrieval trainers with negatives).

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
    for role in recipe.optional_roles:
        if mapping.get(role):
            report["mapping"][role] = {"column": mapping[role], "meaning": recipe.meaning(role)}
    report["column_order"] = (
        f"columns are passed to the loss in this order (sentence-transformers reads them by position): "
        f"{', '.join(column for column, _ in recipe.prepared(loss))}"
    )
    negatives = [c for c in [mapping.get("sentence3"), *(negative_columns or [])] if c] if recipe.negatives else []
    label = mapping.get("target") if recipe.negatives else None
    if recipe.cross_encoder and label and _graded(train_df, label):  # a reranker's graded relevance: scaled scores
        graded = dataclasses.replace(recipe, target="score", negatives=False)
        return prepare_data(
            train_df,
            valid_df,
            graded,
            mapping,
            loss,
            validation_fraction=validation_fraction,
            seed=seed,
            max_samples=max_samples,
            score_range=score_range,
            batch_size=batch_size,
        )
    if label or negatives:
        for frame, what in ((train_df, "training data"), (valid_df, "validation data")):
            if frame is not None:
                _check_columns(frame, [label, *negatives], what)
        return _prepare_retrieval(
            train_df, valid_df, recipe, mapping, report, label, negatives, validation_fraction, seed, max_samples, num_negatives
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
    if recipe.makes_label_pairs(loss):
        train, report["label_pairs"] = label_pairs(train, seed, batch_size or recipe.defaults.batch_size)
    report["duplicates"] = int(train.duplicated(subset=list(recipe.roles)).sum())
    report["rows_kept"] = {"train": len(train), "validation": len(valid)}
    return Prepared(train.reset_index(drop=True), valid.reset_index(drop=True), report, label_names)


def _graded(df: pd.DataFrame, column: str) -> bool:
    """A target column holding more than 0/1-like labels (grades, scores): a reranker learns it as a score."""
    if column not in df.columns:
        return False
    return bool({binary_key(v) for v in df[column].dropna() if _text(v)} - set(BINARY_WORDS))


def _prepare_retrieval(
    train_df, valid_df, recipe, mapping, report, label, negatives, validation_fraction, seed, max_samples, num_negatives
) -> Prepared:
    """pair/qa with a 0/1 label column or negative columns: rows (query, positive, negative_1..k), see core.data.negatives."""
    train_rows, report["dropped"]["train"] = _retrieval_rows(train_df, recipe, mapping, label, negatives, "training")
    report["rows_read"] = {"train": len(train_df)}
    train, valid, valid_negatives, info = build_retrieval(
        train_rows, num_negatives=num_negatives, validation_fraction=validation_fraction, seed=seed, hold_out=valid_df is None
    )
    if valid_df is not None:
        valid_rows, report["dropped"]["validation"] = _retrieval_rows(valid_df, recipe, mapping, label, negatives, "validation")
        report["rows_read"]["validation"] = len(valid_df)
        valid, _, valid_negatives, _ = build_retrieval(
            valid_rows, num_negatives=num_negatives, validation_fraction=0, seed=seed, hold_out=False
        )
    source = [f"label column '{label}' (label-0 rows of a query are its negatives)"] if label else []
    source += [f"column '{c}'" for c in negatives]
    info["source"] = ", ".join(source)
    report["negatives"] = info
    report["column_order"] = (
        "columns are passed to the loss in this order (sentence-transformers reads them by position): " + ", ".join(train.columns)
    )
    report["validation"] = {
        "source": info.pop("validation", "the validation split given"),
        "rows": len(valid),
        "queries": int(valid["sentence1"].nunique()),
    }
    if max_samples is not None and max_samples < len(train):
        report["max_samples"] = f"trained on the first {max_samples} of {len(train)} cleaned training rows"
        train = train.iloc[:max_samples]
    if len(train) < MIN_TRAIN_ROWS:
        raise DataError(
            f"only {len(train)} training row(s) with a positive are left after cleaning and the validation split; "
            f"training needs at least {MIN_TRAIN_ROWS}. Add rows, or give a separate validation split"
        )
    report["duplicates"] = int(train.duplicated(subset=["sentence1", "sentence2"]).sum())
    report["rows_kept"] = {"train": len(train), "validation": len(valid)}
    return Prepared(train.reset_index(drop=True), valid.reset_index(drop=True), report, None, valid_negatives)


def _retrieval_rows(df: pd.DataFrame, recipe: Recipe, mapping: dict, label: str | None, negatives: list[str], what: str):
    """Cleaned (sentence1, sentence2, label, negatives) rows; rows without a query, a text or a label dropped."""
    cleaned, dropped = _clean(df, recipe, mapping, what)
    labels = pd.Series(1, index=cleaned.index)
    if label:
        values = df.loc[cleaned.index, label]
        missing = values.map(lambda v: _text(v) == "")
        if missing.any():
            dropped[f"missing label ('{label}')"] = int(missing.sum())
        cleaned, values = cleaned[~missing], values[~missing]
        labels = binary_labels(values, label, recipe.name)
    rows = cleaned.assign(label=labels.to_numpy())
    rows["negatives"] = [
        [t for t in (_text(df.at[i, c]) for c in negatives) if t] for i in rows.index
    ]  # fmt: skip
    if rows.empty:
        raise DataError(f"every {what} row was dropped while cleaning ({dropped}); check the role mapping")
    return rows.reset_index(drop=True), dropped


def _text(value) -> str:
    """A cell as stripped text; missing values (None, NaN) are empty."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _check_columns(df: pd.DataFrame, columns: list[str | None], what: str) -> None:
    found = ", ".join(f"'{c}'" for c in df.columns)
    for column in columns:
        if column and column not in df.columns:
            raise DataError(f"column '{column}' is not in the {what}. Columns found: {found}")


# ---------------------------------------------------------------------- steps
def _check_mapping(df: pd.DataFrame, recipe: Recipe, mapping: dict, what: str) -> None:
    needed = list(recipe.roles) + (["target"] if recipe.target else [])
    found = ", ".join(f"'{c}'" for c in df.columns)
    for role in needed:
        column = mapping.get(role)
        flag = "--" + ROLE_FIELDS[role].replace("_", "-")
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
        texts = values.map(_text)
        empty = texts == ""
        if empty.any():
            dropped[f"empty {role} ('{column}')"] = int((empty & keep).sum())
        keep &= ~empty
        out[role] = texts
    if recipe.target:
        out["target"] = df[mapping["target"]]
        missing = out["target"].map(lambda v: _text(v) == "")
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
                f"'{frame.loc[index, 'target']}'. Fix that row, or use trainer {trainer_for(2, 'class')} for text labels"
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
            raise DataError(f"every score in column '{column}' is {low}; training on scores needs scores that differ")
        lo, hi = low, high
        info["scaled"] = f"from the observed range {lo}-{hi} to 0-1 (declare score_min/score_max to fix the range)"
    else:
        lo, hi = 0.0, 1.0
        info["scaled"] = "no: scores already lie in 0-1"
    for _, frame in frames:
        frame["target"] = (frame["target"] - lo) / (hi - lo)
    renamed = [f.rename(columns={"target": "score"}) for _, f in frames]
    return renamed[0], (renamed[1] if valid is not None else None), info


def rows_per_label_cap(counts: list[int], batch_size: int) -> int | None:
    """The most rows one label may keep so that batches holding one row per label stay at least half full on
    average: an epoch has as many batches as the largest label has rows, so that label may keep at most C rows,
    the largest C with sum(min(n, C)) >= C × batch / 2 (batch = min(batch_size, labels)). None when no label
    needs capping."""
    batch = min(batch_size, len(counts))

    def fills(cap: int) -> bool:
        return 2 * sum(min(n, cap) for n in counts) >= batch * cap

    if batch < 2 or fills(max(counts)):
        return None
    low, high = 1, max(counts)
    while low < high:  # fills() holds up to the cap and fails beyond it
        mid = (low + high + 1) // 2
        low, high = (mid, high) if fills(mid) else (low, mid - 1)
    return low


def label_pairs(train: pd.DataFrame, seed: int, batch_size: int) -> tuple[pd.DataFrame, dict]:
    """(text, label) rows -> (text, another text of its label, label) rows, for in-batch-negative losses.

    Each text is an anchor once, paired with a random other text of its label (seeded); a label with a
    single training text has no pair and its row is dropped (counted). The batch sampler then keeps one
    row per label in a batch (core.training.batching), so no in-batch negative shares the anchor's label.
    A label with more rows than batches of `batch_size` (one row per label) can spread keeps a seeded sample
    of `rows_per_label_cap` rows; the report says how many rows were left out and why.
    """
    rng = np.random.default_rng(seed)
    groups = [(label, list(group["sentence1"])) for label, group in train.groupby("label", sort=False)]
    alone = sum(1 for _, texts in groups if len(texts) < 2)
    groups = [(label, texts) for label, texts in groups if len(texts) >= 2]
    if not groups:
        raise DataError(
            "no class has two training texts; pairs of one class cannot be made. Add rows, or use a batch-triplet loss"
        )
    cap = rows_per_label_cap([len(texts) for _, texts in groups], batch_size)
    left_out: dict[str, int] = {}
    rows = []
    for label, texts in groups:
        if cap is not None and len(texts) > cap:
            left_out[str(label)] = len(texts) - cap
            texts = [texts[i] for i in sorted(rng.permutation(len(texts))[:cap])]
        for i, text in enumerate(texts):
            other = (i + 1 + int(rng.integers(len(texts) - 1))) % len(texts)
            rows.append((text, texts[other], label))
    paired = pd.DataFrame(rows, columns=["sentence1", "sentence2", "label"])
    paired = paired.iloc[rng.permutation(len(paired))].reset_index(drop=True)
    report = {"rows": len(paired), "classes_with_one_text_dropped": alone, "made": "each text paired with another of its class"}
    if left_out:
        report["rows_left_out"] = sum(left_out.values())
        report["rows_per_class_cap"] = cap
        report["capped_classes"] = left_out
        report["why_capped"] = (
            f"a batch holds one text of each class (in-batch negatives must not share the anchor's class), so an epoch "
            f"has as many batches as the largest class has rows; beyond {cap} rows a class would fill batches of "
            f"{min(batch_size, len(groups))} less than half on average (few in-batch negatives), so each class keeps "
            f"at most {cap} rows (a seeded sample)"
        )
    return paired, report


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
                f"labels (0/1 or words). For similarity scores use trainer {trainer_for(2, 'score')}"
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
        # every class of two or more rows gives at least one row and keeps at least one; scikit-learn's stratified
        # split cannot promise that (it needs as many held-out rows as classes and may leave a rare class out)
        picked = []
        for _, group in train.groupby("label"):
            count = round(len(group) * fraction)
            if len(group) >= 2:
                count = max(1, count)
            picked += list(rng.permutation(group.index.to_numpy())[: min(count, len(group) - 1)])
        how = f"held out {fraction:.0%} of each class's rows, and at least one of every class of two or more (seed {seed})"
        valid_index = pd.Index(picked)
    elif recipe.split_by_query:
        valid_index = train.index[held_out_groups(train["sentence1"], fraction, seed)]
        how = f"held out {fraction:.0%} of the {recipe.role_labels[0]}s, each with all its rows (seed {seed})"
    else:
        valid_index = held_out_rows(train.index, fraction, seed)
        how = f"held out {fraction:.0%} of the training rows (seed {seed})"
    valid = train.loc[valid_index].sort_index()
    rest = train.drop(index=valid_index)
    return rest, valid, {"source": how, "rows": len(valid)}
