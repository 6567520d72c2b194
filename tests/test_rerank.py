"""Rerankers: a CrossEncoder trained from the tables people have, measured behind the search model it reranks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import rows_for, sentences, write_csv

from core.config import TrainConfig
from core.data.prepare import prepare_data
from core.data.rerank import judged, labelled_pairs
from core.data.roles import suggest_trainer
from core.recipes import LOSSES, RECIPES
from core.training.readiness import readiness
from core.training.verdict import judge, no_gain_warning

RERANK = RECIPES["rerank"]
BCE = LOSSES[RERANK.default_loss]


def prepared(table: pd.DataFrame, **mapping):
    roles = {"sentence1": "q", "sentence2": "d", "sentence3": None, "target": None} | mapping
    return prepare_data(table, None, RERANK, roles, BCE, validation_fraction=0.25, seed=1)


def wikiqa_shape(queries: int = 12) -> pd.DataFrame:
    texts = sentences(queries * 4, seed=3)
    rows = [(f"question {i}?", texts[i * 3 + j], int(j == 0)) for i in range(queries) for j in range(3)]
    return pd.DataFrame(rows, columns=["q", "d", "label"])


def test_labelled_rows_train_as_pairs_a_query_s_answer_1_and_its_wrong_documents_0():
    data = prepared(wikiqa_shape(), target="label")
    pairs = labelled_pairs(data.train)
    assert list(pairs.columns) == ["sentence1", "sentence2", "label"]
    assert set(pairs["label"]) == {0.0, 1.0}
    assert not pairs.duplicated(subset=["sentence1", "sentence2"]).any()
    table = wikiqa_shape()
    truth = {(q, d): float(y) for q, d, y in table.itertuples(index=False)}
    assert all(truth[(q, d)] == y for q, d, y in pairs.itertuples(index=False))  # every label is the table's own
    held = set(data.valid["sentence1"])
    assert held and not held & set(pairs["sentence1"])  # validation takes whole queries


def test_a_graded_score_is_scaled_to_0_1_and_learnt_as_the_target():
    texts = sentences(40, seed=4)
    table = pd.DataFrame([(f"q{i // 4}", texts[i], i % 4 + 1) for i in range(40)], columns=["q", "d", "grade"])  # 1-4
    data = prepared(table, target="grade")
    pairs = labelled_pairs(data.train)
    assert pairs["label"].between(0, 1).all() and {0.0, 1.0} <= set(pairs["label"])
    assert "observed range 1.0-4.0" in data.report["score"]["scaled"]  # said, as pair_score says it
    relevant, other = next(iter(judged(data.valid).values()))
    assert relevant and other  # grades 3-4 (0.67, 1.0) are relevant when ranking is measured, 1-2 not


def test_given_negative_columns_become_label_0_pairs():
    texts = sentences(60, seed=5)
    table = pd.DataFrame([(f"q{i}", texts[i], texts[30 + i]) for i in range(30)], columns=["q", "d", "neg"])
    data = prepared(table, sentence3="neg")
    pairs = labelled_pairs(data.train)
    assert (pairs["label"] == 0).sum() == (pairs["label"] == 1).sum() == len(data.train)


def test_rerank_is_chosen_by_a_person_never_suggested_from_a_table(data_for):
    assert suggest_trainer(wikiqa_shape()) != "rerank"
    for trainer in RECIPES:
        header, rows = rows_for(trainer, 30)
        assert suggest_trainer(pd.DataFrame(rows, columns=header)) != "rerank", trainer


def test_pairs_without_negatives_are_mined_or_refused_when_too_few_documents_to_mine_from():
    texts = sentences(80, seed=6)
    table = pd.DataFrame([(f"q{i}", texts[i]) for i in range(40)], columns=["q", "d"])
    config = TrainConfig(trainer="rerank", num_negatives=3)
    ready = readiness(config, RERANK, prepared(table))
    assert ready.ready and any("will be mined from its 30 documents" in w for w in ready.warnings), ready.warnings
    tiny = pd.DataFrame([(f"q{i % 4}", texts[i % 4]) for i in range(12)], columns=["q", "d"])
    ready = readiness(config, RERANK, prepared(tiny))
    assert not ready.ready
    assert "too few to mine 3 negative(s) per query from (at least 5)" in ready.blockers[-1]
    assert "--sentence3-column" in ready.blockers[-1] and "--target-column" in ready.blockers[-1]


def test_the_baseline_is_the_search_model_s_own_order_of_the_candidates():
    from core.training.rerank import RerankEvaluator

    first = RerankEvaluator([{"query": "q", "positive": ["a"], "documents": ["a", "b", "c"]}], name="valid")
    last = RerankEvaluator([{"query": "q", "positive": ["a"], "documents": ["b", "c", "a"]}], name="valid")
    assert first.retriever_metrics()["valid_ndcg@10"] == pytest.approx(1.0)
    assert last.retriever_metrics()["valid_ndcg@10"] == pytest.approx(0.5)  # 1 / log2(4)
    assert set(first.retriever_metrics()) == {"valid_map", "valid_mrr@10", "valid_ndcg@10"}  # named as the reranker's


def test_a_reranker_that_loses_to_search_alone_is_kept_and_said_to_only_add_latency():
    verdict = judge(0.8, 0.7, base_is_a_model=False)
    assert not verdict.keep_base and verdict.no_gain  # there is no base reranker to fall back on
    assert judge(0.8, 0.7).keep_base  # an embedding model's base is kept
    text = no_gain_warning("ndcg@10", 0.8, 0.7, keep_base=False, lr=2e-5, negatives_tip=False, reranker=True)
    assert "0.8000 by search alone, 0.7000 reranked" in text and "would only add latency" in text


def test_search_then_rerank_reorders_the_search_hits_and_times_both_steps():
    from core.inference.rerankers import search_then_rerank

    class ByLength:  # a reranker that prefers longer texts: the order it gives is known
        def predict(self, pairs, convert_to_numpy=True):
            return [float(len(document)) for _, document in pairs]

    hits = [{"rank": i + 1, "score": 1 - i / 10, "text": t} for i, t in enumerate(["a", "ccc", "bb"])]
    out = search_then_rerank(lambda query, k: hits[:k], ByLength(), "query", top_k=3)
    assert [h["text"] for h in out["reranked"]] == ["ccc", "bb", "a"]
    assert [h["moved"] for h in out["reranked"]] == [1, 1, -2]  # places up (negative: down) against search alone
    assert out["search_ms"] >= 0 and out["rerank_ms"] >= 0


@pytest.mark.heavy
def test_the_console_trains_a_reranker_from_a_yaml_mining_negatives_with_the_search_model(tmp_path, tiny_model, capsys):
    from sentence_transformers import CrossEncoder

    from cli import main

    texts = sentences(120, seed=7)
    data = write_csv(tmp_path / "pairs.csv", ["query", "answer"], [[texts[i], texts[60 + i]] for i in range(60)])
    config = tmp_path / "rerank.yaml"
    config.write_text(yaml.safe_dump({"data_path": str(data), "model": tiny_model, "trainer": "rerank", "epochs": 3}))
    run = tmp_path / "run"
    code = main(["train", "--config", str(config), "--epochs", "1", "--batch-size", "8", "--project-name", str(run)])
    assert code == 0, capsys.readouterr().err[-2000:]
    status = json.loads((run / "status.json").read_text())
    assert (status["state"], status["trainer"], status["loss"]) == ("finished", "rerank", "BinaryCrossEntropyLoss")
    report = json.loads((run / "data_report.json").read_text())
    assert report["mined_negatives"]["mined"] and report["search_model"] == tiny_model
    first = json.loads((run / "metrics.jsonl").read_text().splitlines()[0])
    assert first["step"] == 0 and first["primary"] == status["baseline"] and "valid_ndcg@10" in first["metrics"]
    reranker = CrossEncoder(str(run / "model"))
    assert [type(m).__name__ for m in reranker] == ["Transformer", "Pooling", "Dense"]  # the encoder's own pooling, read
    scores = reranker.predict([(texts[0], texts[60]), (texts[0], texts[61])])
    assert scores.shape == (2,) and ((scores > 0) & (scores < 1)).all()


@pytest.mark.heavy
def test_the_playground_searches_then_reranks_with_a_reranker_run(finished_run, tiny_model, runs_root):
    import gradio as gr
    from conftest import copy_run

    from core.hub.push import enrich_model_card
    from core.runs.index import model_choices
    from ui import runs_tab
    from ui.playground_rerank import search_rerank
    from ui.playground_tab import compare_search

    run = copy_run(finished_run("rerank"), runs_root, "my-reranker")
    model = str(run / "model")
    assert [ref for _, ref in model_choices(rerankers=True)] == [model]
    assert model not in [ref for _, ref in model_choices()]  # not offered as an embedding model
    corpus = "\n".join(sentences(40, seed=8))
    out = search_rerank(tiny_model, model, corpus, "a man plays a guitar", 10)
    retrieved, reranked = out["retrieved"], out["reranked"]
    assert len(retrieved) == len(reranked) == 10
    assert set(retrieved["text"]) == set(reranked["text"])  # the same candidates, reordered
    assert list(reranked["score"]) == sorted(reranked["score"], reverse=True)
    for row in reranked.itertuples():
        assert retrieved["text"][row._3 - 1] == row.text  # "search rank" is where search alone put it
    assert "search **" in out["latency"] and "rerank **" in out["latency"] and "10 pairs" in out["latency"]
    with pytest.raises(gr.Error, match="is a reranker"):  # picked as the embedding model by mistake
        compare_search(model, "", corpus, "a query", 5)
    opened = runs_tab.open_in_playground("my-reranker")  # the Runs tab's and the result card's "try it"
    assert set(opened) == {"reranker", "rerank_panel", "tabs"} and opened["reranker"]["value"] == model
    card = enrich_model_card(run).read_text()
    assert "A reranker (CrossEncoder)" in card and "encode_query" not in card.split("SBERT Studio")[-1]


@pytest.mark.heavy
def test_a_stopped_reranker_run_resumes_from_its_checkpoint_and_finishes(data_for, tiny_model, tmp_path):
    import time

    from core.training.job import TrainingJob

    config = TrainConfig(
        data_path=data_for("rerank", 300), model=tiny_model, trainer="rerank", epochs=2, batch_size=8, eval_steps=10
    )
    job = TrainingJob(config, run_dir=str(tmp_path / "run")).start()
    deadline = time.monotonic() + 300  # a guard against a hang only: the loop ends on the event
    while (job.snapshot().get("step") or 0) < 12 and job.snapshot()["state"] not in ("failed", "finished"):
        assert time.monotonic() < deadline, job.snapshot()
        time.sleep(0.1)
    job.stop()
    job.wait()
    stopped = job.snapshot()
    assert stopped["state"] == "stopped", stopped.get("error")
    resumed = TrainingJob(config, run_dir=str(tmp_path / "run"), resume=True).run()
    assert resumed["state"] == "finished", resumed.get("error")
    assert resumed["step"] > stopped["step"] and resumed["baseline"] == stopped["baseline"]
    assert "resuming from checkpoint-" in (tmp_path / "run" / "log.txt").read_text()


def test_the_bundled_rerank_example_opens_as_rerank_with_its_label_as_relevance():
    from ui.data_tab import EXAMPLES, load_example

    label = next(name for name in EXAMPLES if name.startswith("rerank:"))
    shown = load_example(label)
    assert shown["trainer"]["value"] == "rerank"  # never suggested from a table: the example names it
    assert "Trainer: **rerank**" in shown["summary"]
    assert shown["roles"]["target"]["value"] == "solves_it" and "relevance" in shown["roles"]["target"]["label"].lower()
