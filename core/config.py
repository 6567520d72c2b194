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
import importlib.util
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from core.catalog import DEFAULT_MODEL
from core.errors import ConfigError
from core.recipes import GROUP_BY_LABEL, allowed_list, get_recipe, resolve_loss

__all__ = ["TrainConfig", "load_config", "resolve_precision"]

EVAL_STRATEGIES = ("no", "steps", "epoch")
PRECISIONS = ("auto", "no", "fp16", "bf16")  # auto: bf16 on a GPU that has it, else fp32 (no)
LOGGERS = ("none", "tensorboard", "wandb", "mlflow")
SECRET_FIELDS = ("token",)
# AutoTrain keys that mean nothing to a local run; accepted so that its configs load unchanged.
IGNORED_KEYS = ("backend", "train")


@dataclass
class TrainConfig:
    """Everything one training run needs. Defaults are what `sbert-studio train` uses."""

    # --- data ---
    data_path: str = ""  # file, folder of {split}.csv|jsonl|parquet, or Hub dataset id[:config]
    train_split: str = "train"
    valid_split: str | None = None  # None: hold out `validation_fraction` of train
    sentence1_column: str | None = None  # None: AutoTrain's default names, else suggested
    sentence2_column: str | None = None
    sentence3_column: str | None = None
    target_column: str | None = None
    max_samples: int | None = None  # train on the first N cleaned rows only
    validation_fraction: float = 0.1
    score_min: float | None = None  # declared score range; None: observed min/max when outside 0-1
    score_max: float | None = None

    # --- model and trainer ---
    model: str = DEFAULT_MODEL  # Hub id or local folder
    trainer: str | None = None  # None: suggested from the data
    loss: str | None = None  # None: the trainer's default loss
    matryoshka_dims: list[int] | None = None  # e.g. [384, 256, 128, 64]
    max_seq_length: int = 128  # tokens; longer texts are truncated
    trust_remote_code: bool = False  # run code shipped with the model (custom architectures); off unless asked

    # --- hard negatives (pair and qa) ---
    negative_columns: list[str] | None = None  # more negative columns beside sentence3_column; None: columns named negative*
    num_negatives: int = 3  # hard negatives per training row (label-0 rows, negative columns or mined)
    mine_negatives: bool = False  # mine hard negatives with the base model before training
    mining_margin: float = 0.05  # a mined negative scores at least this share below the positive (fewer false negatives)

    # --- optimisation: None takes the trainer type's own default (core.recipes, measured in bench/) ---
    lr: float | None = None
    epochs: float | None = None
    batch_size: int | None = None
    warmup_ratio: float = 0.1
    gradient_accumulation: int = 1
    optimizer: str = "adamw_torch_fused"  # the trainer's own default since torch 2.8; faster than adamw_torch
    scheduler: str = "linear"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    group_by_length: bool = True  # batches of similar-length texts (less padding) for losses that draw plain batches
    mixed_precision: str = "auto"  # bf16 on a CUDA GPU that supports it, fp32 elsewhere (see resolve_precision)
    auto_find_batch_size: bool = False

    # --- evaluation, logging and checkpoints ---
    logging_steps: int = -1  # -1: about 50 points per run
    eval_strategy: str = "steps"
    eval_steps: int | None = None  # None: about 5 evaluations per run
    early_stopping_patience: int | None = None  # evaluations without improvement; None: off
    early_stopping_threshold: float = 0.0
    save_total_limit: int = 1
    log: str = "none"

    # --- run folder and Hub ---
    project_name: str | None = None  # the run folder; None: a new folder under the runs root
    push_to_hub: bool = False
    username: str | None = None
    token: str | None = field(default=None, repr=False)  # never written anywhere

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
                values[key] = _coerce(known[key], value)
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
        a run's config trains the same thing after the defaults change."""
        defaults = get_recipe(trainer).defaults
        return self.replace(
            trainer=trainer,
            loss=loss,
            lr=self.lr if self.lr is not None else defaults.lr,
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
                if spec.sampler == GROUP_BY_LABEL and (batch < 4 or batch % 2):
                    problems.append(
                        f"batch_size: {batch} does not suit {spec.name}, whose batches hold pairs of texts of one label; "
                        "use an even number of 4 or more, e.g. 16"
                    )
            except ConfigError as exc:
                problems.append(str(exc).rstrip("."))
        for name in ("lr", "epochs", "batch_size", "gradient_accumulation", "max_seq_length", "num_negatives"):
            value = getattr(self, name)
            need(value is None or (value > 0 and math.isfinite(value)), f"{name}: {value} must be greater than 0")
        need(0 <= self.mining_margin < 1, f"mining_margin: {self.mining_margin} must be in [0, 1), e.g. 0.05")
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
        problems += _check_optimizer(self.optimizer, self.scheduler)
        problems += _check_precision(self.mixed_precision)
        if problems:
            raise ConfigError("; ".join(problems) + ".")
        return self


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


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Coerce a YAML or CLI value to the field's type; ValueError names what was expected."""
    kind = str(f.type)
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null") and "None" in kind):
        if "None" in kind:
            return None
        if f.name == "mixed_precision":
            return "no"
        raise ValueError("a value is required")
    if f.name == "mixed_precision" and str(value).lower() in ("none", "no", "fp32", "false"):
        return "no"
    if kind.startswith("list[str]"):
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items if str(v).strip()] or None
    if kind.startswith("list[int]"):
        items = value if isinstance(value, list) else str(value).replace(" ", "").split(",")
        try:
            return [int(v) for v in items if str(v) != ""]
        except ValueError:
            raise ValueError(f"'{value}' is not a comma-separated list of integers, e.g. 384,256,128,64") from None
    if kind.startswith("bool"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"'{value}' is not true or false")
    if kind.startswith("int"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a whole number") from None
        if not number.is_integer():
            raise ValueError(f"'{value}' is not a whole number")
        return int(number)
    if kind.startswith("float"):
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
