"""The run settings on the page: one component per TrainConfig field, and the way back to a TrainConfig.

The tabs create the components (roles on the Data tab, model and parameters on the Model tab)
and register them here under the field's name. A handler that needs the whole config takes
`form.inputs` (a set, so gradio passes one dict) and calls `form.config(values)`; loading a
YAML file calls `form.updates(config)`. Defaults are TrainConfig's, so the form, the YAML file
and the CLI never disagree.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import gradio as gr

from core.config import EVAL_STRATEGIES, LOGGERS, PRECISIONS, TrainConfig

__all__ = ["ADVANCED", "BASIC", "NONE", "Form", "param_component"]

NONE = ""  # a role dropdown's "no column" value
BASIC = ("epochs", "batch_size", "lr", "max_samples", "max_seq_length")
ADVANCED = (
    "warmup_ratio",
    "gradient_accumulation",
    "weight_decay",
    "max_grad_norm",
    "optimizer",
    "scheduler",
    "mixed_precision",
    "group_by_length",
    "num_negatives",
    "mine_negatives",
    "mining_margin",
    "negative_columns",
    "seed",
    "eval_strategy",
    "eval_steps",
    "logging_steps",
    "early_stopping_patience",
    "early_stopping_threshold",
    "save_total_limit",
    "validation_fraction",
    "score_min",
    "score_max",
    "matryoshka_dims",
    "log",
    "trust_remote_code",
    "project_name",
)
LABELS = {
    "lr": "Learning rate (empty: the trainer type's default)",
    "epochs": "Epochs (empty: the trainer type's default)",
    "batch_size": "Batch size (empty: the trainer type's default)",
    "num_negatives": "Hard negatives per row (pair, qa)",
    "mine_negatives": "Mine hard negatives with the base model before training (pair, qa)",
    "mining_margin": "Mining margin (a negative scores at least this share below the positive)",
    "negative_columns": "More negative columns (comma-separated; empty: columns named negative*)",
    "max_samples": "Max training rows (empty: all)",
    "max_seq_length": "Max sequence length (tokens)",
    "eval_steps": "Evaluate every N steps (empty: about 5 times)",
    "logging_steps": "Log loss every N steps (-1: about 50 points)",
    "early_stopping_patience": "Early stopping patience (evaluations; empty: off)",
    "matryoshka_dims": "Matryoshka dimensions (e.g. 384,256,128,64; empty: off)",
    "project_name": "Run folder (empty: a new folder under runs/)",
    "score_min": "Score min (empty: observed)",
    "score_max": "Score max (empty: observed)",
    "log": "Experiment tracking (the package must be installed)",
    "group_by_length": "Group batches by text length (less padding, faster; plain-batch losses)",
    "trust_remote_code": "Trust remote code (runs code shipped with the model: only for models you trust)",
}
CHOICES = {
    "optimizer": ("adamw_torch_fused", "adamw_torch", "adafactor", "sgd"),
    "scheduler": ("linear", "cosine", "constant", "constant_with_warmup", "polynomial"),
    "mixed_precision": PRECISIONS,
    "eval_strategy": EVAL_STRATEGIES,
    "log": LOGGERS,
}
_TYPES = {f.name: str(f.type) for f in fields(TrainConfig)}
_DEFAULTS = TrainConfig()


def _shown(name: str, value: Any) -> Any:
    """A config value as its component shows it."""
    if name in ("matryoshka_dims", "negative_columns"):
        return ",".join(map(str, value)) if value else ""
    if value is None:
        return ""
    return value


def param_component(name: str) -> gr.components.Component:
    """The component for one parameter, with TrainConfig's default and a stable elem_id `param-<name>`."""
    label = LABELS.get(name, name.replace("_", " ").capitalize())
    value = _shown(name, getattr(_DEFAULTS, name))
    elem_id = f"param-{name.replace('_', '-')}"
    kind = _TYPES[name]
    if kind.startswith("bool"):
        return gr.Checkbox(value=bool(value), label=label, elem_id=elem_id)
    if name in CHOICES:
        return gr.Dropdown(list(CHOICES[name]), value=value, label=label, elem_id=elem_id, allow_custom_value=True)
    if kind.startswith(("int", "float")) and "None" not in kind:  # optional numbers are text boxes: empty means None
        return gr.Number(value=value, label=label, elem_id=elem_id, precision=0 if kind.startswith("int") else None)
    return gr.Textbox(value=value, label=label, elem_id=elem_id)


class Form:
    """TrainConfig field name -> the component that edits it (plus the data source states)."""

    def __init__(self) -> None:
        self.components: dict[str, gr.components.Component] = {}

    def add(self, name: str, component):
        if name not in _TYPES:
            raise KeyError(f"{name} is not a TrainConfig field")
        self.components[name] = component
        return component

    @property
    def inputs(self) -> set:
        return set(self.components.values())

    def values(self, by_component: dict) -> dict[str, Any]:
        """{field: value} from the dict gradio passes for `inputs`."""
        return {name: by_component[c] for name, c in self.components.items() if c in by_component}

    def config(self, by_component: dict) -> TrainConfig:
        """The TrainConfig the form describes. Raises ConfigError naming each bad field."""
        raw = {}
        for name, value in self.values(by_component).items():
            if isinstance(value, str):
                value = value.strip()
            raw[name] = None if value in ("", NONE) and "None" in _TYPES[name] else value
        return TrainConfig.from_dict(raw)

    def updates(self, config: TrainConfig) -> dict:
        """Component updates that show `config` in the form (role choices keep the given column)."""
        out = {}
        for name, component in self.components.items():
            value = _shown(name, getattr(config, name))
            if isinstance(component, gr.Dropdown) and name.endswith("_column"):
                out[component] = gr.update(value=value or NONE)
            else:
                out[component] = value
        return out
