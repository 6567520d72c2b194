"""Data recipe: NLI rows (premise, hypothesis, label) into triplets or scored pairs.

NLI corpora (SNLI, MultiNLI, XNLI) label a hypothesis as entailed by, neutral to, or
contradicting its premise. Two tables train an embedding model from them:

- triplets (anchor, positive, negative): the premise, an entailed hypothesis and a contradicting
  one, as sentence-transformers' AllNLI triplets are made. `per_premise="first"` keeps one
  triplet per premise; `"all"` pairs every entailed with every contradicting hypothesis.
- scored pairs (sentence1, sentence2, score): entailment 1.0, neutral 0.5, contradiction 0.0,
  for the pair_score trainer.

Labels may be words (`entailment`, `neutral`, `contradiction`, or their first letters) or the
integers SNLI and MultiNLI use (0, 1, 2); rows without a gold label (`-1`, `-`, empty) are dropped
and counted.
"""

from __future__ import annotations

import pandas as pd

from core.errors import DataError

__all__ = ["NLI_SCORES", "nli_label", "nli_to_scored_pairs", "nli_to_triplets"]

NLI_SCORES = {"entailment": 1.0, "neutral": 0.5, "contradiction": 0.0}
_WORDS = {
    "entailment": "entailment",
    "entails": "entailment",
    "e": "entailment",
    "0": "entailment",
    "neutral": "neutral",
    "n": "neutral",
    "1": "neutral",
    "contradiction": "contradiction",
    "contradicts": "contradiction",
    "c": "contradiction",
    "2": "contradiction",
}


def nli_label(value) -> str | None:
    """`entailment`, `neutral`, `contradiction`, or None for a row without a gold label."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    return _WORDS.get(text)


def _labelled(df: pd.DataFrame, premise: str, hypothesis: str, label: str) -> tuple[pd.DataFrame, dict]:
    missing = [c for c in (premise, hypothesis, label) if c not in df.columns]
    if missing:
        raise DataError(
            f"NLI recipe: column(s) {', '.join(map(repr, missing))} not in the table; columns found: "
            f"{', '.join(map(str, df.columns))}. Pick the premise, hypothesis and label columns"
        )
    out = pd.DataFrame({"premise": df[premise], "hypothesis": df[hypothesis], "nli": df[label].map(nli_label)})
    unknown = df[label][out["nli"].isna()]
    report = {"rows_read": len(df), "dropped_no_gold_label": len(unknown)}
    if len(unknown) == len(df):
        seen = ", ".join(map(repr, pd.unique(df[label].astype(str))[:5]))
        raise DataError(
            f"NLI recipe: column '{label}' holds no NLI labels (saw {seen}); it needs entailment/neutral/contradiction "
            "or 0/1/2 as SNLI and MultiNLI use"
        )
    for column in ("premise", "hypothesis"):
        out[column] = out[column].astype("string").str.strip()
    keep = out["nli"].notna() & out["premise"].fillna("").ne("") & out["hypothesis"].fillna("").ne("")
    report["dropped_empty_text"] = int((out["nli"].notna() & ~keep).sum())
    return out[keep], report


def nli_to_triplets(
    df: pd.DataFrame, premise: str, hypothesis: str, label: str, *, per_premise: str = "all"
) -> tuple[pd.DataFrame, dict]:
    """(anchor, positive, negative) from premises that have an entailed and a contradicting hypothesis.

    Raises:
        DataError: a column is missing, the label column holds no NLI labels, or no premise has both.
    """
    if per_premise not in ("all", "first"):
        raise DataError(f"NLI recipe: per_premise '{per_premise}' must be 'all' or 'first'")
    rows, report = _labelled(df, premise, hypothesis, label)
    triplets = []
    for anchor, group in rows.groupby("premise", sort=False):
        positives = list(group.loc[group["nli"] == "entailment", "hypothesis"])
        negatives = list(group.loc[group["nli"] == "contradiction", "hypothesis"])
        if per_premise == "first":
            positives, negatives = positives[:1], negatives[:1]
        triplets += [(anchor, p, n) for p in positives for n in negatives]
    if not triplets:
        raise DataError(
            "NLI recipe: no premise has both an entailed and a contradicting hypothesis, so no triplet can be made; "
            "make scored pairs instead"
        )
    out = pd.DataFrame(triplets, columns=["anchor", "positive", "negative"])
    report |= {"premises": int(rows["premise"].nunique()), "rows_made": len(out), "made": "triplets"}
    return out, report


def nli_to_scored_pairs(df: pd.DataFrame, premise: str, hypothesis: str, label: str) -> tuple[pd.DataFrame, dict]:
    """(sentence1, sentence2, score): entailment 1.0, neutral 0.5, contradiction 0.0."""
    rows, report = _labelled(df, premise, hypothesis, label)
    out = pd.DataFrame(
        {
            "sentence1": rows["premise"].astype(str),
            "sentence2": rows["hypothesis"].astype(str),
            "score": rows["nli"].map(NLI_SCORES),
        }
    ).reset_index(drop=True)
    report |= {"rows_made": len(out), "made": "scored pairs", "scores": dict(NLI_SCORES)}
    return out, report
