"""Training runs end to end for every trainer type and loss, stops cleanly, and fails truthfully."""

from __future__ import annotations

import json
import time

import pytest
from conftest import HANG_GUARD, rows_for, write_csv

from core.config import TrainConfig
from core.errors import RunFolderError
from core.recipes import RECIPES
from core.runs.folder import RunFolder
from core.training.job import TrainingJob

FAST = {"epochs": 1, "batch_size": 8, "max_seq_length": 32, "eval_steps": 3}


def train(data_path: str, model: str, run_dir, **config) -> tuple[TrainingJob, dict]:
    job = TrainingJob(TrainConfig(data_path=data_path, model=model, **(FAST | config)), run_dir=str(run_dir))
    return job, job.run()


def read_metrics(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("trainer", list(RECIPES))
@pytest.mark.heavy
def test_each_trainer_type_trains_with_its_default_loss_and_evaluator(trainer, data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    _, final = train(data_for(trainer), tiny_model, run, trainer=trainer)
    assert final["state"] == "finished", final["error"]
    assert final["loss"] == RECIPES[trainer].default_loss
    assert final["baseline"] is not None and final["final"] is not None
    assert final["primary_metric"] == RECIPES[trainer].primary_metric
    for name in ("config.yaml", "data_report.json", "status.json", "metrics.jsonl", "log.txt", "model/README.md"):
        assert (run / name).exists(), name
    from sentence_transformers import CrossEncoder, SentenceTransformer

    if RECIPES[trainer].cross_encoder:  # a reranker: one score per (query, document) pair
        assert CrossEncoder(str(run / "model")).predict([("a man plays", "a guitar"), ("a", "b")]).shape == (2,)
    else:
        assert SentenceTransformer(str(run / "model")).encode(["a man plays a guitar"]).shape == (1, 32)


OTHER_LOSSES = [(r.name, loss) for r in RECIPES.values() for loss in r.losses[1:] if r.name != "qa"]


@pytest.mark.parametrize(("trainer", "loss"), OTHER_LOSSES)
@pytest.mark.heavy
def test_every_other_offered_loss_trains(trainer, loss, data_for, tiny_model, tmp_path):
    _, final = train(data_for(trainer), tiny_model, tmp_path / "run", trainer=trainer, loss=loss, eval_strategy="no")
    assert final["state"] == "finished", final["error"]
    assert final["loss"] == loss


@pytest.mark.heavy
def test_metrics_lines_and_status_follow_the_documented_schema(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    _, final = train(data_for("pair_score", 80), tiny_model, run, trainer="pair_score", logging_steps=2)
    lines = read_metrics(run)
    assert all("step" in line for line in lines)
    evals = [line for line in lines if "primary" in line]
    losses = [line for line in lines if "loss" in line]
    assert evals[0]["step"] == 0 and "valid_spearman_cosine" in evals[0]["metrics"]
    assert evals[0]["primary"] == evals[0]["metrics"]["valid_spearman_cosine"] == final["baseline"]
    assert len(evals) >= 3 and len(losses) >= 3  # baseline, evaluation steps, final
    assert evals[-1]["primary"] == final["final"]
    status = json.loads((run / "status.json").read_text())
    assert {"state", "primary_metric", "baseline", "final", "error"} <= set(status)
    assert status["state"] == "finished" and status["error"] is None


@pytest.mark.heavy
def test_matryoshka_wraps_the_loss_and_evaluates_each_dimension(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    _, final = train(data_for("pair"), tiny_model, run, trainer="pair", matryoshka_dims=[32, 16, 8])
    assert final["state"] == "finished", final["error"]
    baseline = read_metrics(run)[0]["metrics"]
    for dim in (32, 16, 8):
        assert f"valid_dim{dim}_cosine_ndcg@10" in baseline
    assert final["baseline"] == baseline["valid_dim32_cosine_ndcg@10"]


@pytest.mark.heavy
def test_matryoshka_larger_than_the_model_fails_with_the_size_named(data_for, tiny_model, tmp_path):
    _, final = train(data_for("pair"), tiny_model, tmp_path / "run", trainer="pair", matryoshka_dims=[384, 16])
    assert final["state"] == "failed"
    assert "[384] exceed the model's embedding size 32" in final["error"]


@pytest.mark.heavy
def test_stop_ends_at_the_next_step_and_saves_the_model(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    config = TrainConfig(data_path=data_for("pair", 400), model=tiny_model, trainer="pair", epochs=20, batch_size=4)
    job = TrainingJob(config, run_dir=str(run)).start()
    deadline = time.monotonic() + HANG_GUARD  # a hang guard only
    while job.snapshot()["step"] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    assert job.wait(timeout=HANG_GUARD)
    final = job.snapshot()
    assert final["state"] == "stopped"
    assert 3 <= final["step"] < final["max_steps"]
    assert (run / "model" / "model.safetensors").exists()
    assert json.loads((run / "status.json").read_text())["state"] == "stopped"


@pytest.mark.heavy
def test_stop_before_the_baseline_saves_the_base_model_and_trains_nothing(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    job = TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair", **FAST), run_dir=str(run))
    job.stop()
    final = job.run()
    assert final["state"] == "stopped" and final["step"] == 0
    assert (run / "model" / "model.safetensors").exists()
    assert "stopped before baseline" in (run / "log.txt").read_text()


@pytest.mark.heavy
def test_an_exception_in_the_training_thread_ends_in_failed_with_the_error(data_for, tiny_model, tmp_path, monkeypatch):
    from core.training.callback import StudioCallback

    def explode(self, args, state, control, **kwargs):
        if state.global_step >= 2:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(StudioCallback, "on_step_end", explode)
    run = tmp_path / "run"
    job = TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair", **FAST), run_dir=str(run))
    job.start()
    assert job.wait(timeout=HANG_GUARD)
    final = job.snapshot()
    assert final["state"] == "failed"
    assert final["error"] == "RuntimeError: disk on fire"
    assert "Traceback" in (run / "log.txt").read_text()
    assert read_metrics(run)[0]["step"] == 0  # what was written so far is kept
    assert not (run / "model").exists()


@pytest.mark.heavy
def test_early_stopping_uses_the_primary_metric(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    _, final = train(
        data_for("pair_score", 200), tiny_model, run, trainer="pair_score", epochs=30, eval_steps=1,
        early_stopping_patience=1, early_stopping_threshold=0.5,
    )  # fmt: skip
    assert final["state"] == "finished", final["error"]
    assert final["step"] < final["max_steps"]
    checkpoints = sorted((run / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    trainer_state = json.loads((checkpoints[-1] / "trainer_state.json").read_text())
    assert trainer_state["best_metric"] is not None


@pytest.mark.heavy
def test_texts_longer_than_the_model_takes_train_after_capping_max_seq_length(tmp_path, tiny_model):
    from conftest import rows_for, write_csv

    header, rows = rows_for("pair", 40)
    rows = [[a + " " + "word " * 200, b] for a, b in rows]
    run = tmp_path / "run"
    _, final = train(str(write_csv(tmp_path / "long.csv", header, rows)), tiny_model, run, trainer="pair", max_seq_length=256)
    assert final["state"] == "finished", final["error"]
    assert "max_seq_length 256 is more than the model takes; using 64" in (run / "log.txt").read_text()


@pytest.mark.heavy
def test_a_folder_that_holds_a_run_is_never_overwritten(data_for, tiny_model, tmp_path):
    run = tmp_path / "run"
    train(data_for("pair"), tiny_model, run, trainer="pair")
    before = (run / "model" / "model.safetensors").read_bytes()
    with pytest.raises(RunFolderError, match="already holds a run"):
        TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model), run_dir=str(run))
    assert (run / "model" / "model.safetensors").read_bytes() == before


def test_a_run_without_a_folder_name_goes_under_the_runs_root(data_for, tiny_model, runs_root):
    job = TrainingJob(TrainConfig(data_path=data_for("pair"), model=tiny_model, trainer="pair", **FAST))
    assert job.run_dir.parent == runs_root and job.run_dir.name.endswith("-pair")


@pytest.mark.heavy
def test_pair_class_with_three_text_labels_scores_the_softmax_classifier(tmp_path, tiny_model):
    from conftest import rows_for, write_csv

    header, rows = rows_for("pair_class", 90)
    for i, row in enumerate(rows):
        row[2] = ("entailment", "neutral", "contradiction")[i % 3]
    run = tmp_path / "run"
    _, final = train(str(write_csv(tmp_path / "nli.csv", header, rows)), tiny_model, run, trainer="pair_class")
    assert final["state"] == "finished", final["error"]
    assert final["primary_key"] == "valid_accuracy" and 0 <= final["final"] <= 1
    report = json.loads((run / "data_report.json").read_text())
    assert report["labels"]["mapping"] == {"contradiction": 0, "entailment": 1, "neutral": 2}


@pytest.mark.heavy
def test_matryoshka_with_softmax_loss_is_refused_with_the_reason(data_for, tiny_model, tmp_path):
    _, final = train(
        data_for("pair_class"), tiny_model, tmp_path / "run", trainer="pair_class", loss="SoftmaxLoss", matryoshka_dims=[32, 16]
    )
    assert final["state"] == "failed"
    assert "SoftmaxLoss cannot be wrapped in MatryoshkaLoss" in final["error"]


@pytest.mark.heavy
def test_a_three_class_pair_run_is_judged_on_its_embeddings_from_the_baseline_on(tmp_path, tiny_model):
    header, rows = rows_for("pair_class", 90)
    path = write_csv(
        tmp_path / "nli.csv",
        header,
        [[a, b, ["entailment", "neutral", "contradiction"][i % 3]] for i, (a, b, _) in enumerate(rows)],
    )
    final = TrainingJob(
        TrainConfig(data_path=str(path), model=tiny_model, trainer="pair_class", **FAST), run_dir=str(tmp_path / "run")
    ).run()
    assert final["state"] == "finished", final["error"]
    assert final["loss"] == "SoftmaxLoss" and final["primary_key"] == "valid_accuracy"
    baseline_event = RunFolder(tmp_path / "run").read_metrics()[0]
    assert baseline_event["step"] == 0 and {"valid_accuracy", "valid_macro_f1"} <= set(baseline_event["metrics"])


def test_three_class_pairs_are_judged_by_a_probe_on_the_embeddings_high_when_they_tell_the_classes_apart():
    from types import SimpleNamespace

    import numpy as np

    from core.training.pair_probe import PairProbeEvaluator

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    labels = [i % 3 for i in range(150)]  # a pair's class: which of three directions its second text lies in
    first, second = words[:150], words[150:]

    class Encoder:
        def __init__(self, separates: bool):
            self.vectors = {w: rng.normal(size=8) for w in first}
            for i, (w, label) in enumerate(zip(second, labels, strict=True)):
                shift = np.eye(8)[label] * 4 if separates else rng.normal(size=8) * 4
                self.vectors[w] = self.vectors[first[i]] + shift
            self.model_card_data = SimpleNamespace(set_evaluation_metrics=lambda *a: None)

        def encode(self, texts, normalize_embeddings=False, **_):
            out = np.array([self.vectors[t] for t in texts])
            return out / np.linalg.norm(out, axis=1, keepdims=True) if normalize_embeddings else out

    evaluator = PairProbeEvaluator(first[:30], second[:30], labels[:30], (first[30:], second[30:], labels[30:]), name="valid")
    assert evaluator.primary_metric == "accuracy"
    good, blind = evaluator(Encoder(separates=True)), evaluator(Encoder(separates=False))
    assert good["valid_accuracy"] > 0.9 and blind["valid_accuracy"] < 0.6  # about chance (1/3) when nothing tells them apart
    assert 0 <= blind["valid_macro_f1"] <= good["valid_macro_f1"] <= 1
