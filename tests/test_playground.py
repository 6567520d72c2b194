"""The playground and the runs tab, called as plain functions on a run trained for real with the tiny model."""

from __future__ import annotations

import json
import time
import zipfile

import gradio as gr
import pytest
from conftest import HANG_GUARD, copy_run, write_csv

from core.inference.search import clean_texts
from core.runs import lock
from core.runs.index import list_runs, model_choices, run_path
from ui import playground_tab as pg
from ui import runs_tab


def quiet(*args, **kwargs):
    """Stands in for gradio's progress bar."""


@pytest.fixture
def run(runs_root, finished_run):
    """A finished pair run of the tiny model, as `r1` in this test's runs folder (a copy: tests delete it)."""
    return copy_run(finished_run("pair"), runs_root, "r1")


@pytest.mark.heavy
def test_the_picker_offers_every_finished_run_first_then_the_base_models(run, tiny_model):
    choices = model_choices()
    assert choices[0][1] == str(run / "model") and choices[0][0].startswith("run r1 (pair, ndcg@10 ")
    assert ("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2") in choices
    assert pg.pick_model(str(run / "model"))["value"] == tiny_model  # a run is compared with its own base
    assert "value" not in pg.pick_model("sentence-transformers/all-MiniLM-L6-v2")


@pytest.mark.heavy
def test_pair_similarity_from_the_picked_and_the_base_model_side_by_side(run, tiny_model):
    text = pg.compare_similarity(str(run / "model"), tiny_model, "the dog runs", "a dog is running")
    assert text.startswith("picked model **") and "base model **" in text and "change **" in text
    assert pg.compare_similarity(tiny_model, tiny_model, "the dog runs", "a cat").endswith("cosine similarity")
    with pytest.raises(gr.Error, match="the second text is empty"):
        pg.compare_similarity(tiny_model, tiny_model, "the dog runs", "  ")


def test_similarity_matrices_are_square_heatmaps(tiny_model):
    tuned, base = pg.matrices(tiny_model, tiny_model, "the dog runs\na cat sleeps\n\nthe car drives")
    assert len(tuned.data[0].z) == 3 and len(tuned.data[0].z[0]) == 3 and base is not None


@pytest.mark.heavy
def test_search_marks_rank_changes_and_reuses_the_corpus_embeddings(run, tiny_model, monkeypatch):
    from core.inference.cache import cached_model

    corpus = "\n".join(f"{s} number {i}" for i, s in enumerate(["the dog runs", "a cat sleeps", "the car drives"] * 20))
    hits, base = pg.compare_search(str(run / "model"), tiny_model, corpus, "a dog", 5, None, progress=quiet)
    assert list(hits.columns) == ["rank", "moved", "base rank", "score", "text"] and len(hits) == 5 and len(base) == 5
    assert hits["score"].is_monotonic_decreasing
    assert set(hits["moved"]) <= {"="} | {f"{a}{n}" for a in "↑↓" for n in range(1, 61)}
    model = cached_model(str(run / "model"))
    calls = []
    original = type(model).encode

    def counted(self, *args, **kwargs):  # encode_query / encode_document pass the texts as `inputs=`
        calls.append(len(kwargs.get("inputs", args[0] if args else ())))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(model), "encode", counted)
    pg.compare_search(str(run / "model"), "", corpus, "another query", 3, None, progress=quiet)
    assert calls == [1]  # only the query is encoded: the corpus embeddings were kept


@pytest.mark.heavy
def test_after_a_resume_the_playground_searches_and_compares_with_the_new_weights(runs_root, data_for, tiny_model):
    from sentence_transformers import SentenceTransformer

    from core.config import TrainConfig, load_config
    from core.training.job import TrainingJob

    run = runs_root / "grows"
    config = TrainConfig(data_path=data_for("pair", 120), model=tiny_model, trainer="pair", epochs=3, batch_size=4)
    job = TrainingJob(config, run_dir=str(run)).start()
    while job.snapshot()["step"] < 3 and job.snapshot()["state"] not in ("failed", "finished"):
        time.sleep(0.05)
    job.stop()
    assert job.wait(HANG_GUARD) and job.snapshot()["state"] == "stopped"
    corpus = "\n".join(f"{s} number {i}" for i, s in enumerate(["the dog runs", "a cat sleeps", "the car drives"] * 5))
    before = pg.compare_similarity(str(run / "model"), "", "a dog runs", "a cat sleeps")
    hits_before, _ = pg.compare_search(str(run / "model"), "", corpus, "a dog", 3, None, progress=quiet)

    resumed = TrainingJob(load_config(run / "config.yaml"), run_dir=str(run), resume=True).run()  # rewrites model/
    assert resumed["state"] == "finished"
    fresh = SentenceTransformer(str(run / "model"))
    a, b = fresh.encode(["a dog runs", "a cat sleeps"], normalize_embeddings=True)
    after = pg.compare_similarity(str(run / "model"), "", "a dog runs", "a cat sleeps")
    assert after == f"**{float(a @ b):.4f}** cosine similarity" != before  # the new weights, not the cached old ones
    hits_after, _ = pg.compare_search(str(run / "model"), "", corpus, "a dog", 3, None, progress=quiet)
    assert list(hits_after["score"]) != list(hits_before["score"])  # the corpus was encoded again, by the new model


def test_bad_corpus_and_query_get_a_message_naming_the_limit(tiny_model):
    with pytest.raises(gr.Error, match="the corpus is empty"):
        pg.compare_search(tiny_model, "", "\n \n", "q", 5, None, progress=quiet)
    with pytest.raises(gr.Error, match="the query is empty"):
        pg.compare_search(tiny_model, "", "a\nb", "   ", 5, None, progress=quiet)
    with pytest.raises(gr.Error, match="100,001 texts; the limit is 100,000"):
        pg.compare_search(tiny_model, "", "x\n" * 100_001, "q", 5, None, progress=quiet)
    assert clean_texts([" a ", None, "", "b"], "t") == ["a", "b"]


def test_a_missing_or_broken_model_folder_is_named(tmp_path):
    with pytest.raises(gr.Error, match="neither an existing folder nor a Hub id"):
        pg.compare_similarity(str(tmp_path / "gone" / "model"), "", "a", "b")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "modules.json").write_text("{not json")
    with pytest.raises(gr.Error, match=r"model '.*broken' could not be loaded.*is the folder complete\?"):
        pg.compare_similarity(str(broken), "", "a", "b")


@pytest.mark.heavy
def test_corpus_from_a_table_column_and_from_a_runs_training_texts(run, tmp_path):
    table = write_csv(tmp_path / "docs.csv", ["id", "body", "topic"], [[i, f"text {i}", i % 2] for i in range(7)])
    shown = pg.corpus_from_table(str(table), None)
    texts, column, colour = shown["corpus"], shown["corpus_column"], shown["map_colour"]
    assert texts == [f"text {i}" for i in range(7)] and column["value"] == "body" and "(clusters)" in colour["choices"]
    texts, note = pg.corpus_from_run(str(run / "model"))
    assert len(texts) > 50 and "training texts of run `r1`" in note


@pytest.mark.heavy
def test_the_embedding_map_has_a_point_per_text_coloured_by_label_or_cluster(tiny_model, tmp_path):
    rows = [[f"the {animal} runs {i}", animal] for i, animal in enumerate(["dog", "cat"] * 20)]
    table = write_csv(tmp_path / "docs.csv", ["body", "topic"], rows)
    texts = pg.corpus_from_table(str(table), "body")["corpus"]
    by_label = pg.draw_map(tiny_model, "", texts, "topic", str(table))
    assert sorted(trace.name for trace in by_label.data) == ["cat", "dog"]
    assert sum(len(trace.x) for trace in by_label.data) == 40
    clusters = pg.draw_map(tiny_model, "\n".join(texts), None, "(clusters)", None)
    assert all(trace.name.startswith("cluster ") for trace in clusters.data)


@pytest.mark.heavy
def test_runs_tab_lists_compares_zips_reloads_and_deletes_with_confirmation(run, tmp_path):
    from ui.layout import build_page

    table = runs_tab.runs_table()
    row = table.iloc[0]
    assert (row["run"], row["trainer"], row["state"], row["metric"]) == ("r1", "pair", "finished", "ndcg@10")
    assert row["before"] is not None and row["after"] is not None
    figure = runs_tab.curves(["r1"])
    assert figure.data[0].x[0] == 0  # each curve starts at its baseline
    archive = runs_tab.download("r1")
    assert "model/modules.json" in zipfile.ZipFile(archive).namelist()
    form = build_page().form
    updates = runs_tab.load_into_form(form, "r1")
    assert updates[form.components["model"]] == run_config_model(run) and updates[form.components["project_name"]] == ""
    with pytest.raises(gr.Error, match="tick “Yes, delete it”"):
        runs_tab.delete("r1", False)
    assert run.is_dir()
    runs_tab.delete("r1", True)
    assert not run.exists() and runs_tab.runs_table().empty
    with pytest.raises(gr.Error, match="run 'r1' is not in .*refresh the list"):
        runs_tab.open_in_playground("r1")


def run_config_model(run) -> str:
    import yaml

    return yaml.safe_load((run / "config.yaml").read_text())["model"]


def test_a_run_whose_process_died_shows_as_interrupted(runs_root):
    folder = runs_root / "crashed"
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({"state": "training", "pid": 2**22 + 12345, "created_at": 1.0}))
    (runs_root / "alive").mkdir()
    (runs_root / "alive" / "status.json").write_text(json.dumps({"state": "training", "pid": 2**22 + 12346}))
    held, _ = lock.acquire(runs_root / "alive", "console", root=runs_root)  # a run that works holds the machine's lock
    try:
        states = {r["run"]: r["state"] for r in list_runs()}
    finally:
        lock.release(held)
    assert states == {"crashed": "interrupted", "alive": "training"}
    assert {r["run"]: r["state"] for r in list_runs()}["alive"] == "interrupted"  # its lock given back, it works no more


def test_run_names_cannot_point_outside_the_runs_folder(runs_root):
    for name in ("../etc", "a/b", "..", ""):
        with pytest.raises(Exception, match="not a run name"):
            run_path(name)


def test_deleting_a_run_drops_its_loaded_model_however_the_path_is_written_and_only_its_own(tiny_model, tmp_path, monkeypatch):
    import shutil

    from core.inference import cache as model_cache

    for name in ("demo", "demo-2"):
        shutil.copytree(tiny_model, tmp_path / "runs" / name / "model")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(model_cache, "KEEP", 4)
    model_cache.cached_model("runs/demo/model")  # the picker may hold a relative path
    model_cache.cached_model(str(tmp_path / "runs" / "demo-2" / "model"))
    model_cache.forget(tmp_path / "runs" / "demo")  # the Runs tab deletes by absolute path
    assert model_cache.peek_model("runs/demo/model") is None
    assert model_cache.peek_model(str(tmp_path / "runs" / "demo-2" / "model")) is not None
    model_cache.forget("runs/demo-2")
    assert model_cache.peek_model(str(tmp_path / "runs" / "demo-2" / "model")) is None
