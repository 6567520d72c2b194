"""The run's schema: one dataclass that the YAML file, the CLI flags and the form are views of.

Field names follow AutoTrain's sentence-transformers trainer so that its configs and commands
carry over; the studio adds `loss`, `validation_fraction`, `score_min`/`score_max`,
`matryoshka_dims` and `eval_steps`. Each field carries what a person reads about it (help, form
label, form group) as metadata. Reading and writing YAML is `core.config.files`; the value checks are
`core.config.checks`; what the machine must have for a run (a GPU for fp16, peft for LoRA) is checked
where the run starts (`core.training.machine`). The Hub token is never part of `to_dict()`, so it is
never written to config.yaml.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any

from core.catalog import DEFAULT_MODEL
from core.recipes import trainer_list

__all__ = [
    "ADVANCED_GROUPS",
    "BASIC",
    "EVAL_STRATEGIES",
    "LOGGERS",
    "MINING_MARGIN",
    "PRECISIONS",
    "FieldType",
    "TrainConfig",
    "field_info",
    "field_types",
    "fields_in",
]

EVAL_STRATEGIES = ("no", "steps", "epoch")
PRECISIONS = ("auto", "no", "fp16", "bf16")  # auto: bf16 on a GPU that has it, else fp32 (no)
LOGGERS = ("none", "tensorboard", "wandb", "mlflow")
SECRET_FIELDS = ("token",)
MINING_MARGIN = 0.05  # a mined negative scores at least this share below its positive (sentence-transformers' docs)


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
    retriever: str | None = setting(
        None,
        "rerank: the search model (an embedding model: Hub id or folder) whose top results the reranker reorders; it "
        "mines the negatives and its own ranking is the baseline (default: the base model when it is an embedding "
        "model, else the default model)",
        group="negatives",
        label="Search model for rerank (empty: the base model, or the default model)",
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

    # ------------------------------------------------------------------ views and checks
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field except secrets (safe for config.yaml)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in SECRET_FIELDS}

    def to_yaml(self) -> str:
        from core.config.files import to_yaml

        return to_yaml(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from our flat keys, dashed CLI names or AutoTrain's nested YAML (core.config.files).

        Raises:
            ConfigError: an unknown key or a value of the wrong type.
        """
        from core.config.files import from_mapping

        return from_mapping(data)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def check(self) -> TrainConfig:
        """Check every value (core.config.checks); raise one ConfigError listing all problems. Returns self."""
        from core.config.checks import check

        return check(self)


_FIELDS = {f.name: f for f in fields(TrainConfig)}


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
