"""The recipe's evaluator on the validation split, and how its primary metric is read.

pair and qa: InformationRetrievalEvaluator (each sentence1 a query, every distinct sentence2 the
corpus), ndcg@10. triplet: TripletEvaluator, accuracy. pair_score: EmbeddingSimilarityEvaluator,
Spearman. pair_class: BinaryClassificationEvaluator (average precision) for two classes, else the
accuracy of SoftmaxLoss's classifier. single_class: triplets sampled from validation (anchor from
validation, positive of the same class, negative of another), accuracy. With Matryoshka dims,
one evaluator per dimension; the primary metric is the full dimension's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.recipes import Recipe

__all__ = ["EVAL_NAME", "build_evaluator"]

EVAL_NAME = "valid"


def build_evaluator(
    recipe: Recipe,
    valid: pd.DataFrame,
    train: pd.DataFrame,
    *,
    loss=None,
    num_labels: int = 0,
    batch_size: int = 32,
    matryoshka_dims: list[int] | None = None,
    seed: int = 42,
):
    """A sentence-transformers evaluator for `recipe` on `valid` (columns in recipe order)."""
    from sentence_transformers.sentence_transformer.evaluation import SequentialEvaluator

    dims = sorted(matryoshka_dims, reverse=True) if matryoshka_dims else [None]
    evaluators = []
    for dim in dims:
        name = EVAL_NAME if dim is None else f"{EVAL_NAME}_dim{dim}"
        evaluators.append(_one(recipe, valid, train, name, dim, loss, num_labels, batch_size, seed))
    if len(evaluators) == 1:
        return evaluators[0]
    return SequentialEvaluator(evaluators, main_score_function=lambda scores: scores[0])


def _one(recipe, valid, train, name, dim, loss, num_labels, batch_size, seed):
    from sentence_transformers.sentence_transformer import evaluation as ev

    common = {"name": name, "batch_size": batch_size, "truncate_dim": dim}
    kind = recipe.evaluator
    if kind == "information_retrieval":
        corpus_texts = list(dict.fromkeys(valid["sentence2"]))
        corpus = {f"d{i}": t for i, t in enumerate(corpus_texts)}
        doc_id = {t: f"d{i}" for i, t in enumerate(corpus_texts)}
        query_id: dict[str, str] = {}  # the same question asked twice is one query with two answers
        relevant: dict[str, set[str]] = {}
        for query, answer in zip(valid["sentence1"], valid["sentence2"], strict=True):
            qid = query_id.setdefault(query, f"q{len(query_id)}")
            relevant.setdefault(qid, set()).add(doc_id[answer])
        queries = {qid: query for query, qid in query_id.items()}
        return ev.InformationRetrievalEvaluator(queries, corpus, relevant, show_progress_bar=False, **common)
    if kind == "triplet":
        return ev.TripletEvaluator(list(valid["sentence1"]), list(valid["sentence2"]), list(valid["sentence3"]), **common)
    if kind == "embedding_similarity":
        return ev.EmbeddingSimilarityEvaluator(list(valid["sentence1"]), list(valid["sentence2"]), list(valid["score"]), **common)
    if kind == "binary_classification":
        if num_labels == 2:
            return ev.BinaryClassificationEvaluator(
                list(valid["sentence1"]), list(valid["sentence2"]), list(valid["label"]), **common
            )
        from core.softmax_accuracy import SoftmaxAccuracyEvaluator

        return SoftmaxAccuracyEvaluator(list(valid["sentence1"]), list(valid["sentence2"]), list(valid["label"]), loss, **common)
    if kind == "label_triplets":
        anchors, positives, negatives = _label_triplets(valid, train, seed)
        return ev.TripletEvaluator(anchors, positives, negatives, **common)
    raise ValueError(f"unknown evaluator kind {kind}")


def _label_triplets(valid: pd.DataFrame, train: pd.DataFrame, seed: int) -> tuple[list, list, list]:
    """One (anchor, same-class, other-class) triplet per validation row that can have one."""
    rng = np.random.default_rng(seed)
    pool = pd.concat([valid, train])
    by_label = {label: list(group["sentence1"]) for label, group in pool.groupby("label")}
    anchors, positives, negatives = [], [], []
    for text, label in zip(valid["sentence1"], valid["label"], strict=True):
        same = [t for t in by_label[label] if t != text]
        other = [t for lab, texts in by_label.items() if lab != label for t in texts]
        if same and other:
            anchors.append(text)
            positives.append(same[rng.integers(len(same))])
            negatives.append(other[rng.integers(len(other))])
    return anchors, positives, negatives
