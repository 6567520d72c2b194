"""Preparing data for a trainer type: roles, cleaning, scores, labels, the validation split, the report."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import rows_for, write_csv

from core.config import TrainConfig
from core.data.load import count_classes, load_training_data
from core.data.roles import suggest_roles, suggest_trainer
from core.errors import DataError
from core.recipes import LOSSES, RECIPES


def table(trainer: str, n: int = 40) -> pd.DataFrame:
    header, rows = rows_for(trainer, n)
    return pd.DataFrame(rows, columns=header)


def load(tmp_path, df: pd.DataFrame, **config) -> object:
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return load_training_data(TrainConfig(data_path=str(path), **config))


def test_autotrain_column_names_need_no_mapping(tmp_path):
    data = load(tmp_path, table("pair_score"), trainer="pair_score")
    assert data.mapping == {"sentence1": "sentence1", "sentence2": "sentence2", "target": "target"}
    assert list(data.prepared.train.columns) == ["sentence1", "sentence2", "score"]
    assert "by position" in data.report["column_order"]


def test_roles_and_trainer_are_suggested_from_common_names():
    df = pd.DataFrame({"id": [1, 2, 3], "anchor": ["a b c"] * 3, "positive": ["d e f"] * 3, "negative": ["g h i"] * 3})
    assert suggest_trainer(df) == "triplet"
    assert suggest_roles(df, RECIPES["triplet"]) == {"sentence1": "anchor", "sentence2": "positive", "sentence3": "negative"}
    qa = pd.DataFrame({"question": ["what is it?"] * 3, "answer": ["it is a thing."] * 3})
    assert suggest_trainer(qa) == "qa"


def test_whole_number_ratings_named_score_suggest_pair_score_and_binary_ones_pair_class():
    texts = {"sentence1": ["a b", "c d", "e f", "g h", "i j", "k l"], "sentence2": ["b a", "d c", "f e", "h g", "j i", "l k"]}
    assert suggest_trainer(pd.DataFrame(texts | {"score": [0, 2, 5, 4, 5, 0]})) == "pair_score"
    assert suggest_trainer(pd.DataFrame(texts | {"score": [0, 1, 1, 0, 1, 0]})) == "pair_class"
    assert suggest_trainer(pd.DataFrame(texts | {"label": [0, 2, 1, 2, 1, 0]})) == "pair_class"


def test_scores_outside_0_1_are_scaled_by_the_observed_range(tmp_path):
    df = table("pair_score")
    data = load(tmp_path, df, trainer="pair_score")
    scores = pd.concat([data.prepared.train["score"], data.prepared.valid["score"]])
    assert scores.min() == 0.0 and scores.max() == 1.0
    assert "observed range" in data.report["score"]["scaled"]


def test_a_declared_score_range_is_used(tmp_path):
    df = table("pair_score")
    df["target"] = [1.0, 4.0] * 20
    data = load(tmp_path, df, trainer="pair_score", score_min=0, score_max=5)
    assert set(data.prepared.train["score"]) <= {0.2, 0.8}
    assert "declared range" in data.report["score"]["scaled"]


def test_a_non_numeric_score_names_the_first_bad_row(tmp_path):
    df = table("pair_score")
    df["target"] = df["target"].astype(object)
    df.loc[6, "target"] = "high"
    with pytest.raises(DataError, match=r"score column 'target' must hold numbers, but training row 7 holds 'high'"):
        load(tmp_path, df, trainer="pair_score")


def test_text_labels_are_mapped_to_integers_and_reported(tmp_path):
    df = table("pair_class")
    df["target"] = ["entailment", "neutral", "contradiction", "neutral"] * 10
    data = load(tmp_path, df, trainer="pair_class")
    assert data.report["labels"]["mapping"] == {"contradiction": 0, "entailment": 1, "neutral": 2}
    assert data.prepared.num_labels == 3
    assert set(data.prepared.train["label"]) == {0, 1, 2}


def test_one_class_only_is_refused_for_pair_class(tmp_path):
    df = table("pair_class")
    df["target"] = 1
    with pytest.raises(DataError, match="holds one class only \\(1\\).*needs at least two"):
        load(tmp_path, df, trainer="pair_class")


def test_binary_losses_refuse_three_classes(tmp_path):
    df = table("pair_class")
    df["target"] = [0, 1, 2, 1] * 10
    with pytest.raises(DataError, match="ContrastiveLoss needs exactly two classes.*holds 3"):
        load(tmp_path, df, trainer="pair_class", loss="ContrastiveLoss")


def test_pair_class_defaults_to_the_contrastive_loss_for_two_classes_and_softmax_for_more(tmp_path):
    df = table("pair_class")
    assert load(tmp_path, df, trainer="pair_class").loss.name == RECIPES["pair_class"].default_loss
    assert LOSSES[RECIPES["pair_class"].default_loss].binary_only  # chosen on MRPC: bench/results/trainer_defaults.md
    df["target"] = ["entailment", "neutral", "contradiction", "neutral"] * 10
    assert load(tmp_path, df, trainer="pair_class").loss.name == "SoftmaxLoss"
    df["target"] = [1.0, 0.0, 1, 0] * 10  # 1 and 1.0 are one class
    assert count_classes(df, "target") == 2


def test_empty_texts_and_missing_targets_are_dropped_and_counted(tmp_path):
    df = table("pair_score")
    df.loc[[1, 2], "sentence1"] = "   "
    df.loc[3, "target"] = None
    data = load(tmp_path, df, trainer="pair_score")
    dropped = data.report["dropped"]["train"]
    assert dropped == {"empty sentence1 ('sentence1')": 2, "missing target ('target')": 1}
    assert data.report["rows_kept"]["train"] + data.report["rows_kept"]["validation"] == 37


def test_every_row_dropped_says_to_check_the_mapping(tmp_path):
    df = table("pair")
    df["sentence2"] = ""
    with pytest.raises(DataError, match="every training row was dropped.*40 empty sentence2.*sentence2 -> sentence2"):
        load(tmp_path, df, trainer="pair")


def test_a_named_column_that_does_not_exist_lists_the_columns_found(tmp_path):
    with pytest.raises(
        DataError, match="column 'text_a' .*--sentence1-column.*Columns found: 'sentence1', 'sentence2', 'target'"
    ):
        load(tmp_path, table("pair_score"), trainer="pair_score", sentence1_column="text_a")


def test_a_trainer_needing_three_texts_given_two(tmp_path):
    with pytest.raises(DataError, match="trainer 'triplet' needs 3 text column.*no column was found for role 'sentence3'"):
        load(tmp_path, table("pair"), trainer="triplet")


def test_validation_is_a_seeded_held_out_tenth(tmp_path):
    first = load(tmp_path, table("pair", 100), trainer="pair")
    second = load(tmp_path, table("pair", 100), trainer="pair")
    assert len(first.prepared.valid) == 10 and len(first.prepared.train) == 90
    assert list(first.prepared.valid["sentence1"]) == list(second.prepared.valid["sentence1"])
    assert "seed 42" in first.report["validation"]["source"]


def test_validation_is_stratified_for_classes(tmp_path):
    df = table("pair_class", 100)
    df["target"] = [0] * 80 + [1] * 20
    data = load(tmp_path, df, trainer="pair_class")
    assert data.prepared.valid["label"].value_counts().to_dict() == {0: 8, 1: 2}
    assert "of each class's rows" in data.report["validation"]["source"]


def test_qa_validation_holds_out_whole_questions(tmp_path):
    df = table("qa", 60)
    df["sentence1"] = [f"question number {i // 3}?" for i in range(60)]
    data = load(tmp_path, df, trainer="qa")
    assert not set(data.prepared.valid["sentence1"]) & set(data.prepared.train["sentence1"])


def test_pair_holds_out_whole_anchors_and_every_positive_of_a_validation_anchor_is_relevant(tmp_path):
    from core.training.evaluation import retrieval_task

    df = table("pair", 90)
    df["sentence1"] = [f"anchor number {i // 3}" for i in range(90)]  # each anchor has three positives
    data = load(tmp_path, df, trainer="pair")
    train, valid = data.prepared.train, data.prepared.valid
    assert not set(valid["sentence1"]) & set(train["sentence1"])  # no positive of a validation anchor is trained on
    queries, corpus, relevant = retrieval_task(valid, train)
    for qid, query in queries.items():
        positives = set(df.loc[df["sentence1"] == query, "sentence2"])
        assert {corpus[d] for d in relevant[qid]} == positives  # all three count as relevant, none as a distractor
    (tmp_path / "unique").mkdir()
    unique = load(tmp_path / "unique", table("pair", 100), trainer="pair")  # every anchor unique: a tenth of the rows
    assert len(unique.prepared.valid) == 10 and "of the anchors, each with all its rows" in unique.report["validation"]["source"]


def test_triplet_holds_out_whole_anchors(tmp_path):
    df = table("triplet", 90)
    df["sentence1"] = [f"anchor number {i // 3}" for i in range(90)]  # each anchor in three triplets
    data = load(tmp_path, df, trainer="triplet")
    train, valid = data.prepared.train, data.prepared.valid
    assert len(valid) == 9 and set(valid["sentence1"].value_counts()) == {3}  # three whole anchors
    assert not set(valid["sentence1"]) & set(train["sentence1"])
    assert "of the anchors, each with all its rows" in data.report["validation"]["source"]


def test_a_given_validation_split_is_used(tmp_path):
    header, rows = rows_for("pair", 30)
    write_csv(tmp_path / "splits" / "train.csv", header, rows[:20])
    write_csv(tmp_path / "splits" / "valid.csv", header, rows[20:])
    data = load_training_data(TrainConfig(data_path=str(tmp_path / "splits"), valid_split="valid", trainer="pair"))
    assert (len(data.prepared.train), len(data.prepared.valid)) == (20, 10)


def test_max_samples_trims_training_rows_only(tmp_path):
    data = load(tmp_path, table("pair", 100), trainer="pair", max_samples=25)
    assert len(data.prepared.train) == 25 and len(data.prepared.valid) == 10
    assert "first 25" in data.report["max_samples"]


def test_a_trainer_is_suggested_when_none_is_given(tmp_path):
    data = load(tmp_path, table("triplet"))
    assert data.recipe.name == "triplet"
    assert data.report["trainer_chosen_by"] == "suggested from the columns"


def test_real_data_is_mapped_without_flags(shared_data):
    stsb = load_training_data(TrainConfig(data_path=str(shared_data / "stsb" / "stsb-en-dev.csv")))
    assert stsb.recipe.name == "pair_score" and stsb.report["score"]["observed_range"] == [0.0, 5.0]
    mrpc = load_training_data(TrainConfig(data_path=str(shared_data / "pairs" / "msr_paraphrase_train.txt")))
    assert mrpc.recipe.name == "pair_class"
    assert mrpc.mapping == {"sentence1": "#1 String", "sentence2": "#2 String", "target": "Quality"}
    snli = load_training_data(TrainConfig(data_path=str(shared_data / "nli" / "snli_1.0_dev.jsonl")))
    assert snli.recipe.name == "pair_class" and snli.prepared.num_labels == 3
