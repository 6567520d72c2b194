"""The recipe's evaluator on the validation split, and how its primary metric is read.

`Recipe.evaluator` names one of the builders below (EVALUATORS). Every evaluator must tell a
better model from a worse one on the person's task:

- information_retrieval (retrieval trainer types): InformationRetrievalEvaluator, ndcg@10. Each
  sentence1 is a query; its sentence2 texts are relevant. The corpus holds more than the validation positives, or any model finds
  them: the validation queries' own negatives (label-0 rows, negative columns, mined ones) and up
  to MAX_DISTRACTORS documents from the training rows (their positives and negatives). A model that
  confuses an answer with its near misses, or forgets what the base model knew, drops here.
- triplet_accuracy: TripletEvaluator, accuracy (is the positive closer than its own negative?). Near 1.0 for a
  good base model it has little room (the run then says so before training); a ranked alternative
  (ndcg@10 over all validation texts) was tried on SNLI and fell while held-out accuracy rose.
- embedding_similarity (scored pairs): EmbeddingSimilarityEvaluator, Spearman.
- binary_classification (labelled pairs): BinaryClassificationEvaluator (average precision) for two
  classes, else the accuracy of a logistic-regression probe fitted on the embeddings of training pairs at each
  evaluation (core.training.pair_probe): SoftmaxLoss's own classifier starts at chance and is never saved.
- label_neighbours (labelled single texts): are a validation text's nearest training texts of its label? ndcg@10 of same-label
  neighbours and 5-NN accuracy (core.training.label_neighbours); random easy triplets, the old measure,
  rose while a model got worse at this.
- reranking (a CrossEncoder): ndcg@10 of the reranked candidates a search model found for each validation query,
  its baseline the search model's own order (core.training.rerank).

With Matryoshka dims, one evaluator per dimension; the primary metric is the full dimension's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.negatives import documents, negative_columns
from core.recipes import Recipe

__all__ = ["EVALUATORS", "EVAL_NAME", "MAX_DISTRACTORS", "build_evaluator", "distractors", "negative_columns"]

EVAL_NAME = "valid"
MAX_DISTRACTORS = 2000  # training documents added to a retrieval corpus (a seeded sample beyond that)


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
    valid_negatives: dict[str, list[str]] | None = None,
    retriever=None,
):
    """A sentence-transformers evaluator for `recipe` on `valid` (columns in recipe order).

    Args:
        valid_negatives: for retrieval, every known negative of each validation query (query -> texts);
            None: the negative columns of `valid`.
        retriever: for a reranker, the search model that finds each validation query's candidates.
    """
    from sentence_transformers.sentence_transformer.evaluation import SequentialEvaluator

    dims = sorted(matryoshka_dims, reverse=True) if matryoshka_dims else [None]
    evaluators = []
    for dim in dims:
        name = EVAL_NAME if dim is None else f"{EVAL_NAME}_dim{dim}"
        task = _Task(valid, train, loss, num_labels, seed, valid_negatives, retriever)
        evaluators.append(EVALUATORS[recipe.evaluator](task, name=name, batch_size=batch_size, truncate_dim=dim))
    if len(evaluators) == 1:
        return evaluators[0]
    return SequentialEvaluator(evaluators, main_score_function=lambda scores: scores[0])


@dataclass(frozen=True)
class _Task:
    """What an evaluator builder may read: the prepared splits and what training knows about them."""

    valid: pd.DataFrame
    train: pd.DataFrame
    loss: object
    num_labels: int
    seed: int
    valid_negatives: dict[str, list[str]] | None
    retriever: object = None


def _information_retrieval(task: _Task, **common):
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    queries, corpus, relevant = retrieval_task(task.valid, task.train, task.valid_negatives, task.seed)
    return InformationRetrievalEvaluator(queries, corpus, relevant, show_progress_bar=False, **common)


def _triplet_accuracy(task: _Task, **common):
    from sentence_transformers.sentence_transformer.evaluation import TripletEvaluator

    v = task.valid
    return TripletEvaluator(list(v["sentence1"]), list(v["sentence2"]), list(v["sentence3"]), **common)


def _embedding_similarity(task: _Task, **common):
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    v = task.valid
    return EmbeddingSimilarityEvaluator(list(v["sentence1"]), list(v["sentence2"]), list(v["score"]), **common)


def _binary_classification(task: _Task, **common):
    """Average precision for two classes; more classes: a probe fitted on the embeddings (core.training.pair_probe)."""
    v = task.valid
    if task.num_labels == 2:
        from sentence_transformers.sentence_transformer.evaluation import BinaryClassificationEvaluator

        return BinaryClassificationEvaluator(list(v["sentence1"]), list(v["sentence2"]), list(v["label"]), **common)
    from core.training.pair_probe import PairProbeEvaluator

    t = task.train
    fit = (list(t["sentence1"]), list(t["sentence2"]), list(t["label"]))
    return PairProbeEvaluator(list(v["sentence1"]), list(v["sentence2"]), list(v["label"]), fit, seed=task.seed, **common)


def _label_neighbours(task: _Task, **common):
    from core.training.label_neighbours import LabelNeighboursEvaluator

    v, t = task.valid, task.train
    return LabelNeighboursEvaluator(
        list(v["sentence1"]), list(v["label"]), list(t["sentence1"]), list(t["label"]), seed=task.seed, **common
    )


def _reranking(task: _Task, *, name: str, batch_size: int, truncate_dim=None):
    from core.training import rerank

    return rerank.build_evaluator(
        task.valid, task.train, task.valid_negatives, task.retriever, name=name, batch_size=batch_size, seed=task.seed
    )


# Recipe.evaluator -> builder; tests/test_recipes.py checks it covers core.recipes.EVALUATOR_KINDS.
EVALUATORS = {
    "information_retrieval": _information_retrieval,
    "triplet_accuracy": _triplet_accuracy,
    "embedding_similarity": _embedding_similarity,
    "binary_classification": _binary_classification,
    "label_neighbours": _label_neighbours,
    "reranking": _reranking,
}


def distractors(pool: list[str], own: list[str], seed: int) -> list[str]:
    """The texts of `pool` that are not in `own`, each once, in order; a seeded sample of MAX_DISTRACTORS beyond that
    (the training documents a validation corpus adds to its own)."""
    own_texts = set(own)
    pool = [t for t in dict.fromkeys(pool) if t not in own_texts]
    if len(pool) > MAX_DISTRACTORS:
        keep = np.sort(np.random.default_rng(seed).permutation(len(pool))[:MAX_DISTRACTORS])
        pool = [pool[i] for i in keep]
    return pool


def retrieval_task(
    valid: pd.DataFrame, train: pd.DataFrame, valid_negatives: dict[str, list[str]] | None = None, seed: int = 42
) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """Queries, corpus and relevant documents for the retrieval evaluator (see the module docstring).

    The corpus: every validation positive, every negative of a validation query, then distractors
    from the training documents (positives and negatives) up to MAX_DISTRACTORS. A text that is
    relevant to a query is never also counted as a distractor (the corpus is deduplicated by text).
    """
    if valid_negatives is None:
        valid_negatives = {}
        for column in negative_columns(valid):
            for query, text in zip(valid["sentence1"], valid[column], strict=True):
                valid_negatives.setdefault(query, []).append(text)
    own = list(valid["sentence2"]) + [t for texts in valid_negatives.values() for t in texts]
    corpus_texts = list(dict.fromkeys(own + distractors(documents(train), own, seed)))
    corpus = {f"d{i}": t for i, t in enumerate(corpus_texts)}
    doc_id = {t: f"d{i}" for i, t in enumerate(corpus_texts)}
    query_id: dict[str, str] = {}  # the same question asked twice is one query with two answers
    relevant: dict[str, set[str]] = {}
    for query, answer in zip(valid["sentence1"], valid["sentence2"], strict=True):
        qid = query_id.setdefault(query, f"q{len(query_id)}")
        relevant.setdefault(qid, set()).add(doc_id[answer])
    queries = {qid: query for query, qid in query_id.items()}
    return queries, corpus, relevant
