"""LoRA: train a small low-rank adapter on the base model's attention layers instead of every weight (peft).

Full fine-tuning keeps, per parameter, weights, gradients and two AdamW moments (16 bytes in fp32);
LoRA trains well under 1% of the parameters, so a 0.6B model fits a 16 GB GPU or a laptop. The
adapter goes into the model's transformers module with peft's `inject_adapter_in_model` (what
sentence-transformers' `model.add_adapter` does through transformers, which since transformers 5
also insists on peft >= 0.22, newer than the package registry has; injecting directly works with
any peft since 0.7). It trains like any run and is **merged into the base weights** before the
model is saved: the run's model folder is a plain sentence-transformers model that
`SentenceTransformer(path)` loads without peft, and that the playground and the Hub push use as
they use any other. Checkpoints hold the base weights and the adapter, so a run resumes as any other.

Target modules default per architecture (config.model_type): peft's own table, and the studio's
for architectures peft's table lacks (mpnet, distilbert, modernbert, GTE's "new").
"""

from __future__ import annotations

import importlib.util

from core.errors import ConfigError

__all__ = [
    "LORA_LR_FACTOR",
    "PEFT_MISSING",
    "add_adapter",
    "default_targets",
    "linear_module_names",
    "load_checkpoint",
    "merge_adapter",
    "peft_missing",
]

# An adapter of rank 16 learns from far fewer weights: on STS-B (pair_score, MiniLM) LoRA at the trainer's own
# 1e-4 rose in-app but fell on held-out STS-B dev (0.8672 -> 0.8595); at 1e-3 it gained (-> 0.8791). README, "LoRA".
LORA_LR_FACTOR = 10
PEFT_MISSING = (
    "lora: LoRA needs the peft package, which is not installed. Install it with `pip install peft` "
    "(or `pip install 'sbert-studio[lora]'`), then start the run again"
)

# model_type -> attention projections, for architectures peft's table does not name
STUDIO_TARGETS = {
    "mpnet": ["q", "v"],
    "distilbert": ["q_lin", "v_lin"],
    "modernbert": ["Wqkv"],
    "new": ["qkv_proj"],  # Alibaba-NLP GTE (gte-multilingual, snowflake-arctic-embed-m-v2.0)
}


def peft_missing() -> bool:
    return importlib.util.find_spec("peft") is None


def _transformer(model):
    inner = getattr(model, "transformers_model", None)
    if inner is None:
        raise ConfigError("lora: this model has no transformers module to put an adapter on (LoRA needs one)")
    return inner


def linear_module_names(model) -> list[str]:
    """The distinct last names of the model's linear layers (what `lora_targets` may name)."""
    import torch

    names = {
        name.rsplit(".", 1)[-1] for name, module in _transformer(model).named_modules() if isinstance(module, torch.nn.Linear)
    }
    return sorted(names)


def default_targets(model) -> list[str] | None:
    """The attention projections LoRA targets for this architecture by default; None when neither table knows it."""
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as PEFT_TARGETS

    model_type = getattr(_transformer(model).config, "model_type", None)
    targets = STUDIO_TARGETS.get(model_type) or PEFT_TARGETS.get(model_type)
    return list(targets) if targets else None


def add_adapter(model, *, rank: int, alpha: int, dropout: float, targets: list[str] | None) -> dict:
    """Put a fresh LoRA adapter on `model`; only its weights train. Returns what report.json records.

    Raises:
        ConfigError: peft is missing, or the targets (given or default) name no linear layer of this
            architecture; the message lists the layers it has.
    """
    if peft_missing():
        raise ConfigError(PEFT_MISSING)
    from peft import LoraConfig, inject_adapter_in_model

    found = linear_module_names(model)
    model_type = getattr(_transformer(model).config, "model_type", "?")
    chosen = list(targets) if targets else default_targets(model)
    how = f"--lora-targets {','.join(found[:2]) or 'NAME'}"
    if not chosen:
        raise ConfigError(
            f"lora: no default target modules for architecture '{model_type}'. Its linear layers are named: "
            f"{', '.join(found) or 'none'}. Name the attention projections to adapt, e.g. {how}"
        )
    missing = [t for t in chosen if t not in found]
    if missing:
        raise ConfigError(
            f"lora: target module(s) {', '.join(missing)} not found in architecture '{model_type}'. Its linear layers "
            f"are named: {', '.join(found) or 'none'}. Name some of them, e.g. {how}"
        )
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=chosen, task_type="FEATURE_EXTRACTION")
    for parameter in model.parameters():  # only the adapter trains (a Dense head after the transformer too stays)
        parameter.requires_grad_(False)
    inject_adapter_in_model(config, _transformer(model))  # the adapter's weights are the only trainable ones
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return {
        "rank": rank,
        "alpha": alpha,
        "dropout": dropout,
        "targets": chosen,
        "trainable_parameters": trainable,
        "parameters": total,
        "saved_as": "merged into the base weights (the model folder loads without peft)",
    }


def load_checkpoint(model, checkpoint: str) -> None:
    """Load a LoRA run's checkpoint (base weights and adapter, as the trainer saved them) into `model`, which
    carries the same adapter: the trainer's own loader builds a plain model that cannot take adapter weights.
    Used for the best model at the end and for resuming."""
    from pathlib import Path

    from safetensors.torch import load_file

    files = sorted(Path(checkpoint).glob("model*.safetensors"))
    if not files:
        raise FileNotFoundError(f"no model*.safetensors in checkpoint {checkpoint}")
    weights = {}
    for file in files:
        weights.update(load_file(str(file)))
    _transformer(model).load_state_dict(weights, strict=True)


def merge_adapter(model) -> None:
    """Fold the trained adapter into the base weights and drop it: `model` becomes a plain model again."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    inner = _transformer(model)
    for name, module in list(inner.named_modules()):
        if isinstance(module, BaseTunerLayer):
            module.merge()
            parent, _, child = name.rpartition(".")
            setattr(inner.get_submodule(parent) if parent else inner, child, module.get_base_layer())
    inner._hf_peft_config_loaded = False
    if hasattr(inner, "peft_config"):
        del inner.peft_config
    for parameter in model.parameters():
        parameter.requires_grad_(True)
