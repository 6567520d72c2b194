"""SoftmaxLoss's classifier (pair_class with three or more classes) is saved with every checkpoint, and a resumed run
goes on with it instead of a freshly initialised one."""

from __future__ import annotations

import time

import pytest
from conftest import HANG_GUARD, rows_for, write_csv

from core.config import TrainConfig, load_config


def test_a_saved_classifier_is_loaded_back_into_a_new_loss(tmp_path, tiny_model):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import SoftmaxLoss

    from core.training.loss_head import restore_head, save_head

    model = SentenceTransformer(tiny_model)
    trained, fresh = (SoftmaxLoss(model, embedding_dimension=32, num_labels=3) for _ in range(2))
    torch.nn.init.constant_(trained.classifier.weight, 0.5)
    save_head(trained, tmp_path)
    assert restore_head(fresh, tmp_path)
    assert torch.equal(fresh.classifier.weight, trained.classifier.weight)
    assert not restore_head(fresh, tmp_path / "elsewhere")  # no file: nothing to restore, the caller is told


@pytest.mark.heavy
def test_a_stopped_softmax_run_resumes_with_the_classifier_of_its_checkpoint(tmp_path, tiny_model):
    from core.training.job import TrainingJob

    header, rows = rows_for("pair", 160)
    data = write_csv(tmp_path / "nli.csv", [*header, "label"], [[*row, "abc"[i % 3]] for i, row in enumerate(rows)])
    run = tmp_path / "run"
    config = TrainConfig(data_path=str(data), model=tiny_model, trainer="pair_class", loss="SoftmaxLoss", epochs=4, batch_size=4)
    job = TrainingJob(config, run_dir=str(run)).start()
    while job.snapshot()["step"] < 3 and job.snapshot()["state"] not in ("failed", "finished"):
        time.sleep(0.05)
    job.stop()
    assert job.wait(HANG_GUARD) and job.snapshot()["state"] == "stopped"
    checkpoints = sorted((run / "checkpoints").glob("checkpoint-*"))
    assert checkpoints and all((c / "loss_head.pt").is_file() for c in checkpoints)

    resumed = TrainingJob(load_config(run / "config.yaml"), run_dir=str(run), resume=True).run()
    assert resumed["state"] == "finished", resumed["error"]
    assert "restored the loss's classifier from checkpoint-" in (run / "log.txt").read_text(encoding="utf-8")
