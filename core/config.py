"""The run configuration: one dataclass that the YAML file, the CLI flags and the UI are views of.

Field names follow AutoTrain's sentence-transformers trainer so that its configs and commands
carry over; the studio adds `loss`, `validation_fraction`, `score_min`/`score_max`,
`matryoshka_dims` and `eval_steps`. Every value is checked by `TrainConfig.check()` before any data
or model is loaded, and a bad one is a `ConfigError` naming the field, the value and what is
allowed. The Hub token is never part of `to_dict()`, so it is never written to config.yaml.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.util
import math
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from core.catalog import DEFAULT_MODEL
from core.errors import ConfigError
from core.recipes import LOSSES, allowed_list, get_recipe, resolve_loss, trainer_list

__all__ = [
    "ADVANCED_GROUPS",
    "BASIC",
    "IGNORED_KEYS",
    "LORA_LR_FACTOR",
    "MINING_MARGIN",
    "PEFT_MISSING",
    "FieldType",
    "TrainConfig",
    "field_info",
    "field_types",
    "fields_in",
    "is_empty",
    "load_config",
    "resolve_precision",
]

EVAL_STRATEGIES = ("no", "steps", "epoch")
PRECISIONS = ("auto", "no", "fp16", "bf16")  # auto: bf16 on a GPU that has it, else fp32 (no)
LOGGERS = ("none", "tensorboard", "wandb", "mlflow")
SECRET_FIELDS = ("token",)
MINING_MARGIN = 0.05  # a mined negative scores at least this share below its positive (sentence-transformers' docs)
# An adapter of rank 16 learns from far fewer weights: on STS-B (pair_score, MiniLM) LoRA at the trainer's own
# 1e-4 rose in-app but fell on held-out STS-B dev (0.8672 -> 0.8595); at 1e-3 it gained (-> 0.8791). README, "LoRA".
LORA_LR_FACTOR = 10
PEFT_MISSING = (
    "lora: LoRA needs the peft package, which is not installed. Install it with `pip install peft` "
    "(or `pip install 'sbert-studio[lora]'`), then start the run again"
)
# AutoTrain keys that mean nothing to a local run; accepted so that its configs load unchanged.
IGNORED_KEYS = ("backend", "train")


# Groups of settings, in the order the form lays them out. The Data and Model tabs place their own
# (roles, model, trainer, loss); BASIC is the row of parameters always shown; ADVANCED_GROUPS are the
# rows of the "Advanced parameters" accordion. A field without a group is not on the form (Hub fields).
DATA, MODEL, BASIC = "data", "model", "basic"
ADVANCED_GROUPS = ("prompts", "optimisation", "lora", "negatives", "evaluation", "output")


def setting(default: Any = None, help: str = "", *, label: str | None = None, group: str | None = None, **kwargs: Any):
    """A TrainConfig field with what a person reads about it: `help` for --help, `label` for the form
    (default: the name, capitalised), `group` for where the form shows it, `choices` for a dropdown."""
    choices = kwargs.pop("choices", None)
    metadata = {"help": help, "label": label, "group": group, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata, **kwargs)
    return field(default=default, metadata=metadata, **kwargs)


@dataclass
class TrainConfig:
    """Everything one training run needs. Defaults are what `sbert-studio train` uses; each field's
    metadata carries its help text (--help), form label and form group (ui.form reads them)."""

    # --- data ---
    data_path: str = setting(
        "", "file (CSV/TSV/JSON/JSONL/Parquet), folder of {split}.csv|jsonl|parquet, or Hub dataset id[:config]", group=DATA
    )
    train_split: str = setting("train", "split (file name in a folder, or Hub split) to train on", group=DATA)
    valid_split: str | None = setting(
        None, "validation split; empty: hold out --validation-fraction of train", group=DATA, label="Validation split"
    )
    sentence1_column: str | None = setting(None, "column of the first text (empty: AutoTrain's name, else suggested)", group=DATA)
    sentence2_column: str | None = setting(None, "column of the second text (empty: suggested)", group=DATA)
    sentence3_column: str | None = setting(None, "column of the third text, a negative (empty: suggested)", group=DATA)
    target_column: str | None = setting(None, "column of the score or label (empty: suggested)", group=DATA)
    max_samples: int | None = setting(
        None, "train on the first N cleaned rows only", group=BASIC, label="Max training rows (empty: all)"
    )
    validation_fraction: float = setting(
        0.1, "share of train held out for validation when no --valid-split is given", group="evaluation"
    )
    score_min: float | None = setting(
        None,
        "declared lowest score (empty: observed, when scores lie outside 0-1)",
        group="output",
        label="Score min (empty: observed)",
    )
    score_max: float | None = setting(
        None, "declared highest score (empty: observed)", group="output", label="Score max (empty: observed)"
    )

    # --- model and trainer ---
    model: str = setting(DEFAULT_MODEL, f"base model: Hub id or local folder (default: {DEFAULT_MODEL}, bundled)", group=MODEL)
    trainer: str | None = setting(None, f"{trainer_list()} (default: suggested from the data)", group=MODEL)
    loss: str | None = setting(None, "loss name (default: the trainer type's default, see README)", group=MODEL)
    matryoshka_dims: list[int] | None = setting(
        None,
        "comma-separated embedding sizes to train at once, e.g. 384,256,128,64",
        group="output",
        label="Matryoshka dimensions (e.g. 384,256,128,64; empty: off)",
    )
    max_seq_length: int = setting(128, "tokens; longer texts are truncated", group=BASIC, label="Max sequence length (tokens)")
    trust_remote_code: bool = setting(
        False,
        "run code shipped with the model (custom architectures); off unless asked",
        group="output",
        label="Trust remote code (runs code shipped with the model: only for models you trust)",
    )

    # --- prompts (core.prompts): the text put before each input, by side (Recipe.sides) ---
    query_prompt: str | None = setting(
        None,
        "text put before query-side inputs (questions, anchors, both texts of a scored or labelled pair); "
        "empty: the base model's own query prompt",
        group="prompts",
        label="Query prompt (empty: the model's own)",
    )
    document_prompt: str | None = setting(
        None,
        "text put before document-side inputs (answers, positives, negatives); empty: the base model's own document prompt",
        group="prompts",
        label="Document prompt (empty: the model's own)",
    )
    model_prompts: bool = setting(
        True,
        "use the prompts the base model declares where none is set; off (--no-model-prompts): no prompt unless set",
        group="prompts",
        label="Use the model's own prompts",
    )

    # --- LoRA (core.training.lora): a low-rank adapter instead of every weight, merged into the saved model ---
    lora: bool = setting(
        False,
        "train a LoRA adapter (peft) instead of every weight: far less memory for large models; merged into the saved "
        "model; an unset learning rate is 10x the trainer type's",
        group="lora",
        label="LoRA (train an adapter; for large models)",
    )
    lora_rank: int = setting(16, "LoRA rank r: the adapter's inner size", group="lora", label="LoRA rank")
    lora_alpha: int = setting(32, "LoRA alpha: the adapter's scale is alpha / rank", group="lora", label="LoRA alpha")
    lora_dropout: float = setting(0.1, "dropout on the adapter's input", group="lora", label="LoRA dropout")
    lora_targets: list[str] | None = setting(
        None,
        "comma-separated names of the linear layers to adapt (empty: the attention projections of the architecture)",
        group="lora",
        label="LoRA target modules (empty: per architecture)",
    )

    # --- hard negatives (retrieval trainer types) ---
    negative_columns: list[str] | None = setting(
        None,
        "retrieval trainer types: more negative columns, comma-separated (default: columns named negative*)",
        group="negatives",
        label="More negative columns (comma-separated; empty: columns named negative*)",
    )
    num_negatives: int = setting(
        3,
        "retrieval trainer types: hard negatives per training row (from a 0/1 label column, negative columns, or mined)",
        group="negatives",
        label="Hard negatives per row (retrieval trainer types)",
    )
    mine_negatives: bool = setting(
        False,
        "retrieval trainer types: mine hard negatives with the base model before training (off by default; README)",
        group="negatives",
        label="Mine hard negatives with the base model before training (retrieval trainer types)",
    )
    mining_margin: float = setting(
        MINING_MARGIN,
        "with --mine-negatives: a mined negative scores at least this share below the positive (fewer false negatives)",
        group="negatives",
        label="Mining margin (a negative scores at least this share below the positive)",
    )

    # --- optimisation: None takes the trainer type's own default (core.recipes, measured in bench/) ---
    lr: float | None = setting(
        None,
        "learning rate (default: the trainer type's own, 10x with LoRA; README, Defaults)",
        group=BASIC,
        label="Learning rate (empty: the trainer type's default)",
    )
    epochs: float | None = setting(
        None, "epochs (default: the trainer type's own)", group=BASIC, label="Epochs (empty: the trainer type's default)"
    )
    batch_size: int | None = setting(
        None, "batch size (default: the trainer type's own)", group=BASIC, label="Batch size (empty: the trainer type's default)"
    )
    warmup_ratio: float = setting(0.1, "share of the steps the learning rate warms up over", group="optimisation")
    gradient_accumulation: int = setting(1, "batches whose gradients add up to one step", group="optimisation")
    optimizer: str = setting(
        "adamw_torch_fused",
        "optimizer (transformers' names); the trainer's own default since torch 2.8, faster than adamw_torch",
        group="optimisation",
        choices=("adamw_torch_fused", "adamw_torch", "adafactor", "sgd"),
    )
    scheduler: str = setting(
        "linear",
        "learning-rate schedule (transformers' names)",
        group="optimisation",
        choices=("linear", "cosine", "constant", "constant_with_warmup", "polynomial"),
    )
    weight_decay: float = setting(0.0, "weight decay", group="optimisation")
    max_grad_norm: float = setting(1.0, "gradient clipping norm", group="optimisation")
    seed: int = setting(42, "seed for the validation split, shuffling and initialisation", group="optimisation")
    group_by_length: bool = setting(
        True,
        "batches of similar-length texts (less padding) for losses that draw plain batches",
        group="optimisation",
        label="Group batches by text length (less padding, faster; plain-batch losses)",
    )
    mixed_precision: str = setting(
        "auto",
        "auto: bf16 on a CUDA GPU that supports it, fp32 elsewhere; no, fp16 or bf16",
        group="optimisation",
        choices=PRECISIONS,
    )
    auto_find_batch_size: bool = setting(False, "halve the batch size until it fits in memory")
    gradient_checkpointing: bool = setting(
        False,
        "recompute activations in the backward pass instead of keeping them: much less memory, about 20-30% slower",
        group="optimisation",
        label="Gradient checkpointing (less memory, slower: for large models)",
    )
    mini_batch_size: int | None = setting(
        None,
        "Cached losses only (CachedMultipleNegativesRankingLoss, CachedGISTEmbedLoss): texts embedded at once; "
        "smaller saves memory, the batch size (in-batch negatives) stays; empty: 32",
        group="optimisation",
        label="Mini-batch size (Cached losses; empty: 32)",
    )

    # --- evaluation, logging and checkpoints ---
    logging_steps: int = setting(
        -1,
        "log the loss every N steps; -1: about 50 points per run",
        group="evaluation",
        label="Log loss every N steps (-1: about 50 points)",
    )
    eval_strategy: str = setting("steps", "when to evaluate: steps, epoch or no", group="evaluation", choices=EVAL_STRATEGIES)
    eval_steps: int | None = setting(
        None,
        "evaluate every N steps; empty: about 5 evaluations per run",
        group="evaluation",
        label="Evaluate every N steps (empty: about 5 times)",
    )
    early_stopping_patience: int | None = setting(
        None,
        "evaluations without improvement before stopping; empty: off",
        group="evaluation",
        label="Early stopping patience (evaluations; empty: off)",
    )
    early_stopping_threshold: float = setting(0.0, "the least improvement that counts, for early stopping", group="evaluation")
    save_total_limit: int = setting(
        1, "checkpoints kept, at least 2: the best and the newest (a stopped run resumes from the newest)", group="evaluation"
    )
    log: str = setting(
        "none",
        "experiment tracking (the package must be installed)",
        group="output",
        choices=LOGGERS,
        label="Experiment tracking (the package must be installed)",
    )

    # --- run folder and Hub ---
    project_name: str | None = setting(
        None,
        "run folder; the model lands in <project-name>/model (default: a new folder under the runs root)",
        group="output",
        label="Run folder (empty: a new folder under runs/)",
    )
    push_to_hub: bool = setting(False, "push the finished model to the Hub (private), as <username>/<run name>")
    username: str | None = setting(None, "Hub user or organisation to push to (default: the token's user)")
    token: str | None = setting(None, "Hub token (default: $HF_TOKEN); never written anywhere", repr=False)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field except secrets (safe for config.yaml)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in SECRET_FIELDS}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from our flat keys, dashed CLI names or AutoTrain's nested YAML; values are coerced.

        Raises:
            ConfigError: an unknown key or a value of the wrong type.
        """
        flat = _flatten_autotrain(dict(data))
        known = {f.name: f for f in fields(cls)}
        values, problems = {}, []
        for raw_key, value in flat.items():
            key = str(raw_key).replace("-", "_")
            if key in IGNORED_KEYS:
                continue
            if key not in known:
                hint = difflib.get_close_matches(key, list(known), n=1)
                problems.append(f"unknown setting '{raw_key}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
                continue
            try:
                values[key] = _coerce(key, value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise ConfigError("; ".join(problems) + ".")
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def resolved(self, trainer: str, loss: str) -> TrainConfig:
        """This config with every default a trainer type brings filled in: the trainer, its loss, and its
        learning rate, epochs and batch size where none was set. config.yaml records this, so re-running
        a run's config trains the same thing after the defaults change. A LoRA run's default learning rate
        is LORA_LR_FACTOR times the trainer type's (README, "LoRA")."""
        defaults = get_recipe(trainer).defaults
        default_lr = defaults.lr * (LORA_LR_FACTOR if self.lora else 1)
        return self.replace(
            trainer=trainer,
            loss=loss,
            lr=self.lr if self.lr is not None else default_lr,
            epochs=self.epochs if self.epochs is not None else defaults.epochs,
            batch_size=self.batch_size if self.batch_size is not None else defaults.batch_size,
        )

    # ------------------------------------------------------------------ checks
    def check(self) -> TrainConfig:
        """Check every value; raise one ConfigError listing all problems. Returns self."""
        problems: list[str] = []

        def need(cond: bool, message: str) -> None:
            if not cond:
                problems.append(message)

        need(bool(self.data_path), "data_path: missing; give a file, a folder or a Hub dataset id (--data-path)")
        need(bool(self.model), "model: missing; give a Hub id or a local folder (--model)")
        if self.trainer is not None:  # None: suggested from the data, and the loss checked then
            try:
                recipe = get_recipe(self.trainer)
                spec = resolve_loss(recipe, self.loss)
                batch = self.batch_size or recipe.defaults.batch_size
                if self.mini_batch_size is not None and not spec.cached:
                    cached = [name for name in recipe.losses if LOSSES[name].cached]
                    problems.append(
                        f"mini_batch_size: {spec.name} does not embed in mini-batches; leave it empty, or choose "
                        + (f"a cached loss ({allowed_list(cached)})" if cached else "a trainer type with a cached loss")
                    )
                if spec.label_batches and (batch < 4 or batch % 2):
                    problems.append(
                        f"batch_size: {batch} does not suit {spec.name}, whose batches hold pairs of texts of one label; "
                        "use an even number of 4 or more, e.g. 16"
                    )
            except ConfigError as exc:
                problems.append(str(exc).rstrip("."))
        for name in ("lr", "epochs", "batch_size", "gradient_accumulation", "max_seq_length", "num_negatives", "mini_batch_size"):
            value = getattr(self, name)
            need(value is None or (value > 0 and math.isfinite(value)), f"{name}: {value} must be greater than 0")
        need(0 <= self.mining_margin < 1, f"mining_margin: {self.mining_margin} must be in [0, 1), e.g. {MINING_MARGIN}")
        need(0 <= self.warmup_ratio < 1, f"warmup_ratio: {self.warmup_ratio} must be in [0, 1)")
        need(0 < self.validation_fraction < 1, f"validation_fraction: {self.validation_fraction} must be in (0, 1)")
        need(self.weight_decay >= 0, f"weight_decay: {self.weight_decay} must be 0 or more")
        need(self.max_grad_norm > 0, f"max_grad_norm: {self.max_grad_norm} must be greater than 0")
        need(self.max_samples is None or self.max_samples > 0, f"max_samples: {self.max_samples} must be greater than 0")
        need(self.logging_steps == -1 or self.logging_steps > 0, f"logging_steps: {self.logging_steps} must be -1 (auto) or > 0")
        need(self.eval_steps is None or self.eval_steps > 0, f"eval_steps: {self.eval_steps} must be greater than 0")
        need(self.save_total_limit >= 1, f"save_total_limit: {self.save_total_limit} must be 1 or more")
        need(
            self.eval_strategy in EVAL_STRATEGIES,
            f"eval_strategy: '{self.eval_strategy}' is not allowed. Allowed: {allowed_list(EVAL_STRATEGIES)}",
        )
        need(
            self.mixed_precision in PRECISIONS,
            f"mixed_precision: '{self.mixed_precision}' is not allowed. Allowed: {allowed_list(PRECISIONS)}",
        )
        need(self.log in LOGGERS, f"log: '{self.log}' is not allowed. Allowed: {allowed_list(LOGGERS)}")
        if self.log in LOGGERS and self.log != "none" and importlib.util.find_spec(self.log) is None:
            problems.append(f"log: '{self.log}' is not installed; run `pip install {self.log}` or use --log none")
        if self.early_stopping_patience is not None:
            need(self.early_stopping_patience >= 1, "early_stopping_patience: must be 1 or more (or left out)")
            need(self.eval_strategy != "no", "early_stopping_patience: needs evaluation; set eval_strategy to steps or epoch")
        if self.score_min is not None or self.score_max is not None:
            need(
                self.score_min is not None and self.score_max is not None and self.score_min < self.score_max,
                f"score_min/score_max: declare both, with score_min < score_max (got {self.score_min}, {self.score_max})",
            )
        if self.matryoshka_dims is not None:
            dims = self.matryoshka_dims
            need(
                len(dims) > 0 and all(d > 0 for d in dims) and len(set(dims)) == len(dims),
                f"matryoshka_dims: {dims} must be distinct positive sizes, e.g. 384,256,128,64",
            )
        if self.lora:
            need(importlib.util.find_spec("peft") is not None, PEFT_MISSING)
            need(self.lora_rank >= 1, f"lora_rank: {self.lora_rank} must be 1 or more, e.g. 16")
            need(self.lora_alpha > 0, f"lora_alpha: {self.lora_alpha} must be greater than 0, e.g. 32")
            need(0 <= self.lora_dropout < 1, f"lora_dropout: {self.lora_dropout} must be in [0, 1), e.g. 0.1")
        problems += _check_optimizer(self.optimizer, self.scheduler)
        problems += _check_precision(self.mixed_precision)
        if problems:
            raise ConfigError("; ".join(problems) + ".")
        return self


_FIELDS = {f.name: f for f in fields(TrainConfig)}


def load_config(path: str | Path) -> TrainConfig:
    """Read a YAML config file (ours, or AutoTrain's nested form)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}' not found; check the path given to --config")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file '{path}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file '{path}' must hold a mapping of setting: value, not {type(data).__name__}")
    return TrainConfig.from_dict(data)


# ---------------------------------------------------------------------- helpers
def _flatten_autotrain(data: dict[str, Any]) -> dict[str, Any]:
    """Turn AutoTrain's nested YAML (task/base_model/data/params/hub) into our flat keys."""
    if not any(k in data for k in ("task", "base_model", "params", "hub")) and not isinstance(data.get("data"), dict):
        return data
    flat: dict[str, Any] = {}
    task = str(data.pop("task", ""))
    if ":" in task:
        flat["trainer"] = task.split(":", 1)[1]
    if "base_model" in data:
        flat["model"] = data.pop("base_model")
    section = data.pop("data", None) or {}
    if "path" in section:
        flat["data_path"] = section.pop("path")
    flat.update(section.pop("column_mapping", None) or {})
    flat.update(section)
    flat.update(data.pop("params", None) or {})
    flat.update(data.pop("hub", None) or {})
    flat.update(data)  # project_name, log, backend, ...
    return flat


@dataclass(frozen=True)
class FieldType:
    """A TrainConfig field's type, read from its annotation (typing.get_type_hints), not from its text."""

    base: type  # str, int, float, bool or list
    item: type | None  # a list's item type
    optional: bool  # None is allowed (an empty value means None)


@functools.cache
def field_types() -> dict[str, FieldType]:
    """{field name: FieldType} for every TrainConfig field."""
    out = {}
    for name, hint in typing.get_type_hints(TrainConfig).items():
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), hint)
        item = (typing.get_args(base) or (None,))[0]
        out[name] = FieldType(typing.get_origin(base) or base, item, optional)
    return out


def field_info(name: str) -> dict[str, Any]:
    """help, label, group and choices of a TrainConfig field (its metadata), the label filled in from the name."""
    info = dict(_FIELDS[name].metadata)
    info["label"] = info.get("label") or name.replace("_", " ").capitalize()
    return info


def fields_in(group: str) -> tuple[str, ...]:
    """The TrainConfig fields of a form group, in declaration order."""
    return tuple(f.name for f in fields(TrainConfig) if f.metadata.get("group") == group)


def is_empty(value: Any) -> bool:
    """The one rule for "no value": None, or text that is empty or says none/null (after stripping)."""
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def _coerce(name: str, value: Any) -> Any:
    """Coerce a YAML, CLI or form value to the field's type; ValueError names what was expected."""
    kind = field_types()[name]
    if name == "mixed_precision" and (is_empty(value) or str(value).lower() in ("no", "fp32", "false")):
        return "no"
    if is_empty(value):
        if kind.optional:
            return None
        if value is None or kind.base is not str:
            raise ValueError("a value is required")
    if kind.base is list:
        items = value if isinstance(value, list) else str(value).split(",")
        items = [str(v).strip() for v in items if str(v).strip()]
        if kind.item is int:
            try:
                return [int(v) for v in items]
            except ValueError:
                raise ValueError(f"'{value}' is not a comma-separated list of integers, e.g. 384,256,128,64") from None
        return items or None
    if kind.base is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"'{value}' is not true or false")
    if kind.base is int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a whole number") from None
        if not number.is_integer():
            raise ValueError(f"'{value}' is not a whole number")
        return int(number)
    if kind.base is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a number") from None
    return str(value)


def _check_optimizer(optimizer: str, scheduler: str) -> list[str]:
    from transformers.trainer_utils import SchedulerType
    from transformers.training_args import OptimizerNames

    problems = []
    optimizers = [o.value for o in OptimizerNames]
    if optimizer not in optimizers:
        problems.append(f"optimizer: '{optimizer}' is not allowed. Allowed: {allowed_list(optimizers)}")
    schedulers = [s.value for s in SchedulerType]
    if scheduler not in schedulers:
        problems.append(f"scheduler: '{scheduler}' is not allowed. Allowed: {allowed_list(schedulers)}")
    return problems


def resolve_precision(precision: str) -> str:
    """The precision a run uses: `auto` is bf16 on a CUDA GPU that supports it, else fp32 ("no").

    fp16 is never chosen by itself: it needs loss scaling and can overflow; bf16 has fp32's range.
    """
    if precision != "auto":
        return precision
    import torch

    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


def _check_precision(precision: str) -> list[str]:
    if precision not in ("fp16", "bf16"):
        return []
    import torch

    if not torch.cuda.is_available():
        return [f"mixed_precision: '{precision}' needs a CUDA GPU and this machine has none; use --mixed-precision no"]
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        return ["mixed_precision: 'bf16' is not supported by this GPU; use fp16 or no"]
    return []
