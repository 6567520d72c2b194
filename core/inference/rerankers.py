"""Rerankers (sentence-transformers' CrossEncoder): telling one from an embedding model, loading it, and
search-then-rerank.

A reranker reads a (query, document) pair and gives one score; it is too slow to read a whole corpus, so a
search model (a bi-encoder) finds the top k first and the reranker reorders them. Any encoder becomes a
reranker with a fresh one-logit head; a CrossEncoder folder or Hub model keeps its own head.

The fresh head reads the encoder's pooled output as the embedding model was trained to make it (its own
Pooling module; mean pooling for a plain transformers model), not the [CLS] token a sequence-classification
head reads, which an embedding model trained with mean pooling never learnt to fill (measured on WikiQA and SNLI in
bench/results/rerank_sweep.md). The folder is a modular CrossEncoder: it loads with `CrossEncoder(path)`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from core.errors import ModelError
from core.inference.models import logger, model_file, resolve_model

__all__ = ["is_cross_encoder", "load_cross_encoder", "search_then_rerank"]


def is_cross_encoder(ref: str) -> bool:
    """A CrossEncoder's folder or cached Hub model (sentence-transformers' `model_type`, or a transformers
    sequence-classification model with one label, as older rerankers on the Hub are). Never downloads."""
    saved = model_file(ref, "config_sentence_transformers.json")
    if saved is not None:
        try:
            return json.loads(saved.read_text()).get("model_type") == "CrossEncoder"
        except (OSError, ValueError):
            return False
    if model_file(ref, "modules.json") is not None:  # an embedding model's folder
        return False
    config = model_file(ref, "config.json")
    try:
        facts = json.loads(config.read_text()) if config else {}
    except (OSError, ValueError):
        return False
    classifier = any(str(a).endswith("ForSequenceClassification") for a in facts.get("architectures") or [])
    return classifier and facts.get("num_labels", len(facts.get("id2label") or {1: 0})) == 1


def load_cross_encoder(ref: str, *, max_length: int | None = None, trust_remote_code: bool = False, device=None):
    """A CrossEncoder from a Hub id or a folder: its own head when it is one (`is_cross_encoder`), else the encoder
    with a fresh one-logit head (its score goes through a sigmoid, 0-1).

    Raises:
        ModelError: the model cannot be resolved or loaded.
    """
    from sentence_transformers import CrossEncoder

    target = resolve_model(ref)
    fresh = not is_cross_encoder(target)
    if trust_remote_code:
        logger.warning("trust_remote_code is on: code from model '%s' runs on this machine", ref)
    try:
        if fresh:
            model = CrossEncoder(modules=_pooled_head(target, trust_remote_code), device=device)
        else:
            model = CrossEncoder(target, trust_remote_code=trust_remote_code, device=device)
    except OSError as exc:
        raise ModelError(f"model '{ref}' could not be loaded as a reranker: {exc}") from None
    except Exception as exc:
        raise ModelError(f"model '{ref}' could not be loaded as a reranker ({type(exc).__name__}: {exc})") from None
    positions = getattr(model.config, "max_position_embeddings", None)
    limits = [n for n in (max_length, positions, model.max_seq_length) if isinstance(n, int) and 0 < n < 1_000_000]
    if limits:  # a pair longer than the model's position embeddings cannot be read: capped, as load_model caps
        model.max_seq_length = min(limits)
    return model


def _pooled_head(target: str, trust_remote_code: bool) -> list:
    """The encoder, its own pooling (mean for a plain transformers model) and a fresh one-logit Dense layer."""
    import torch
    from sentence_transformers.cross_encoder.modules import Dense, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    extra = {"model_kwargs": {"trust_remote_code": True}} if trust_remote_code else {}
    encoder = Transformer(target, transformer_task="feature-extraction", **extra)
    dimension = encoder.get_embedding_dimension()
    pooling = Pooling(dimension, pooling_mode=_pooling_mode(target))
    score = Dense(
        dimension, 1, activation_function=torch.nn.Identity(), module_input_name="sentence_embedding", module_output_name="scores"
    )
    return [encoder, pooling, score]


# an embedding model's Pooling config (sentence-transformers' saved keys) -> the pooling mode it names
POOLING_KEYS = {"pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max", "pooling_mode_mean_tokens": "mean"}


def _pooling_mode(target: str) -> str:
    """The pooling an embedding model folder declares (its Pooling module's config: cls, max or mean), else mean."""
    for path in sorted(Path(target).glob("*_Pooling/config.json")) if Path(target).is_dir() else []:
        try:
            config = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        mode = config.get("pooling_mode") or next((m for k, m in POOLING_KEYS.items() if config.get(k)), None)
        if mode in POOLING_KEYS.values():
            return mode
    return "mean"


def search_then_rerank(retrieve, reranker, query: str, *, top_k: int = 20) -> dict:
    """Search with `retrieve(query, top_k)` (a list of hits: rank, score, text; core.inference.search), then reorder
    the hits with `reranker`. Returns both lists, each reranked hit's move (`moved`: places up, negative down)
    and both latencies in milliseconds."""
    start = time.perf_counter()
    hits = retrieve(query, top_k)
    searched = time.perf_counter()
    scores = reranker.predict([(query, hit["text"]) for hit in hits], convert_to_numpy=True) if hits else []
    reranked = sorted(
        ({**hit, "retriever_rank": hit["rank"], "score": float(s)} for hit, s in zip(hits, scores, strict=True)),
        key=lambda h: -h["score"],
    )
    for rank, hit in enumerate(reranked, start=1):
        hit["rank"], hit["moved"] = rank, hit["retriever_rank"] - rank
    done = time.perf_counter()
    return {
        "retrieved": hits,
        "reranked": reranked,
        "search_ms": (searched - start) * 1000,
        "rerank_ms": (done - searched) * 1000,
    }
