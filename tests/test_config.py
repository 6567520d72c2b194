"""The run configuration: AutoTrain's names, YAML round trip, and every bad value named with its fix."""

from __future__ import annotations

import pytest
import yaml

from core.catalog import DEFAULT_MODEL
from core.config import TrainConfig, load_config
from core.errors import ConfigError


def valid(**changes) -> TrainConfig:
    return TrainConfig(data_path="data.csv", **changes)


def test_defaults_are_valid_and_use_the_bundled_model():
    config = valid().check()
    assert config.model == DEFAULT_MODEL
    assert config.mixed_precision == "auto"


def test_yaml_round_trip_keeps_every_value(tmp_path):
    config = valid(trainer="triplet", lr=1e-4, epochs=2, matryoshka_dims=[32, 16], valid_split="valid", max_samples=100)
    path = tmp_path / "run.yaml"
    path.write_text(config.to_yaml())
    assert load_config(path) == config


def test_the_token_is_never_serialised():
    config = valid(token="hf_secret_value")
    assert "hf_secret_value" not in config.to_yaml()
    assert "token" not in config.to_dict()
    assert "hf_secret_value" not in repr(config)


def test_autotrain_nested_yaml_is_understood(tmp_path):
    path = tmp_path / "autotrain.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "task": "sentence-transformers:pair_score",
                "base_model": "microsoft/mpnet-base",
                "project_name": "my-run",
                "log": "none",
                "backend": "local",
                "data": {
                    "path": "sentence-transformers/stsb",
                    "train_split": "train",
                    "valid_split": "validation",
                    "column_mapping": {
                        "sentence1_column": "sentence1",
                        "sentence2_column": "sentence2",
                        "target_column": "score",
                    },
                },
                "params": {"max_seq_length": 512, "epochs": 5, "batch_size": 8, "lr": 2e-5, "mixed_precision": "none"},
                "hub": {"username": "me", "token": "hf_x", "push_to_hub": False},
            }
        )
    )
    config = load_config(path)
    assert (config.trainer, config.model, config.data_path) == (
        "pair_score",
        "microsoft/mpnet-base",
        "sentence-transformers/stsb",
    )
    assert (config.valid_split, config.target_column, config.epochs, config.batch_size) == ("validation", "score", 5, 8)
    assert config.mixed_precision == "no"
    assert config.token == "hf_x"


def test_cli_strings_are_coerced_to_field_types():
    config = TrainConfig.from_dict(
        {"lr": "3e-5", "epochs": "3", "batch-size": "8", "matryoshka-dims": "64,32", "valid-split": "none"}
    )
    assert (config.lr, config.epochs, config.batch_size, config.matryoshka_dims, config.valid_split) == (
        3e-5,
        3.0,
        8,
        [64, 32],
        None,
    )


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"trainer": "pairs"}, ["trainer: 'pairs'", "pair, qa, triplet", "Did you mean 'pair'"]),
        ({"trainer": "pair", "loss": "CoSENTLoss"}, ["loss: 'CoSENTLoss'", "MultipleNegativesRankingLoss"]),
        ({"optimizer": "adamw_fast"}, ["optimizer: 'adamw_fast'", "adamw_torch"]),
        ({"scheduler": "linearly"}, ["scheduler: 'linearly'", "cosine"]),
        ({"mixed_precision": "fp8"}, ["mixed_precision: 'fp8'", "no, fp16, bf16"]),
        ({"eval_strategy": "always"}, ["eval_strategy: 'always'", "no, steps, epoch"]),
        ({"log": "neptune"}, ["log: 'neptune'", "tensorboard"]),
        ({"lr": 0.0}, ["lr: 0.0 must be greater than 0"]),
        ({"epochs": -1.0}, ["epochs: -1.0 must be greater than 0"]),
        ({"batch_size": 0}, ["batch_size: 0 must be greater than 0"]),
        ({"matryoshka_dims": [64, 64]}, ["matryoshka_dims"]),
        ({"early_stopping_patience": 2, "eval_strategy": "no"}, ["early_stopping_patience", "needs evaluation"]),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed(changes, named):
    with pytest.raises(ConfigError) as err:
        valid(**changes).check()
    for text in named:
        assert text in str(err.value)


def test_several_problems_are_reported_together():
    with pytest.raises(ConfigError) as err:
        TrainConfig(lr=-1, batch_size=0).check()
    message = str(err.value)
    assert "data_path: missing" in message and "lr: -1" in message and "batch_size: 0" in message


def test_unknown_settings_are_refused_with_a_suggestion():
    with pytest.raises(ConfigError, match="unknown setting 'learning_rate'"):
        TrainConfig.from_dict({"learning_rate": 1e-5})
    with pytest.raises(ConfigError, match="did you mean 'batch_size'"):
        TrainConfig.from_dict({"batch_sise": 8})


def test_a_value_of_the_wrong_type_names_the_field():
    with pytest.raises(ConfigError, match="lr: 'fast' is not a number"):
        TrainConfig.from_dict({"lr": "fast"})
    with pytest.raises(ConfigError, match="batch_size: '8.5' is not a whole number"):
        TrainConfig.from_dict({"batch_size": "8.5"})


def test_a_missing_or_broken_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file .* not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


@pytest.mark.parametrize("batch_size", [3, 5])
def test_a_batch_size_the_label_grouped_sampler_cannot_use_is_refused_with_the_fix(batch_size):
    with pytest.raises(
        ConfigError, match=rf"batch_size: {batch_size} does not suit BatchAllTripletLoss.*even number of 4 or more"
    ):
        valid(trainer="single_class", loss="BatchAllTripletLoss", batch_size=batch_size).check()
    valid(trainer="single_class", batch_size=batch_size).check()  # the default loss draws no label groups


@pytest.mark.heavy
def test_a_suggested_trainer_is_checked_once_known(tmp_path, tiny_model):
    from conftest import rows_for, write_csv

    from core.training.job import TrainingJob

    header, rows = rows_for("single_class")
    path = write_csv(tmp_path / "topics.csv", header, rows)
    final = TrainingJob(TrainConfig(data_path=str(path), model=tiny_model, loss="BatchHardTripletLoss", batch_size=5),
                        run_dir=str(tmp_path / "run")).run()  # fmt: skip
    assert final["state"] == "failed" and "batch_size: 5 does not suit BatchHardTripletLoss" in final["error"]
