"""Loaded models, kept for reuse by the app (model facts, token lengths, mining; later the playground).

Loading all-MiniLM-L6-v2 takes seconds and a bigger model much longer, so the last few models
are kept in memory, keyed by reference and the version of its files (`weights_version`: a run that
is resumed rewrites its model folder, and the next use loads the new weights). A run's model that
needed remote code loads with it (`needs_remote_code`). The training job loads its own copy:
training changes the weights in place.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from core.inference.models import load_model, model_token_limit, needs_remote_code, weights_version

__all__ = ["cached_model", "cached_reranker", "forget", "model_facts", "peek_model"]

KEEP = 2  # models kept in memory


_lock = threading.Lock()
_models: OrderedDict[tuple, object] = OrderedDict()  # (ref, weights_version[, "reranker"]) -> model


def cached_reranker(ref: str):
    """The CrossEncoder for `ref` (core.inference.rerankers), kept as `cached_model` keeps embedding models."""
    from core.inference.rerankers import load_cross_encoder

    return cached_model(ref, loader=load_cross_encoder)


def cached_model(ref: str, *, base_of: str | None = None, trust_remote_code: bool = False, loader=load_model):
    """The SentenceTransformer for `ref`, loaded once and kept among the last `KEEP` used; `base_of`: the run model
    whose base `ref` is (a run that trusted its model's code loads its base with it too: `needs_remote_code`);
    `trust_remote_code`: the person asked for the model's own code (the Model tab's setting, already gated).

    Raises:
        ModelError: the model cannot be resolved or loaded (see core.inference.models).
    """
    ref = ref.strip()
    key = (ref, weights_version(ref)) + (() if loader is load_model else ("reranker",))
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
    trust = trust_remote_code or needs_remote_code(ref, base_of=base_of)
    model = loader(ref, trust_remote_code=trust)  # outside the lock: may take long
    with _lock:
        for older in [k for k in _models if k[0] == ref and k[2:] == key[2:]]:  # an older version of the same folder
            del _models[older]
        _models[key] = model
        while len(_models) > KEEP:
            _models.popitem(last=False)
    return model


def forget(folder: str | Path) -> None:
    """Drop loaded models that live in `folder` (a deleted run's), whether either path was written relative
    or absolute; a run whose name merely starts the same (`demo-2` beside `demo`) keeps its model."""
    gone = Path(folder).resolve()
    with _lock:
        for key in [k for k in _models if gone == Path(k[0]).resolve() or gone in Path(k[0]).resolve().parents]:
            del _models[key]


def peek_model(ref: str):
    """The model for `ref` if it is already loaded, else None (never loads)."""
    ref = (ref or "").strip()
    with _lock:
        return _models.get((ref, weights_version(ref)))


def model_facts(model) -> dict:
    """What a person wants to know about a base model before training it."""
    pooling = next((m for m in model if type(m).__name__ == "Pooling"), None)
    mode = None
    if pooling is not None:
        mode = getattr(pooling, "pooling_mode", None) or next(
            (
                k.removeprefix("pooling_mode_")
                for k, v in pooling.get_config_dict().items()
                if k.startswith("pooling_mode_") and v
            ),
            None,
        )
    return {
        "dimension": model.get_embedding_dimension(),
        "max_seq_length": model.max_seq_length,
        "token_limit": model_token_limit(model),
        "parameters": sum(p.numel() for p in model.parameters()),
        "pooling": mode,
        "normalized": any(type(m).__name__ == "Normalize" for m in model),
        "modules": [type(m).__name__ for m in model],
        "prompts": dict(getattr(model, "prompts", None) or {}),
        "default_prompt_name": getattr(model, "default_prompt_name", None),
    }
