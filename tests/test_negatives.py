"""Retrieval with the negatives a table has: WikiQA-shaped labelled tables, negative columns, mining, and the
validation corpus that holds them (so that a model that confuses an answer with its near misses scores lower)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import sentences

from core.config import TrainConfig
from core.data.load import load_training_data
from core.data.report_text import report_markdown
from core.data.roles import suggest_roles, suggest_trainer
from core.errors import DataError
from core.recipes import RECIPES
from core.training.evaluation import MAX_DISTRACTORS, retrieval_task
from core.training.job import TrainingJob


def labelled_table(queries: int = 30, candidates: int = 5, seed: int = 0) -> pd.DataFrame:
    """WikiQA's shape: each question with several candidate sentences, the first of them labelled 1."""
    texts = sentences(queries * (candidates + 1), seed)
    rows = []
    for q in range(queries):
        question = texts[q] + f" question {q}?"
        for c in range(candidates):
            rows.append({"question": question, "candidate": texts[queries + q * candidates + c], "label": int(c == 0)})
    return pd.DataFrame(rows)


def load(tmp_path, df: pd.DataFrame, **config):
    path = tmp_path / "table.csv"
    df.to_csv(path, index=False)
    return load_training_data(TrainConfig(data_path=str(path), **config))


def test_a_labelled_table_with_repeated_queries_is_suggested_as_retrieval_not_pair_class():
    df = labelled_table()
    assert suggest_trainer(df) == "qa"
    assert suggest_roles(df, RECIPES["qa"]) == {
        "sentence1": "question", "sentence2": "candidate", "sentence3": None, "target": "label",
    }  # fmt: skip


def test_independent_labelled_pairs_stay_pair_class():
    texts = sentences(80)
    df = pd.DataFrame({"sentence1": texts[:40], "sentence2": texts[40:], "label": [i % 2 for i in range(40)]})
    assert suggest_trainer(df) == "pair_class"


def test_label_1_rows_are_positives_and_label_0_rows_of_the_query_its_hard_negatives(tmp_path):
    data = load(tmp_path, labelled_table(), trainer="qa", num_negatives=2)
    train = data.prepared.train
    assert list(train.columns) == ["sentence1", "sentence2", "negative_1", "negative_2"]
    table = labelled_table()
    for _, row in train.iterrows():
        mine = table[table["question"] == row["sentence1"]]
        assert row["sentence2"] in set(mine[mine["label"] == 1]["candidate"])
        assert {row["negative_1"], row["negative_2"]} <= set(mine[mine["label"] == 0]["candidate"])
    negatives = data.report["negatives"]
    assert negatives["queries"] == 30 and negatives["negatives_per_query"] == {"4": 30}
    assert negatives["negatives_per_row"] == 2
    assert "4 negative(s): 30" in report_markdown(data.report)


def test_validation_holds_out_whole_queries_with_all_their_negatives(tmp_path):
    data = load(tmp_path, labelled_table(), trainer="pair")
    valid, train = data.prepared.valid, data.prepared.train
    assert not set(valid["sentence1"]) & set(train["sentence1"])
    assert set(data.prepared.valid_negatives) == set(valid["sentence1"])
    assert all(len(texts) == 4 for texts in data.prepared.valid_negatives.values())


def test_the_validation_corpus_holds_the_negatives_and_distractors_from_training(tmp_path):
    data = load(tmp_path, labelled_table(), trainer="qa")
    prepared = data.prepared
    queries, corpus, relevant = retrieval_task(prepared.valid, prepared.train, prepared.valid_negatives)
    texts = set(corpus.values())
    assert set(prepared.valid["sentence2"]) <= texts
    assert {t for ts in prepared.valid_negatives.values() for t in ts} <= texts
    assert set(prepared.train["sentence2"]) <= texts  # distractors: the other queries' answers
    assert len(texts) > len(prepared.valid) * 5
    for qid, docs in relevant.items():
        assert {corpus[d] for d in docs} == set(prepared.valid[prepared.valid["sentence1"] == queries[qid]]["sentence2"])


def test_distractors_are_capped():
    texts = [f"text {i}" for i in range(MAX_DISTRACTORS + 500)]
    train = pd.DataFrame({"sentence1": texts, "sentence2": texts[::-1]})
    valid = pd.DataFrame({"sentence1": ["q"], "sentence2": ["answer"]})
    _, corpus, _ = retrieval_task(valid, train)
    assert len(corpus) == MAX_DISTRACTORS + 1


def test_queries_with_negatives_but_no_positive_are_dropped_and_counted(tmp_path):
    df = labelled_table()
    df.loc[df["question"] == df["question"].iloc[0], "label"] = 0
    data = load(tmp_path, df, trainer="qa")
    negatives = data.report["negatives"]
    assert negatives["queries"] == 29
    assert negatives["queries_without_positive_dropped"] == 1 and negatives["rows_with_negatives_only_dropped"] == 5
    assert "dropped 1 queries with negatives but no positive (5 rows)" in report_markdown(data.report)


def test_a_label_that_is_not_0_1_names_the_values_found(tmp_path):
    df = labelled_table()
    df["label"] = df["label"].map({1: "good", 0: "bad"})
    with pytest.raises(DataError, match=r"label column 'label' on trainer 'qa' must mark .* 1/0 .* it holds bad, good"):
        load(tmp_path, df, trainer="qa", target_column="label")


def test_negative_columns_give_each_row_its_own_negatives(tmp_path):
    texts = sentences(90)
    df = pd.DataFrame({"anchor": texts[:30], "positive": texts[30:60], "negative": texts[60:90]})
    data = load(tmp_path, df, trainer="pair", sentence3_column="negative")
    train = data.prepared.train
    assert list(train.columns) == ["sentence1", "sentence2", "negative_1"]
    pairs = dict(zip(df["anchor"], df["negative"], strict=True))
    assert all(pairs[a] == n for a, n in zip(train["sentence1"], train["negative_1"], strict=True))
    assert data.report["negatives"]["source"] == "column 'negative'"


def test_a_table_of_texts_and_a_repeated_label_is_single_class_whatever_the_label_is_called():
    texts = sentences(120)
    intents = ["card_arrival", "lost_card", "top_up_failed", "exchange_rate"]
    df = pd.DataFrame({"utterance": texts, "intent": [intents[i % 4] for i in range(120)]})
    assert suggest_trainer(df) == "single_class"
    from core.data.roles import suggestion_reason

    assert "column 'intent' looks like a label" in suggestion_reason(df, "single_class", {"target": "intent"})


def test_banking77_reads_as_single_class(shared_data):
    data = load_training_data(TrainConfig(data_path=str(shared_data / "banking77" / "train.csv"), max_samples=50))
    assert data.recipe.name == "single_class" and data.mapping == {"sentence1": "text", "target": "category"}
    assert data.prepared.num_labels == 77
    assert "looks like a label" in data.report["trainer_reason"]


def test_wikiqa_reads_as_qa_with_hard_negatives(shared_data):
    data = load_training_data(TrainConfig(data_path=str(shared_data / "qa" / "WikiQA-train.txt"), max_samples=50))
    assert data.recipe.name == "qa" and data.mapping["target"] == "column_3"
    negatives = data.report["negatives"]
    assert negatives["queries"] == 873 and negatives["queries_without_positive_dropped"] == 1245
    assert "negative_3" in data.prepared.train.columns


@pytest.mark.heavy
def test_a_labelled_table_trains_with_its_negatives(tmp_path, tiny_model):
    path = tmp_path / "table.csv"
    labelled_table().to_csv(path, index=False)
    config = TrainConfig(data_path=str(path), model=tiny_model, trainer="qa", epochs=1, batch_size=8, max_seq_length=32)
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    assert "negative_3" in (tmp_path / "run" / "data_report.json").read_text()


@pytest.mark.heavy
def test_mined_negatives_are_added_before_training(tmp_path, tiny_model):
    texts = sentences(80)
    path = tmp_path / "pairs.csv"
    pd.DataFrame({"anchor": texts[:40], "positive": texts[40:]}).to_csv(path, index=False)
    config = TrainConfig(
        data_path=str(path), model=tiny_model, trainer="pair", epochs=1, batch_size=8, max_seq_length=32,
        mine_negatives=True, num_negatives=2, mining_margin=0.0,
    )  # fmt: skip
    job = TrainingJob(config, run_dir=str(tmp_path / "run"))
    final = job.run()
    assert final["state"] == "finished", final["error"]
    import json

    report = json.loads((tmp_path / "run" / "data_report.json").read_text())
    assert report["mined_negatives"]["mined"] is True
    assert report["mined_negatives"]["queries_with_mined_negatives"] > 0
    assert "mining 2 hard negative(s)" in (tmp_path / "run" / "log.txt").read_text()


@pytest.mark.heavy
def test_mining_with_too_few_documents_says_so_and_trains_on_the_pairs(tmp_path, tiny_model):
    path = tmp_path / "pairs.csv"
    pd.DataFrame({"anchor": ["a man plays", "a dog runs", "the cat sits"], "positive": ["music", "music", "music"]}).to_csv(
        path, index=False
    )
    config = TrainConfig(
        data_path=str(path), model=tiny_model, trainer="pair", epochs=1, batch_size=2, max_seq_length=32,
        mine_negatives=True, validation_fraction=0.34,
    )  # fmt: skip
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    assert "only 1 distinct documents to mine 3 negative(s)" in (tmp_path / "run" / "log.txt").read_text()
