"""Retrieval data with hard negatives: pair and qa tables that say which texts do *not* match.

Two shapes of table carry negatives, and both train as retrieval (sentence-transformers' MNRL takes
`(anchor, positive, negative_1, ..., negative_k)`):

- a 0/1 label column with queries repeated over rows (WikiQA: question, candidate sentence,
  label; click logs look the same): label-1 rows are a query's positives, the label-0 rows of the
  same query its hard negatives;
- negative columns beside the anchor and positive (`sentence3_column`, `negative_columns`).

Every query keeps all its negatives for evaluation; each training row takes `num_negatives` of
them (rotating, so a query with several positives uses more of its negatives). A query with fewer
repeats its own; a query with none gets random documents of other queries, counted in the report.
The validation split is held out by query, so no query is in both.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.data.holdout import held_out_groups
from core.errors import DataError
from core.recipes import is_negative_column, negative_column, trainer_for

__all__ = [
    "BINARY_WORDS",
    "binary_key",
    "binary_labels",
    "build_retrieval",
    "documents",
    "is_binary",
    "mine_negatives",
    "negative_columns",
]

# label values read as 1 (positive) and 0 (negative)
BINARY_WORDS = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0, "positive": 1, "negative": 0}


def negative_columns(frame: pd.DataFrame) -> list[str]:
    """The hard-negative columns of a prepared retrieval table (negative_1, negative_2, ...)."""
    return [c for c in frame.columns if is_negative_column(c)]


def documents(frame: pd.DataFrame) -> list[str]:
    """Every distinct document of prepared retrieval rows (positives, then negatives), in order."""
    return list(dict.fromkeys(t for c in ["sentence2", *negative_columns(frame)] for t in frame[c]))


def binary_key(value) -> str:
    """A label value as BINARY_WORDS spells it (1, 1.0 and True are "1"; words lower-cased)."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, float, np.integer, np.floating)) and not math.isnan(float(value)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip().lower()


def is_binary(values: pd.Series) -> bool:
    """True when a column holds exactly two 0/1-like values (1/0, true/false, yes/no)."""
    keys = {binary_key(v) for v in values.dropna()}
    return len(keys) == 2 and keys <= set(BINARY_WORDS)


def binary_labels(values: pd.Series, column: str, trainer: str) -> pd.Series:
    """The label column as 0/1; a DataError names the values found when they are not 0/1-like."""
    keys = values.map(binary_key)
    bad = sorted(set(keys) - set(BINARY_WORDS))
    if bad:
        found = sorted(set(keys))
        raise DataError(
            f"label column '{column}' on trainer '{trainer}' must mark positives and hard negatives with 1/0 "
            f"(or true/false, yes/no), but it holds {', '.join(found[:10])}{' …' if len(found) > 10 else ''}. "
            f"For other classes use trainer {trainer_for(2, 'class')} (two texts and a class) or {trainer_for(1, 'class')} "
            "(one text and a class), "
            f"or unmap the label column to train on the pairs alone"
        )
    return keys.map(BINARY_WORDS).astype(int)


def build_retrieval(
    rows: pd.DataFrame,
    *,
    num_negatives: int,
    validation_fraction: float,
    seed: int,
    hold_out: bool,
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, list[str]], dict]:
    """Training (and held-out validation) rows with negative columns, from cleaned rows.

    Args:
        rows: columns `sentence1`, `sentence2`, `label` (0/1) and `negatives` (a list of texts per row).
        hold_out: hold out `validation_fraction` of the queries (False: `rows` is the training data only).

    Returns:
        (train, valid or None, every negative of each query held out (of every query when not holding
        out), report). train and valid have columns sentence1, sentence2, negative_1..negative_k
        (k = 0 when no query has a negative).
    """
    negatives_of: dict[str, list[str]] = {}
    for query, label, answer, listed in zip(rows["sentence1"], rows["label"], rows["sentence2"], rows["negatives"], strict=True):
        found = negatives_of.setdefault(query, [])
        found.extend(t for t in ([answer] if label == 0 else []) + list(listed) if t not in found)
    positives = rows[rows["label"] == 1][["sentence1", "sentence2"]].drop_duplicates()
    answered = set(positives["sentence1"])
    unanswered = [q for q in negatives_of if q not in answered]
    positives_of = positives.groupby("sentence1")["sentence2"].agg(set).to_dict()
    for query, texts in negatives_of.items():  # a text that is some row's positive for this query is no negative of it
        mine = positives_of.get(query, set())
        negatives_of[query] = [t for t in texts if t not in mine]
    if positives.empty:
        raise DataError(
            f"no row is marked as a positive (label 1): every one of the {len(negatives_of)} queries has negatives only. "
            "Mark the rows whose text matches the query with 1"
        )
    report = {
        "queries": len(answered),
        "queries_without_positive_dropped": len(unanswered),
        "rows_with_negatives_only_dropped": int(rows["sentence1"].isin(unanswered).sum()),
    }
    valid_negatives = {q: negatives_of[q] for q in sorted(answered)}  # not held out: the caller's validation rows
    train_pos, valid_pos = positives, None
    if hold_out:
        queries = sorted(answered)
        count = max(1, round(len(queries) * validation_fraction))
        if len(queries) - count < 1:
            raise DataError(
                f"only {len(queries)} query(ies) with a positive; holding out a validation split by query needs at least 2. "
                "Add rows, or give a separate validation split"
            )
        held = held_out_groups(positives["sentence1"], validation_fraction, seed)
        chosen = set(positives["sentence1"][held])
        train_pos, valid_pos = positives[~held], positives[held]
        valid_negatives = {q: negatives_of[q] for q in sorted(chosen)}
        report["validation"] = f"held out {validation_fraction:.0%} of the queries with all their rows (seed {seed})"
    counts = [len(negatives_of[q]) for q in answered]
    k = min(num_negatives, max(counts)) if counts else 0
    report["negatives_per_query"] = _histogram(counts)
    report["negatives_per_row"] = k
    train, filled = _rows_with_negatives(train_pos, negatives_of, k, seed)
    report["rows_filled_with_random_negatives"] = filled
    valid = _rows_with_negatives(valid_pos, negatives_of, k, seed)[0] if valid_pos is not None else None
    return train, valid, valid_negatives, report


def _rows_with_negatives(positives: pd.DataFrame, negatives_of: dict[str, list[str]], k: int, seed: int):
    """(query, positive, negative_1..k) rows; a query's negatives rotate over its rows."""
    rng = np.random.default_rng(seed)
    every = [t for texts in negatives_of.values() for t in texts] or list(positives["sentence2"])
    one_text_only = len(set(every)) <= 1  # then a query's own positive is the only filler there is
    out, filled, seen = [], 0, {}
    for query, answer in zip(positives["sentence1"], positives["sentence2"], strict=True):
        own = negatives_of.get(query, [])
        j = seen.get(query, 0)
        seen[query] = j + 1
        if own:
            picked = [own[(j * k + i) % len(own)] for i in range(k)]
        else:
            picked = []
            while len(picked) < k:  # a random document of another query (an ordinary in-batch-like negative)
                text = every[int(rng.integers(len(every)))]
                if text != answer or one_text_only:
                    picked.append(text)
            filled += k > 0
        out.append([query, answer, *picked])
    columns = ["sentence1", "sentence2"] + [negative_column(i + 1) for i in range(k)]
    return pd.DataFrame(out, columns=columns), filled


def _histogram(counts: list[int]) -> dict[str, int]:
    """{"0": queries with no negative, "1": ..., "10+": ...}."""
    out: dict[str, int] = {}
    for n in sorted(counts):
        key = str(n) if n < 10 else "10+"
        out[key] = out.get(key, 0) + 1
    return out


def mine_negatives(
    train: pd.DataFrame,
    model,
    *,
    num_negatives: int,
    margin: float,
    seed: int,
    batch_size: int = 32,
    query_prompt: str | None = None,
    document_prompt: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """(query, positive) training rows -> rows with `num_negatives` negatives mined by `model` (the base model).

    sentence-transformers' `mine_hard_negatives` ranks every training document for each query and keeps
    the closest that are not its positives and score at least `margin` (relative) below the positive,
    which keeps unlabelled positives out. A query it finds none for gets random documents.
    With too few documents to mine from, the rows are returned unchanged and the report says so.
    Queries are encoded with `query_prompt`, documents with `document_prompt` (the run's; None: the model's own).
    """
    from core.data.mining import mine

    documents = train["sentence2"].nunique()
    if documents < num_negatives + 2:
        return train, {
            "mined": False,
            "why": f"only {documents} distinct documents to mine {num_negatives} negative(s) per query from; "
            "trained on the pairs with in-batch negatives",
        }
    pairs = train[["sentence1", "sentence2"]].reset_index(drop=True)
    mined = mine(
        pairs,
        model,
        num_negatives=num_negatives,
        output_format="labeled-list",
        margin=margin,
        range_max=max(50, 4 * num_negatives),
        batch_size=batch_size,
        query_prompt=query_prompt,
        document_prompt=document_prompt,
    )
    negatives_of: dict[str, list[str]] = {}
    for query, texts, labels in zip(mined["sentence1"], mined["sentence2"], mined["labels"], strict=True):
        found = negatives_of.setdefault(query, [])
        found.extend(t for t, label in zip(texts, labels, strict=True) if label == 0 and t not in found)
    rows, filled = _rows_with_negatives(pairs, negatives_of, num_negatives, seed)
    report = {
        "mined": True,
        "negatives_per_row": num_negatives,
        "relative_margin": margin,
        "queries": int(pairs["sentence1"].nunique()),
        "queries_with_mined_negatives": sum(1 for texts in negatives_of.values() if texts),
        "rows_filled_with_random_negatives": filled,
    }
    return rows, report
