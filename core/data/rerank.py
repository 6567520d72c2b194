"""A reranker's data: (query, document, label) pairs to train on, and each validation query's judged documents.

A rerank table comes in three shapes, prepared by core.data.prepare as retrieval data is:

- (query, document, 0/1 label), queries repeated (WikiQA, click logs): label-1 documents are a query's
  positives, label-0 ones its negatives;
- (query, positive[, negatives...]): given negatives, or negatives mined with the search model before
  training (core.training.rerank);
- (query, document, score): a graded relevance, scaled to 0-1 (as pair_score's scores), which the reranker
  learns as its target; a document scoring at least RELEVANT counts as relevant when ranking is measured.

Training reads labelled pairs (binary cross-entropy on one logit): a row's positive with label 1 and each of
its negatives with label 0, or the graded pair with its score.
"""

from __future__ import annotations

import pandas as pd

from core.data.negatives import negative_columns

__all__ = ["RELEVANT", "Judged", "judged", "labelled_pairs", "needs_mining"]

RELEVANT = 0.5  # a graded document scoring this or more (after scaling to 0-1) is relevant to its query
SCORE = "score"  # the prepared column of a graded table (core.data.prepare scales it)


def needs_mining(train: pd.DataFrame) -> bool:
    """(query, positive) rows only: no negatives and no graded score to learn from, so they are mined."""
    return SCORE not in train.columns and not negative_columns(train)


def labelled_pairs(train: pd.DataFrame) -> pd.DataFrame:
    """(sentence1, sentence2, label) rows for a CrossEncoder loss: the graded score as the label, or each row's
    positive (1.0) and each of its negatives (0.0); a (query, document) pair appears once, a positive winning."""
    if SCORE in train.columns:
        out = train[["sentence1", "sentence2", SCORE]].rename(columns={SCORE: "label"})
        return out.astype({"label": float}).reset_index(drop=True)
    rows = [(q, d, 1.0) for q, d in zip(train["sentence1"], train["sentence2"], strict=True)]
    for column in negative_columns(train):
        rows += [(q, d, 0.0) for q, d in zip(train["sentence1"], train[column], strict=True)]
    out = pd.DataFrame(rows, columns=["sentence1", "sentence2", "label"])
    return out.drop_duplicates(subset=["sentence1", "sentence2"], keep="first").reset_index(drop=True)


class Judged(dict):
    """query -> (relevant documents, documents judged not relevant), each list in table order."""


def judged(valid: pd.DataFrame, valid_negatives: dict[str, list[str]] | None = None) -> Judged:
    """Each validation query's relevant documents and its known negatives (label-0 rows, negative columns, a graded
    score below RELEVANT); a query with no relevant document is left out (there is nothing to rank first)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    graded = SCORE in valid.columns
    for i, (query, document) in enumerate(zip(valid["sentence1"], valid["sentence2"], strict=True)):
        relevant, other = out.setdefault(query, ([], []))
        good = not graded or float(valid[SCORE].iloc[i]) >= RELEVANT
        target = relevant if good else other
        if document not in target:
            target.append(document)
        for column in negative_columns(valid):
            if valid[column].iloc[i] not in other:
                other.append(valid[column].iloc[i])
    for query, texts in (valid_negatives or {}).items():
        if query in out:
            out[query][1].extend(t for t in texts if t not in out[query][1])
    return Judged(
        {q: (rel, [t for t in neg if t not in rel]) for q, (rel, neg) in out.items() if rel}
    )  # fmt: skip
