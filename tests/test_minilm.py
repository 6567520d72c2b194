"""The real default model, all-MiniLM-L6-v2 from the bundled package, on a slice of STS Benchmark."""

from __future__ import annotations

import pytest

from core.catalog import DEFAULT_MODEL
from core.config import TrainConfig
from core.training.job import TrainingJob


@pytest.mark.slow
def test_minilm_fine_tuned_on_stsb_beats_its_baseline_on_dev(shared_data, tmp_path):
    # STS-B is ordered by genre: every 8th train pair (719) and every 3rd dev pair (500) cover them all
    folder = tmp_path / "stsb"
    folder.mkdir()
    train = (shared_data / "stsb" / "stsb-en-train.csv").read_text(encoding="utf-8").splitlines()[::8]
    (folder / "train.csv").write_text("\n".join(train) + "\n", encoding="utf-8")
    dev = (shared_data / "stsb" / "stsb-en-dev.csv").read_text(encoding="utf-8").splitlines()[::3]
    (folder / "dev.csv").write_text("\n".join(dev) + "\n", encoding="utf-8")
    # the studio's own defaults (batch, lr, epochs, length-grouped batches): what a person gets
    config = TrainConfig(
        data_path=str(folder), valid_split="dev", model=DEFAULT_MODEL, trainer="pair_score",
        score_min=0, score_max=5, eval_strategy="no",
    )  # fmt: skip
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    assert final["primary_key"] == "valid_spearman_cosine"
    assert 0.8 < final["baseline"] < 0.92  # all-MiniLM-L6-v2 is already good at STS (about 0.88 here)
    assert final["final"] > final["baseline"]
    model_card = (tmp_path / "run" / "model" / "README.md").read_text(encoding="utf-8")
    assert "CoSENTLoss" in model_card and "sentence-transformers" in model_card
