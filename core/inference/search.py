"""What a person does with a model after training: similarity, a similarity matrix, semantic search, a 2D map.

Corpus embeddings are the slow part, so they are computed once per (model, corpus), normalised,
and kept (the last few, in memory); a repeated query only encodes the query and takes dot
products (sentence-transformers' `semantic_search`). All functions take a loaded
SentenceTransformer; core.inference.cache loads and keeps them.

Prompts: a search encodes its query with `encode_query` and its corpus with `encode_document`, so
a model that declares query and document prompts (e5, Qwen3-Embedding, EmbeddingGemma, or a model
the studio trained with prompts) reads each side as it was trained to. Similarity compares texts of
one kind: both go through `encode_query`, as the one-sided trainer types trained them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from core.errors import DataError
from core.inference.models import weights_version
from core.recipes import DOCUMENT, QUERY

__all__ = [
    "MAX_CORPUS",
    "clean_texts",
    "corpus_embeddings",
    "encode",
    "pair_similarity",
    "project_2d",
    "search",
    "similarity_matrix",
]

MAX_CORPUS = 100_000  # documents in one search corpus; more is a job for a vector database
MAX_TEXT_CHARS = 20_000  # longer texts are cut before encoding (the model reads max_seq_length tokens anyway)
ENCODE_CHUNK = 1024  # texts per encode call: one progress step each
KEEP_CORPORA = 4

_lock = threading.Lock()
_corpora: OrderedDict[tuple[str, int | None, str], object] = OrderedDict()


def clean_texts(texts, what: str, *, limit: int = MAX_CORPUS) -> list[str]:
    """Non-empty, stripped texts; a DataError when there are none or too many."""
    out = [str(t).strip()[:MAX_TEXT_CHARS] for t in texts if t is not None and str(t).strip() and str(t) != "nan"]
    if not out:
        raise DataError(f"{what} is empty; give at least one non-empty text (one per line)")
    if len(out) > limit:
        raise DataError(f"{what} has {len(out):,} texts; the limit is {limit:,}. Use a sample, or split it")
    return out


def encode(
    model,
    texts: list[str],
    *,
    side: str = QUERY,
    batch_size: int = 64,
    progress: Callable[[float, str], None] | None = None,
):
    """Normalised embeddings (a float32 torch tensor) of `side`'s texts (QUERY or DOCUMENT: the model's prompt for
    that side goes before each), encoded in chunks so that progress can be shown."""
    import torch

    encode_side = model.encode_document if side == DOCUMENT else model.encode_query
    parts = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunk = texts[start : start + ENCODE_CHUNK]
        parts.append(encode_side(chunk, batch_size=batch_size, convert_to_tensor=True, normalize_embeddings=True))
        if progress:
            done = min(len(texts), start + ENCODE_CHUNK)
            progress(done / len(texts), f"encoded {done:,} of {len(texts):,} texts")
    return torch.cat(parts) if len(parts) > 1 else parts[0]


def corpus_embeddings(model_key: str, model, corpus: list[str], *, progress=None, precomputed=None):
    """The corpus's embeddings under `model`, computed once per (model_key, corpus) and reused.

    `precomputed` (normalised, one row per text) is stored instead of encoding (benchmarks, imports).
    """
    digest = hashlib.sha1("\0".join(corpus).encode("utf-8")).hexdigest()
    key = (model_key, weights_version(model_key), digest)  # a rewritten model folder is another model
    with _lock:
        if key in _corpora:
            _corpora.move_to_end(key)
            return _corpora[key]
    embeddings = precomputed if precomputed is not None else encode(model, corpus, side=DOCUMENT, progress=progress)
    with _lock:
        _corpora[key] = embeddings
        while len(_corpora) > KEEP_CORPORA:
            _corpora.popitem(last=False)
    return embeddings


def pair_similarity(model, text1: str, text2: str) -> float:
    """Cosine similarity of two texts."""
    a, b = clean_texts([text1], "the first text"), clean_texts([text2], "the second text")
    embeddings = encode(model, a + b)
    return float(embeddings[0] @ embeddings[1])


def similarity_matrix(model, texts: list[str], *, limit: int = 200) -> np.ndarray:
    """Cosine similarities of every pair of `texts` (at most `limit` texts: a heatmap beyond that is unreadable)."""
    texts = clean_texts(texts, "the sentence list", limit=limit)
    embeddings = encode(model, texts)
    return (embeddings @ embeddings.T).cpu().numpy()


def search(model_key: str, model, corpus: list[str], query: str, *, top_k: int = 5, progress=None) -> list[dict]:
    """The `top_k` corpus texts closest to `query`: rank (1-based), corpus index, score, text."""
    from sentence_transformers.util import dot_score, semantic_search

    query = clean_texts([query], "the query", limit=1)[0]
    embeddings = corpus_embeddings(model_key, model, corpus, progress=progress)
    query_embedding = encode(model, [query])
    hits = semantic_search(query_embedding, embeddings, top_k=min(top_k, len(corpus)), score_function=dot_score)[0]
    return [
        {"rank": rank, "index": int(hit["corpus_id"]), "score": float(hit["score"]), "text": corpus[hit["corpus_id"]]}
        for rank, hit in enumerate(hits, start=1)
    ]


def project_2d(embeddings) -> np.ndarray:
    """scikit-learn's PCA to two dimensions: an (n, 2) array (zeros where there is nothing to spread)."""
    from sklearn.decomposition import PCA

    matrix = np.asarray(embeddings.cpu() if hasattr(embeddings, "cpu") else embeddings, dtype=np.float64)
    components = min(2, len(matrix), matrix.shape[1] if matrix.ndim == 2 else 0)
    if components < 1 or len(matrix) < 2:
        return np.zeros((len(matrix), 2))
    points = PCA(n_components=components).fit_transform(matrix)
    return np.pad(points, ((0, 0), (0, 2 - components)))
