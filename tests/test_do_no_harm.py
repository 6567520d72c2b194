"""Per-trainer defaults recorded in config.yaml, a single_class metric that can tell better from worse, and
a run that does not beat its base model: said plainly, and never handed out worse than the base model."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import HANG_GUARD, copy_run, sentences

from core.config import TrainConfig, load_config
from core.recipes import RECIPES
from core.training.defaults import resolve_defaults
from core.training.job import TrainingJob
from core.training.label_neighbours import LabelNeighboursEvaluator

FAST = {"batch_size": 8, "max_seq_length": 32, "epochs": 1}


def test_unset_values_take_the_trainer_type_s_defaults_and_set_values_win():
    for trainer, recipe in RECIPES.items():
        resolved = resolve_defaults(TrainConfig(), trainer, recipe.default_loss)
        defaults = recipe.defaults
        assert (resolved.trainer, resolved.loss) == (trainer, recipe.default_loss)
        assert (resolved.lr, resolved.epochs, resolved.batch_size) == (defaults.lr, defaults.epochs, defaults.batch_size)
        assert resolve_defaults(resolved, trainer, recipe.default_loss) == resolved  # resolving again changes nothing
    mine = resolve_defaults(TrainConfig(lr=3e-4, batch_size=8, epochs=1), "pair", RECIPES["pair"].default_loss)
    assert (mine.lr, mine.batch_size, mine.epochs) == (3e-4, 8, 1)


@pytest.mark.heavy
def test_a_run_records_its_suggested_trainer_and_that_trainer_s_defaults_in_config_yaml(data_for, tiny_model, tmp_path):
    config = TrainConfig(data_path=data_for("triplet"), model=tiny_model, max_seq_length=32)  # trainer, lr, ... unset
    run = tmp_path / "run"
    final = TrainingJob(config, run_dir=str(run)).run()
    assert final["state"] == "finished", final["error"]
    recorded = yaml.safe_load((run / "config.yaml").read_text())
    defaults = RECIPES["triplet"].defaults
    assert recorded["trainer"] == "triplet" and recorded["loss"] == RECIPES["triplet"].default_loss
    assert (recorded["lr"], recorded["epochs"], recorded["batch_size"]) == (defaults.lr, defaults.epochs, defaults.batch_size)
    # re-running the recorded config trains the same thing whatever the defaults become
    assert resolve_defaults(load_config(run / "config.yaml"), "triplet", recorded["loss"]) == load_config(run / "config.yaml")


class Encoder:
    """A fixed text -> vector table (a stand-in for a model's encode)."""

    def __init__(self, vectors: dict[str, list[float]]):
        self.vectors = vectors
        self.model_card_data = SimpleNamespace(set_evaluation_metrics=lambda *args: None)

    def encode(self, texts, **_):
        out = np.array([self.vectors[t] for t in texts], dtype=float)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_label_neighbours_rise_when_classes_separate_and_fall_when_they_mix():
    reference = [f"r{i}" for i in range(20)]
    labels = ["a" if i % 2 else "b" for i in range(20)]
    queries, query_labels = ["qa", "qb"], ["a", "b"]
    near_a, near_b = [1.0, 0.05], [0.05, 1.0]
    separated = {t: (near_a if lab == "a" else near_b) for t, lab in zip(reference, labels, strict=True)}
    swapped = {t: (near_b if lab == "a" else near_a) for t, lab in zip(reference, labels, strict=True)}
    evaluator = LabelNeighboursEvaluator(queries, query_labels, reference, labels, name="valid")
    assert evaluator.primary_metric == "ndcg@10"
    good = evaluator(Encoder(separated | {"qa": near_a, "qb": near_b}))
    bad = evaluator(Encoder(swapped | {"qa": near_a, "qb": near_b}))
    assert good["valid_knn_accuracy"] == 1.0 and good["valid_ndcg@10"] == pytest.approx(1.0)
    assert bad["valid_knn_accuracy"] == 0.0 and bad["valid_ndcg@10"] == 0.0


def misleading_data(folder) -> str:
    """Training rows that teach the opposite of the validation rows: a sentence and the same sentence with a
    word added score 0, two unrelated sentences 1; validation scores them the right way round. Any base
    model ranks the near-copies closer, so training can only make it worse on validation."""
    texts = sentences(120)
    folder.mkdir(parents=True, exist_ok=True)

    def rows(part, right_way):
        near = [(t, t.rstrip(".") + " today.", 1.0 if right_way else 0.0) for t in part[::2]]
        far = [(a, b, 0.0 if right_way else 1.0) for a, b in zip(part[::2], part[1::2][::-1], strict=True)]
        return pd.DataFrame(near + far, columns=["sentence1", "sentence2", "score"])

    rows(texts[:100], right_way=False).to_csv(folder / "train.csv", index=False)
    rows(texts[100:], right_way=True).to_csv(folder / "valid.csv", index=False)
    return str(folder)


def worse_run(folder, model: str, **where) -> TrainConfig:
    data = misleading_data(folder / "data")
    return TrainConfig(
        data_path=data, valid_split="valid", model=model, trainer="pair_score", lr=1e-3, epochs=3, batch_size=8,
        max_seq_length=32, **where,
    )  # fmt: skip


@pytest.fixture(scope="module")
def worse(tmp_path_factory, tiny_model):
    """A finished run that made the model worse (trained once for this file): its folder and final snapshot."""
    folder = tmp_path_factory.mktemp("worse")
    run = folder / "run"
    final = TrainingJob(worse_run(folder, tiny_model), run_dir=str(run)).run()
    assert final["state"] == "finished", final["error"]
    return run, final


@pytest.mark.heavy
def test_a_run_that_makes_the_model_worse_saves_the_base_model_and_says_so(worse, tiny_model):
    from sentence_transformers import SentenceTransformer

    from core.inference.models import load_model

    run, _ = worse
    status = json.loads((run / "status.json").read_text())
    assert status["warning"].startswith("training did not beat the base model on your validation data: spearman")
    assert "the saved model is the base model, unchanged" in status["warning"]
    assert "Try a lower learning rate (--lr 0.0002)" in status["warning"]
    # one figure: the saved model's, the baseline; the discarded weights' score is kept apart
    assert status["kept_base"] is True and status["final"] == status["baseline"] > status["trained"]
    assert "warning: training did not beat the base model" in (run / "log.txt").read_text()
    texts = ["a man plays a guitar", "the dog runs in the park"]
    saved = SentenceTransformer(str(run / "model")).encode(texts)
    base = load_model(tiny_model, max_seq_length=32).encode(texts)
    assert np.allclose(saved, base, atol=1e-5)


@pytest.mark.heavy
def test_the_warning_reaches_the_playground_the_hub_tab_and_the_model_card(worse, runs_root):
    from core.hub.push import enrich_model_card
    from core.runs.index import model_choices, run_warning
    from ui.hub_tab import run_note
    from ui.playground_tab import model_note

    run = copy_run(worse[0], runs_root, "worse")
    model_ref = str(run / "model")
    assert run_warning(model_ref).startswith("training did not beat the base model")
    assert model_note(model_ref).startswith("**Warning:** training did not beat the base model")
    assert run_note(run.name).startswith("**Warning:** training did not beat the base model")
    assert any("no gain over the base model" in label for label, ref in model_choices() if ref == model_ref)
    assert "**Warning**: training did not beat" in enrich_model_card(run).read_text()


@pytest.mark.heavy
def test_every_surface_shows_the_kept_base_model_s_figure_not_the_discarded_weights(worse, runs_root):
    from core.hub.push import enrich_model_card
    from core.runs.folder import RunFolder
    from core.runs.index import model_choices
    from core.runs.progress import before_after, metric_series
    from ui import runs_tab
    from ui.plots import metric_figure

    run = copy_run(worse[0], runs_root, "worse")
    status = json.loads((run / "status.json").read_text())
    baseline, trained = status["baseline"], status["trained"]
    events = RunFolder(run).read_metrics()
    series = metric_series(events)
    assert series["final"][1] == baseline and series["kept_base"]  # the Train tab's star
    primary = before_after(events, status["primary_key"])[0]
    assert primary["after"] == primary["before"] == baseline and primary["change"] == 0  # its before -> after table
    star = metric_figure(series, "spearman", baseline)["data"][-1]
    assert star["name"] == "saved model: the base model, kept" and star["y"] == [baseline]
    curve_star = runs_tab.curves(["worse"]).data[-1]
    assert curve_star.name == "worse: the base model, kept" and list(curve_star.y) == [baseline]  # the Runs tab's curves
    row = runs_tab.runs_table().set_index("run").loc["worse"]
    assert row["after"] == round(baseline, 4) and row["saved model"] == "base model, kept"  # the Runs tab
    (label,) = [label for label, ref in model_choices() if ref == str(run / "model")]
    assert f"{baseline:.3f}, base model kept)" in label and f"{trained:.3f}" not in label  # the Playground picker
    card = enrich_model_card(run).read_text()
    assert "**base model, kept**" in card and f"scored {trained:.4f}" in card  # the model card (the Hub tab pushes it)


@pytest.mark.heavy
def test_a_stopped_run_is_judged_on_its_last_evaluation_and_keeps_the_base_model_when_it_lost(tiny_model, tmp_path):
    from sentence_transformers import SentenceTransformer

    from core.inference.models import load_model
    from core.runs.folder import RunFolder

    run = tmp_path / "run"
    config = worse_run(tmp_path, tiny_model).replace(epochs=100, eval_steps=5)
    job = TrainingJob(config, run_dir=str(run)).start()
    folder = RunFolder(run)

    def lost() -> bool:
        trained, baseline = [e for e in folder.evaluations() if e["step"] > 0], job.snapshot().get("baseline")
        return bool(trained) and baseline is not None and trained[-1]["primary"] < baseline

    while not lost():
        assert job.snapshot()["state"] not in ("failed", "finished"), job.snapshot()
        time.sleep(0.05)
    job.stop()
    assert job.wait(HANG_GUARD)
    final = job.snapshot()
    assert final["state"] == "stopped" and final["kept_base"] is True
    assert final["final"] == final["baseline"] > final["trained"]
    assert "the saved model is the base model, unchanged" in final["warning"]
    texts = ["a man plays a guitar", "the dog runs in the park"]
    saved, base = SentenceTransformer(str(run / "model")), load_model(tiny_model, max_seq_length=32)
    assert np.allclose(saved.encode(texts), base.encode(texts), atol=1e-5)


@pytest.mark.heavy
def test_a_base_model_already_near_the_top_is_said_before_training(tiny_model, tmp_path):
    texts = sentences(60)
    path = tmp_path / "same.csv"
    pd.DataFrame({"anchor": texts, "positive": texts}).to_csv(path, index=False)  # any model finds a copy of itself
    config = TrainConfig(data_path=str(path), model=tiny_model, trainer="pair", **FAST)
    job = TrainingJob(config, run_dir=str(tmp_path / "run"))
    final = job.run()
    assert final["baseline"] == pytest.approx(1.0)
    assert final["notice"].startswith("the base model already scores 1.000 (ndcg@10) on your validation data")
    log = (tmp_path / "run" / "log.txt").read_text()
    assert log.index("notice: the base model already scores") < log.index("state: training")
