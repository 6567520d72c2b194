"""A base model's facts read from its own files, without loading it and without a network.

For a local folder, or a Hub id whose files are in the local Hugging Face cache: parameters (from
the safetensors headers, sharded weights included, read by huggingface_hub), embedding dimension
(the last Dense layer, else the hidden size), max length, licence (the model card's metadata, read
by huggingface_hub's ModelCard), whether it needs `trust_remote_code` (an
`auto_map` in config.json), and its prompts (config_sentence_transformers.json). A fact whose file
is missing stays None; core.catalog's published facts fill in what the files do not say.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.catalog import CARDS, DEFAULT_MODEL, GPU_16GB, LAPTOP_RAM, ModelCard, lora_recommended
from core.inference.models import bundled_path, model_file
from core.prompts import model_side
from core.recipes import DOCUMENT, QUERY

__all__ = ["catalog_row", "catalog_rows", "facts_from_files", "machine_memory"]

FACT_FILES = (
    "config.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
    "modules.json",
    "model.safetensors",
    "model.safetensors.index.json",
    "README.md",
)


def _json(ref: str, name: str) -> dict:
    path = model_file(ref, name)
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}


def _parameters(ref: str) -> int | None:
    """Parameters counted from the safetensors headers (one file, or the shards an index names), without loading."""
    from huggingface_hub import get_local_safetensors_metadata

    weights = model_file(ref, "model.safetensors.index.json") or model_file(ref, "model.safetensors")
    if weights is None:
        return None
    try:
        metadata = get_local_safetensors_metadata(weights.parent)
    except Exception:  # a shard not downloaded, a broken header: the published figure stands
        return None
    return sum(sum(f.parameter_count.values()) for f in metadata.files_metadata.values()) or None


def _licence(path: Path | None) -> str | None:
    """The `license` of a model card's metadata (its YAML front matter)."""
    if path is None:
        return None
    from huggingface_hub import ModelCard

    try:
        licence = ModelCard.load(path).data.license
    except Exception:  # a card without metadata, or not a card
        return None
    return str(licence) if licence else None


def _dimension(ref: str, config: dict) -> int | None:
    modules = _json(ref, "modules.json")
    dense = (
        [m["path"] for m in modules if isinstance(m, dict) and "Dense" in m.get("type", "")] if isinstance(modules, list) else []
    )
    if dense:
        out = _json(ref, f"{dense[-1]}/config.json").get("out_features")
        if out:
            return int(out)
    hidden = config.get("hidden_size") or config.get("d_model")
    return int(hidden) if hidden else None


def facts_from_files(ref: str) -> dict:
    """What the model's own files say (None for what they do not); `found` lists the files read."""
    config = _json(ref, "config.json")
    st_config = _json(ref, "config_sentence_transformers.json")
    bert = _json(ref, "sentence_bert_config.json")
    prompts = st_config.get("prompts") or {}
    default = st_config.get("default_prompt_name")
    declares = bool(prompts or default)  # else the published prompts stand
    return {
        "found": [name for name in FACT_FILES if model_file(ref, name)],
        "parameters": _parameters(ref),
        "dimension": _dimension(ref, config) if config else None,
        "max_length": bert.get("max_seq_length") or config.get("max_position_embeddings"),
        "licence": _licence(model_file(ref, "README.md")),
        "trust_remote_code": bool(config.get("auto_map")) if config else None,
        "query_prompt": model_side(prompts, default, QUERY) if declares else None,
        "document_prompt": model_side(prompts, default, DOCUMENT) if declares else None,
    }


def machine_memory() -> tuple[str, int]:
    """("GPU" or "CPU", bytes) of the memory training would use on this machine."""
    try:
        import torch

        if torch.cuda.is_available():
            return "GPU", torch.cuda.get_device_properties(0).total_memory
    except Exception:
        pass
    import os

    return "CPU", os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _yes(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def catalog_row(card: ModelCard) -> dict:
    """One row of the Model tab's list: the card's facts, overridden by the model's files where it is cached."""
    files = facts_from_files(bundled_path(card.id) or card.id)
    read = bool(files["found"])
    params = files["parameters"] or int(card.parameters * 1e6)

    def fact(name, published):
        return files[name] if files[name] is not None else published

    query, document = fact("query_prompt", card.query_prompt), fact("document_prompt", card.document_prompt)
    return {
        "model": card.id,
        "parameters (M)": round(params / 1e6, 1),
        "dim": fact("dimension", card.dimension),
        "Matryoshka dims": ", ".join(map(str, card.matryoshka)) or "-",
        "max tokens": fact("max_length", card.max_length),
        "licence": fact("licence", card.licence),
        "remote code": _yes(fact("trust_remote_code", card.trust_remote_code)),
        "prompts": " / ".join(repr(p) for p in (query, document)) if (query or document) else "-",
        "LoRA on CPU": _yes(lora_recommended(params, LAPTOP_RAM)),
        "LoRA on 16 GB GPU": _yes(lora_recommended(params, GPU_16GB)),
        "facts from": "model files (cached)" if read else "published",
        "languages": card.languages,
    }


def catalog_rows(current_only: bool = False) -> list[dict]:
    """The Model tab's list, today's embedders first when `current_only` is off."""
    cards = sorted(CARDS.values(), key=lambda c: 0 if c.id == DEFAULT_MODEL else 1 if c.current else 2)
    return [catalog_row(card) for card in cards if card.current or not current_only]
