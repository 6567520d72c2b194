"""A reranker run's own steps (Recipe.cross_encoder): its search model, mined negatives, the labelled pairs it
trains on, and its evaluator, which measures reranking the way it is used.

The search model (the retriever, a bi-encoder: TrainConfig.retriever, else the base model when it embeds, else
the default model) mines negatives for (query, positive) rows and hands each validation query its top
CANDIDATES documents. The evaluator reranks those candidates plus the query's own judged documents; its baseline
is the search model's own ranking of the same lists, so a reranker that does not beat retrieval alone is
reported like any run that does not beat its base (it would only add latency).
"""

from __future__ import annotations

import numpy as np
from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator

from core.catalog import DEFAULT_MODEL
from core.config import TrainConfig
from core.data.negatives import documents
from core.data.rerank import RELEVANT, SCORE, Judged, judged, labelled_pairs
from core.inference.models import load_model
from core.inference.rerankers import is_cross_encoder, load_cross_encoder
from core.inference.search import encode
from core.prompts import DOCUMENT, QUERY
from core.runs.state import RunState

__all__ = [
    "CANDIDATES",
    "RerankEvaluator",
    "build_evaluator",
    "candidates",
    "load_reranker",
    "load_retriever",
    "positive_weight",
    "prepare_pairs",
    "retriever_ref",
]

CANDIDATES = 20  # documents the search model hands the reranker per validation query (the bench's k)


def retriever_ref(config: TrainConfig) -> str:
    """The search model of a reranker run (see the module docstring)."""
    if config.retriever:
        return config.retriever
    return DEFAULT_MODEL if is_cross_encoder(config.model) else config.model


def load_reranker(config: TrainConfig):
    return load_cross_encoder(config.model, max_length=config.max_seq_length, trust_remote_code=config.trust_remote_code)


def load_retriever(config: TrainConfig):
    return load_model(retriever_ref(config), max_seq_length=config.max_seq_length)


def prepare_pairs(config: TrainConfig, data, retriever, state: RunState) -> dict | None:
    """Turn `data.prepared.train` into (query, document, label) pairs: the table's own (given negatives, graded
    scores) and, for each relevant pair, `num_negatives` negatives the search model mines among the other queries'
    documents (each at least the mining margin below the query's own), as sentence-transformers' reranker recipe
    does: in use the reranker reads the search model's top candidates, most of them other queries' documents, so
    it learns on those too. Returns the mining report (None: a graded table, not mined)."""
    import pandas as pd

    from core.data.negatives import mine_negatives

    prepared, report = data.prepared, None
    given = labelled_pairs(prepared.train)
    if SCORE not in prepared.train.columns:
        state.note(f"mining {config.num_negatives} negative(s) per query with the search model {retriever_ref(config)}")
        positives = prepared.train[["sentence1", "sentence2"]]
        mined, report = mine_negatives(
            positives, retriever, num_negatives=config.num_negatives, margin=config.mining_margin, seed=config.seed
        )
        if report["mined"]:
            given = pd.concat([given, labelled_pairs(mined)]).drop_duplicates(subset=["sentence1", "sentence2"], keep="first")
        else:
            state.note(f"mining: {report['why']}")
    prepared.train = given.reset_index(drop=True)
    positives = int((prepared.train["label"] >= RELEVANT).sum())
    state.note(f"reranker pairs: {len(prepared.train)} ({positives} relevant, {len(prepared.train) - positives} not)")
    return report


def positive_weight(pairs) -> float | None:
    """The weight of a relevant pair in binary cross-entropy: the negatives per relevant pair (sentence-transformers'
    reranker recipe), so both kinds weigh alike; None when the pairs are all of one kind."""
    relevant = int((pairs["label"] >= RELEVANT).sum())
    return round(len(pairs) / relevant - 1, 3) if 0 < relevant < len(pairs) else None


def candidates(retriever, judged_docs: Judged, pool: list[str], *, k: int = CANDIDATES, seed: int = 42, batch_size: int = 64):
    """CrossEncoderRerankingEvaluator samples: each validation query, its relevant documents, and `documents`:
    its judged documents and the search model's top `k` of the corpus (judged documents and the distractors of
    `pool`, as the retrieval evaluator's corpus has them), in the search model's order."""
    from core.training.evaluation import distractors

    own = [t for rel, neg in judged_docs.values() for t in rel + neg]
    corpus = list(dict.fromkeys(own + distractors(pool, own, seed)))
    queries = list(judged_docs)
    scores = (
        encode(retriever, queries, side=QUERY, batch_size=batch_size)
        @ encode(retriever, corpus, side=DOCUMENT, batch_size=batch_size).T
    )
    scores = scores.cpu().numpy()
    index = {t: i for i, t in enumerate(corpus)}
    samples = []
    for row, query in enumerate(queries):
        relevant, negatives = judged_docs[query]
        top = np.argsort(-scores[row])[:k]
        picked = set(top.tolist()) | {index[t] for t in relevant + negatives}
        ranked = sorted(picked, key=lambda i: -scores[row, i])
        samples.append({"query": query, "positive": relevant, "documents": [corpus[i] for i in ranked]})
    return samples


class RerankEvaluator(CrossEncoderRerankingEvaluator):
    """sentence-transformers' reranking evaluator (ndcg@10, MRR@10, MAP) on the search model's candidates, which
    also gives the search model's own scores (`retriever_metrics`): the run's baseline."""

    def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1) -> dict[str, float]:
        """The reranker's metrics; the search model's (`base_...`) are the baseline, measured once at step 0."""
        metrics = super().__call__(model, output_path, epoch, steps)
        return {k: v for k, v in metrics.items() if "_base_" not in k}

    def retriever_metrics(self) -> dict[str, float]:
        """The metrics of the search model's order of each candidate list, named as the reranker's are."""
        scores = {"map": [], f"mrr@{self.at_k}": [], f"ndcg@{self.at_k}": []}
        for sample in self.samples:
            relevant = [int(d in sample["positive"]) for d in sample["documents"]]
            order = np.arange(len(relevant), 0, -1)
            mrr, ndcg, ap = self.compute_metrics(relevant, order, len(sample["positive"]))
            for key, value in zip(scores, (ap, mrr, ndcg), strict=True):
                scores[key].append(value)
        return self.prefix_name_to_metrics({k: float(np.mean(v)) for k, v in scores.items()}, self.name)


def build_evaluator(valid, train, valid_negatives, retriever, *, name: str, batch_size: int, seed: int) -> RerankEvaluator:
    samples = candidates(retriever, judged(valid, valid_negatives), documents(train), seed=seed, batch_size=batch_size)
    return RerankEvaluator(samples, name=name, batch_size=batch_size, write_csv=False)
