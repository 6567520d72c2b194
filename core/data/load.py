"""From a config to checked, prepared data: read the splits, choose the trainer and roles, prepare.

This is the one entry point the training job and the UI share; the steps live in core.data.tables,
core.data.roles and core.data.prepare.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import TrainConfig
from core.data.prepare import Prepared, label_keys, prepare_data
from core.data.roles import negative_named, suggest_roles, suggest_trainer, suggestion_reason
from core.data.tables import read_source
from core.recipes import ROLE_FIELDS, LossSpec, Recipe, get_recipe, resolve_loss

__all__ = ["TrainingData", "count_classes", "load_training_data", "roles_for"]


@dataclass
class TrainingData:
    recipe: Recipe
    loss: LossSpec
    mapping: dict[str, str | None]
    prepared: Prepared

    @property
    def report(self) -> dict:
        return self.prepared.report

    def texts(self, *, validation: bool = False, distinct: bool = True) -> list:
        """The texts of every text role of the training rows (and the validation rows), in order; `distinct`: each
        text once."""
        frames = (self.prepared.train, self.prepared.valid) if validation else (self.prepared.train,)
        texts = [t for frame in frames for role in self.recipe.roles for t in frame[role]]
        return list(dict.fromkeys(texts)) if distinct else texts


def count_classes(df, column: str | None) -> int | None:
    """Distinct labels in `column` (1 and 1.0 are one class); None when the column is not there."""
    if not column or column not in df.columns:
        return None
    values = df[column].dropna()
    return len(label_keys(values[values.astype(str).str.strip() != ""])[0])


def roles_for(data_path: str | None, trainer: str | None) -> dict[str, str | None] | None:
    """The role -> column mapping suggested for `trainer` on the table at `data_path` (None without both).
    A file already read is not parsed again (core.data.tables keeps the last few)."""
    if not data_path or not trainer:
        return None
    df, _ = read_source(data_path, "train")
    return suggest_roles(df, get_recipe(trainer))


def load_training_data(config: TrainConfig) -> TrainingData:
    """Read, map and prepare the data named by `config`.

    The trainer type is `config.trainer`, else suggested from the table; each role's column is
    the one given, else AutoTrain's default name, else a suggestion. The report says which.

    Raises:
        DataError: unreadable data, a missing column, a bad value, too few rows.
    """
    train_df, train_info = read_source(config.data_path, config.train_split)
    valid_df, valid_info = (None, None)
    if config.valid_split:
        valid_df, valid_info = read_source(config.data_path, config.valid_split)
    trainer = config.trainer or suggest_trainer(train_df)
    recipe = get_recipe(trainer)
    suggested = suggest_roles(train_df, recipe)
    mapping, chosen_by = {}, {}
    for role in suggested:
        given = getattr(config, ROLE_FIELDS[role])
        mapping[role] = given or suggested[role]
        chosen_by[role] = "given" if given else "suggested"
    classes = count_classes(train_df, mapping.get("target")) if recipe.target == "class" else None
    loss = resolve_loss(recipe, config.loss, classes)
    score_range = (config.score_min, config.score_max) if config.score_min is not None else None
    negative_columns = config.negative_columns
    if recipe.negatives and negative_columns is None:  # further columns named negative_2, neg3, ...
        negative_columns = [c for c in negative_named(train_df.columns) if c not in mapping.values()]
    prepared = prepare_data(
        train_df,
        valid_df,
        recipe,
        mapping,
        loss,
        validation_fraction=config.validation_fraction,
        seed=config.seed,
        max_samples=config.max_samples,
        score_range=score_range,
        negative_columns=negative_columns,
        num_negatives=config.num_negatives,
        batch_size=config.batch_size,
    )
    report = prepared.report
    report["trainer_chosen_by"] = "given" if config.trainer else "suggested from the columns"
    reason = "" if config.trainer else suggestion_reason(train_df, trainer, mapping)
    if reason:
        report["trainer_reason"] = reason
    for role, how in chosen_by.items():
        if role in report["mapping"]:
            report["mapping"][role]["chosen_by"] = how
    report["read"] = {"train": train_info.to_dict()} | ({"validation": valid_info.to_dict()} if valid_info else {})
    return TrainingData(recipe, loss, mapping, prepared)
