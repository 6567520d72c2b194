"""Memory helpers for large models: gradient checkpointing, and the Cached losses' mini-batch size."""

from __future__ import annotations

import pytest
import yaml

from core.config import TrainConfig
from core.errors import ConfigError
from core.recipes import LOSSES
from core.training.arguments import training_arguments
from core.training.defaults import resolve_defaults
from core.training.job import TrainingJob
from core.training.losses import build_loss


def test_a_mini_batch_size_for_a_loss_that_does_not_use_one_is_refused_naming_the_losses_that_do():
    with pytest.raises(ConfigError, match=r"mini_batch_size: MultipleNegativesRankingLoss does not embed in mini-batches"):
        TrainConfig(data_path="x.csv", trainer="pair", mini_batch_size=8).check()
    with pytest.raises(ConfigError, match="CachedMultipleNegativesRankingLoss, CachedGISTEmbedLoss"):
        TrainConfig(data_path="x.csv", trainer="qa", mini_batch_size=8).check()
    TrainConfig(data_path="x.csv", trainer="pair", loss="CachedMultipleNegativesRankingLoss", mini_batch_size=8).check()


def test_the_cached_loss_embeds_in_mini_batches_of_the_size_asked(tiny_model):
    from core.inference.models import load_model

    model = load_model(tiny_model)
    assert build_loss(LOSSES["CachedMultipleNegativesRankingLoss"], model, mini_batch_size=4).mini_batch_size == 4
    assert build_loss(LOSSES["CachedMultipleNegativesRankingLoss"], model).mini_batch_size == 32  # the library's own


@pytest.mark.heavy
def test_gradient_checkpointing_reaches_the_trainer_and_a_run_with_both_helpers_trains(tiny_model, data_for, tmp_path):
    config = TrainConfig(
        data_path=data_for("pair", 80),
        model=tiny_model,
        trainer="pair",
        loss="CachedMultipleNegativesRankingLoss",
        mini_batch_size=4,
        gradient_checkpointing=True,
        batch_size=16,
    )
    args = training_arguments(
        resolve_defaults(config, "pair", "CachedMultipleNegativesRankingLoss"), output_dir=str(tmp_path / "c"), logging_steps=1,
        eval_steps=1, primary_key="valid_cosine_ndcg@10", greater_is_better=True, sampler="no_duplicates",
        cpu_processes=False, progress_bar=False,
    )  # fmt: skip
    assert args.gradient_checkpointing is True
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    recorded = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert recorded["gradient_checkpointing"] is True and recorded["mini_batch_size"] == 4
