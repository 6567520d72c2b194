"""Suggest which column plays which role, and which trainer type fits a table.

AutoTrain's default column names (`sentence1`, `sentence2`, `sentence3`, `target`) win when
present; then names people commonly use (anchor/positive/negative, question/answer,
premise/hypothesis, score/label); then column types (long texts for sentences, a numeric or
few-valued column for the target). A person can always override the mapping.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from core.data.negatives import is_binary
from core.recipes import RECIPES, TEXT_ROLES, Recipe, suggest_trainer_for

__all__ = [
    "is_label_column",
    "negative_named",
    "norm_name",
    "repeated_queries",
    "suggest_roles",
    "suggest_trainer",
    "suggestion_reason",
    "text_columns",
]

SYNONYMS = {
    "sentence1": ("sentence1", "anchor", "query", "question", "premise", "text1", "sentencea", "s1", "sentence", "text", "q"),
    "sentence2": (
        "sentence2",
        "positive",
        "pos",
        "answer",
        "hypothesis",
        "text2",
        "sentenceb",
        "s2",
        "document",
        "passage",
        "candidate",
        "response",
    ),
    "sentence3": ("sentence3", "negative", "neg", "hardnegative", "text3", "s3"),
    "target": (
        "target",
        "score",
        "label",
        "similarity",
        "relatedness",
        "quality",
        "class",
        "goldlabel",
        "isduplicate",
        "category",
    ),
}


SCORE_NAMES = {"score", "similarity", "relatedness", "simscore", "similarityscore", "rating"}
NEGATIVE_PREFIXES = ("negative", "neg", "hardnegative")
MIN_QUERIES = 5  # fewer distinct queries is no retrieval task (a table repeating two texts, say)
ROWS_PER_QUERY = 3  # a query with this many candidate rows on average: ranked candidates, not independent pairs


def norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def text_columns(df: pd.DataFrame) -> list[str]:
    """Columns that hold text (strings in most non-empty cells)."""
    out = []
    for column in df.columns:
        values = df[column].dropna()
        if len(values) and (values.map(lambda v: isinstance(v, str)).mean() >= 0.9):
            out.append(column)
    return out


def negative_named(columns) -> list:
    """The columns named like hard negatives (negative, neg_2, hard_negative, ...), in their order."""
    return [c for c in columns if norm_name(c).startswith(NEGATIVE_PREFIXES)]


def is_label_column(values: pd.Series) -> bool:
    """A column of class names, not texts: a few distinct values (three or more), each repeated, each a word
    or two (intents like `card_arrival`, topics like `billing`). Banking77's 77 intents over 10,003 rows are one;
    two values are left to the names (`label`, `class`, ...) and to the 0/1 checks."""
    values = values.dropna()
    if len(values) < 4 or not values.map(lambda v: isinstance(v, str)).all():
        return False
    counts = values.value_counts()
    words = values.astype(str).str.split().str.len().mean()
    return 3 <= len(counts) <= len(values) // 5 and counts.median() >= 3 and words <= 2


def repeated_queries(df: pd.DataFrame, column: str | None) -> bool:
    """True when each query of `column` comes with several candidate rows on average (WikiQA: 9.6; MRPC's
    independent pairs: 1.0; a duplicate-question table that reuses some questions: under 2)."""
    if not column or column not in df.columns:
        return False
    queries = df[column].nunique()
    return queries >= MIN_QUERIES and len(df) / queries >= ROWS_PER_QUERY


def _is_identifier(df: pd.DataFrame, column: str) -> bool:
    """An id column (named like one, or whole numbers all different) is never a target."""
    name = norm_name(column)
    if name == "id" or (name.endswith("id") and len(name) <= 6):
        return True
    values = df[column].dropna()
    return len(values) > 2 and values.nunique() == len(values) and bool((values % 1 == 0).all())


def _target_candidates(df: pd.DataFrame, texts: list[str]) -> list[str]:
    numeric = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) and not _is_identifier(df, c)
    ]
    few_valued = [c for c in texts if 1 < df[c].nunique(dropna=True) <= max(2, min(50, len(df) // 10))]
    return numeric + few_valued


def suggest_roles(df: pd.DataFrame, recipe: Recipe | None = None) -> dict[str, str | None]:
    """A role -> column mapping for `recipe` (or for the widest trainer the table fits)."""
    columns = list(df.columns)
    # a column named like a score or a label is the target even when it holds words or stray values
    # ("high", "inf", a repeated header): it never plays a text role
    target_named = {c for c in columns if norm_name(c) in SYNONYMS["target"] or norm_name(c) in SCORE_NAMES}
    target_named |= {c for c in text_columns(df) if is_label_column(df[c])}  # class names, not texts
    texts = [c for c in text_columns(df) if c not in target_named]
    targets = _target_candidates(df, texts)
    targets += [c for c in columns if c in target_named and c not in targets]
    if recipe is not None and recipe.negatives:
        return _retrieval_roles(df, recipe, texts, targets)
    roles = list(recipe.roles) if recipe else list(TEXT_ROLES)
    want_target = recipe is None or recipe.target is not None
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    # AutoTrain's default column names are the role names themselves, plus `target`
    target_needed = recipe is not None and recipe.target is not None
    if all(r in columns for r in roles) and (not target_needed or "target" in columns):
        mapping = {r: r for r in roles}
        if want_target and "target" in columns:
            mapping["target"] = "target"
        return _complete(mapping, roles, want_target)
    by_norm = {norm_name(c): c for c in columns}
    for role in roles + (["target"] if want_target else []):
        for synonym in SYNONYMS[role]:
            column = by_norm.get(synonym)
            pool = targets if role == "target" else texts
            if column and column not in used and column in pool:
                mapping[role] = column
                used.add(column)
                break
    if want_target and "target" not in mapping:
        free = [c for c in targets if c not in used]
        if free:
            # scores: the numeric column with the most distinct values; classes: the one with the fewest
            if recipe and recipe.target == "score":
                numeric = [c for c in free if pd.api.types.is_numeric_dtype(df[c])] or free
                mapping["target"] = max(numeric, key=lambda c: df[c].nunique())
            else:
                mapping["target"] = min(free, key=lambda c: df[c].nunique())
            used.add(mapping["target"])
    for role in roles:
        if role not in mapping:
            free = [c for c in texts if c not in used]
            if free:
                mapping[role] = free[0]
                used.add(free[0])
    return _complete(mapping, roles, want_target)


def _retrieval_roles(df: pd.DataFrame, recipe: Recipe, texts: list[str], targets: list[str]) -> dict[str, str | None]:
    """Retrieval trainer types: query and positive, plus a negative column and a 0/1 label when the table has them."""
    negatives = negative_named(texts)
    plain_recipe = dataclasses.replace(recipe, negatives=False)  # query and positive, no optional roles
    plain = suggest_roles(df[[c for c in df.columns if c not in negatives]], plain_recipe)
    labels = [c for c in targets if is_binary(df[c]) and c not in plain.values()]
    return {
        "sentence1": plain["sentence1"],
        "sentence2": plain["sentence2"],
        "sentence3": negatives[0] if negatives else None,
        "target": labels[0] if labels else None,
    }


def _complete(mapping: dict, roles: list[str], want_target: bool) -> dict[str, str | None]:
    keys = roles + (["target"] if want_target else [])
    return {k: mapping.get(k) for k in keys}


def suggest_trainer(df: pd.DataFrame) -> str:
    """The trainer type a table most likely fits: the table's shape (text columns, what its target holds,
    whether the second text is a passage) looked up in the trainer-type table (Recipe.fits)."""
    mapping = suggest_roles(df)
    texts = [mapping.get(r) for r in TEXT_ROLES if mapping.get(r)]
    target = mapping.get("target")
    return suggest_trainer_for(len(texts), _target_kind(df, texts, target), _long_documents(df, texts)).name


def _target_kind(df: pd.DataFrame, texts: list[str], target: str | None) -> str | None:
    """What the target column holds (core.recipes.Fit): None, "relevance", "score" or "class"."""
    if not target:
        return None
    if len(texts) >= 2 and is_binary(df[target]) and repeated_queries(df, texts[0]):
        return "relevance"  # query, candidate, 0/1: hard negatives, not a classification of pairs
    if len(texts) < 2:
        return "class"  # one text beside a target: the target names its class
    values = pd.to_numeric(df[target], errors="coerce").dropna()
    is_text_label = not pd.api.types.is_numeric_dtype(df[target])
    # a column named like a score that mostly holds numbers is a score, whole-number ratings (0-5 Likert)
    # and stray words ("high", a repeated header) included: preparing it then names the bad row
    numeric_share = pd.to_numeric(df[target], errors="coerce").notna().mean()
    if norm_name(target) in SCORE_NAMES and numeric_share >= 0.8 and values.nunique() > 2:
        return "score"
    if is_text_label or (len(values) and (values % 1 == 0).all() and values.nunique() <= 10):
        return "class"
    return "score"


def _long_documents(df: pd.DataFrame, texts: list[str]) -> bool:
    """True when the second text is a passage answering the first: the columns are named like questions and
    answers, or the second text is clearly the longer."""
    if len(texts) < 2:
        return False
    names = {norm_name(c) for c in texts[:2]}
    if names & {"question", "query", "q", "answer", "passage", "document"}:
        return True
    lengths = [df[c].astype(str).str.len().mean() for c in texts[:2]]
    return bool(lengths[1] > 1.5 * lengths[0])


def suggestion_reason(df: pd.DataFrame, trainer: str, mapping: dict[str, str | None]) -> str:
    """One sentence on why a table reads as `trainer`, where the reading is not obvious from the columns."""
    target = mapping.get("target")
    if target and target in df.columns and is_label_column(df[target]):
        counts = df[target].value_counts()
        return (
            f"column '{target}' looks like a label, not a text ({len(counts)} values, each repeated, e.g. "
            f"'{counts.index[0]}'): texts of one label are pulled together ({trainer})"
        )
    if RECIPES[trainer].negatives and target and mapping.get("sentence1"):
        queries = df[mapping["sentence1"]].nunique()
        return (
            f"queries in '{mapping['sentence1']}' repeat over rows ({queries:,} queries, {len(df):,} rows) with a 0/1 "
            f"label in '{target}': label-1 rows are positives and the label-0 rows of the same query its hard negatives "
            f"(retrieval, not a classification of pairs)"
        )
    return ""
