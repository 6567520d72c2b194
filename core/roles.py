"""Suggest which column plays which role, and which trainer type fits a table.

AutoTrain's default column names (`sentence1`, `sentence2`, `sentence3`, `target`) win when
present; then names people commonly use (anchor/positive/negative, question/answer,
premise/hypothesis, score/label); then column types (long texts for sentences, a numeric or
few-valued column for the target). A person can always override the mapping.
"""

from __future__ import annotations

import re

import pandas as pd

from core.recipes import Recipe

__all__ = ["ROLE_KEYS", "suggest_roles", "suggest_trainer", "text_columns"]

# role key in TrainConfig -> recipe role
ROLE_KEYS = {
    "sentence1": "sentence1_column",
    "sentence2": "sentence2_column",
    "sentence3": "sentence3_column",
    "target": "target_column",
}
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


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def text_columns(df: pd.DataFrame) -> list[str]:
    """Columns that hold text (strings in most non-empty cells)."""
    out = []
    for column in df.columns:
        values = df[column].dropna()
        if len(values) and (values.map(lambda v: isinstance(v, str)).mean() >= 0.9):
            out.append(column)
    return out


def _is_identifier(df: pd.DataFrame, column: str) -> bool:
    """An id column (named like one, or whole numbers all different) is never a target."""
    name = _norm(column)
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
    target_named = {c for c in columns if _norm(c) in SYNONYMS["target"] or _norm(c) in SCORE_NAMES}
    texts = [c for c in text_columns(df) if c not in target_named]
    targets = _target_candidates(df, texts)
    targets += [c for c in columns if c in target_named and c not in targets]
    roles = list(recipe.roles) if recipe else ["sentence1", "sentence2", "sentence3"]
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
    by_norm = {_norm(c): c for c in columns}
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


def _complete(mapping: dict, roles: list[str], want_target: bool) -> dict[str, str | None]:
    keys = roles + (["target"] if want_target else [])
    return {k: mapping.get(k) for k in keys}


def suggest_trainer(df: pd.DataFrame) -> str:
    """The trainer type a table most likely fits, from its text and target columns."""
    mapping = suggest_roles(df)
    texts = [mapping.get(r) for r in ("sentence1", "sentence2", "sentence3") if mapping.get(r)]
    target = mapping.get("target")
    if len(texts) >= 3 and not target:
        return "triplet"
    if len(texts) >= 2 and target:
        values = pd.to_numeric(df[target], errors="coerce").dropna()
        is_text_label = not pd.api.types.is_numeric_dtype(df[target])
        # a column named like a score that mostly holds numbers is a score, whole-number ratings (0-5 Likert)
        # and stray words ("high", a repeated header) included: preparing it then names the bad row
        numeric_share = pd.to_numeric(df[target], errors="coerce").notna().mean()
        if _norm(target) in SCORE_NAMES and numeric_share >= 0.8 and values.nunique() > 2:
            return "pair_score"
        if is_text_label or (len(values) and (values % 1 == 0).all() and values.nunique() <= 10):
            return "pair_class"
        return "pair_score"
    if len(texts) >= 3:
        return "triplet"
    if len(texts) == 2:
        names = {_norm(c) for c in texts}
        return "qa" if names & {"question", "query", "q", "answer", "passage", "document"} else "pair"
    if len(texts) == 1 and target:
        return "single_class"
    return "pair"
