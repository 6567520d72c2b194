"""The core pieces the app reads: progress and ETA, curves, before/after, NLI and mining recipes,
token lengths, kept files, commands, the data report text, and one run at a time."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import rows_for, write_csv

from core.config import TrainConfig, load_config
from core.data.nli import nli_to_scored_pairs, nli_to_triplets
from core.data.report_text import report_markdown
from core.data.workspace import keep_file, save_table
from core.errors import DataError
from core.runs.commands import commands
from core.runs.progress import before_after, format_seconds, loss_series, metric_series, progress, smooth


def test_progress_extrapolates_the_eta_from_the_time_per_training_step():
    now = 1000.0
    snap = {"state": "training", "step": 25, "max_steps": 100, "epoch": 0.5, "started_at": 900.0, "training_started_at": 950.0}
    info = progress(snap, now=now)
    assert info["fraction"] == 0.25
    assert info["eta"] == pytest.approx(150.0)  # 50 s for 25 steps, 75 steps to go
    assert info["elapsed"] == pytest.approx(100.0)
    assert "step 25/100" in info["text"] and "ETA 2:30" in info["text"]


def test_progress_has_no_eta_before_the_first_step_and_zero_once_ended():
    assert progress({"step": 0, "max_steps": None, "started_at": 1.0}, now=2.0)["eta"] is None
    assert progress({"step": 10, "max_steps": 10, "started_at": 1.0, "finished_at": 5.0}, now=9.0)["eta"] == 0.0


def test_format_seconds_reads_like_a_clock():
    assert format_seconds(59.6) == "1:00"
    assert format_seconds(3 * 3600 + 62) == "3:01:02"
    assert format_seconds(None) == "–"


def test_smoothing_starts_at_the_first_value_and_follows_a_constant():
    assert smooth([2.0, 2.0, 2.0]) == pytest.approx([2.0, 2.0, 2.0])
    values = smooth([4.0, 0.0])
    assert values[0] == 4.0 and 0.0 < values[1] < 4.0


def test_loss_series_and_before_after_come_from_metrics_events():
    events = [
        {"step": 0, "epoch": 0.0, "primary": 0.5, "metrics": {"valid_spearman_cosine": 0.5, "valid_pearson_cosine": 0.4}},
        {"step": 5, "epoch": 0.5, "loss": 1.0},
        {"step": 10, "epoch": 1.0, "loss": 0.5},
        {"step": 10, "epoch": 1.0, "primary": 0.7, "metrics": {"valid_spearman_cosine": 0.7, "valid_pearson_cosine": 0.6}},
    ]
    assert loss_series(events)["step"] == [5, 10]
    rows = before_after(events, "valid_spearman_cosine")
    assert rows[0]["metric"] == "valid_spearman_cosine"  # the primary metric first
    assert rows[0]["change"] == pytest.approx(0.2)
    assert before_after(events[:1]) == []


def test_the_saved_models_evaluation_is_kept_apart_from_the_training_curve():
    events = [
        {"step": 0, "primary": 0.5},
        {"step": 10, "primary": 0.7},
        {"step": 20, "primary": 0.6},
        {"step": 20, "primary": 0.7, "final": True},  # the best checkpoint (step 10), evaluated once more
    ]
    series = metric_series(events)
    assert series["step"] == [0, 10, 20] and series["final"] == (20, 0.7)
    assert metric_series(events[:3])["final"] is None


def test_nli_rows_become_the_same_triplets_as_the_published_snli_derivation(shared_data):
    snli = pd.read_json(shared_data / "nli" / "snli_1.0_dev.jsonl", lines=True)
    expected = pd.read_csv(shared_data / "nli" / "snli_dev_triplets.csv")
    made, report = nli_to_triplets(snli, "premise", "hypothesis", "label", per_premise="first")
    assert len(made) == len(expected) == report["rows_made"]
    # the same rows in the same order; texts are stripped (two hypotheses there start with a space)
    assert made.values.tolist() == expected.apply(lambda column: column.str.strip()).values.tolist()
    every, _ = nli_to_triplets(snli, "premise", "hypothesis", "label")
    assert len(every) > len(made)  # every entailed x every contradicting hypothesis


def test_nli_labels_may_be_snli_integers_and_rows_without_gold_label_are_counted():
    df = pd.DataFrame(
        {
            "p": ["A man plays.", "A man plays.", "A man plays.", "A dog runs."],
            "h": ["Someone plays.", "A man sleeps.", "A man plays guitar.", "An animal moves."],
            "y": [0, 2, 1, -1],
        }
    )
    made, report = nli_to_scored_pairs(df, "p", "h", "y")
    assert list(made["score"]) == [1.0, 0.0, 0.5]
    assert report["dropped_no_gold_label"] == 1
    triplets, _ = nli_to_triplets(df, "p", "h", "y")
    assert triplets.iloc[0].tolist() == ["A man plays.", "Someone plays.", "A man sleeps."]


def test_nli_recipe_names_the_column_that_holds_no_labels():
    df = pd.DataFrame({"p": ["a"], "h": ["b"], "y": ["banana"]})
    with pytest.raises(DataError, match="column 'y' holds no NLI labels.*entailment"):
        nli_to_triplets(df, "p", "h", "y")
    with pytest.raises(DataError, match="'label' not in the table.*columns found: p, h, y"):
        nli_to_triplets(df, "p", "h", "label")


def test_hard_negative_mining_turns_pairs_into_triplets_with_a_real_model(tiny_model):
    from core.data.hard_negatives import mine_triplets
    from core.inference.models import load_model

    _, rows = rows_for("pair", 40)
    df = pd.DataFrame(rows, columns=["q", "a"])
    fractions = []
    made, report = mine_triplets(df, "q", "a", load_model(tiny_model), progress=lambda f, m: fractions.append(f))
    assert list(made.columns) == ["anchor", "positive", "negative"]
    assert 0 < len(made) <= len(df)
    assert (made["negative"] != made["positive"]).all()
    assert report["pairs"] == 40 and fractions[-1] == 1.0
    with pytest.raises(DataError, match="same column"):
        mine_triplets(df, "q", "q", None)


def test_mining_that_finds_no_negative_says_why_instead_of_making_an_empty_table(tiny_model):
    from core.data.hard_negatives import mine_triplets
    from core.inference.models import load_model

    df = pd.DataFrame({"q": ["a dog runs", "a cat sits", "a bird sings"], "a": ["an animal"] * 3})  # one text to mine
    with pytest.raises(DataError, match="no negative for any of the 3 pairs.*within 5%.*Add pairs whose positives differ"):
        mine_triplets(df, "q", "a", load_model(tiny_model))


def test_token_lengths_count_texts_longer_than_max_seq_length(tiny_model):
    from transformers import AutoTokenizer

    from core.data.token_stats import token_lengths

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    stats = token_lengths(["the dog runs"] * 9 + ["the dog runs " * 40], tokenizer, 16)
    assert stats["texts"] == 10 and stats["truncated"] == 1 and stats["max"] > 16 >= stats["p50"]


def test_uploads_and_made_tables_are_kept_without_overwriting(tmp_path, monkeypatch):
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    source = write_csv(tmp_path / "my data.csv", ["a", "b"], [["x", "y"]])
    first, second = keep_file(source), keep_file(source)
    assert first != second and first.read_text() == second.read_text() == source.read_text()
    assert first.parent == tmp_path / "kept"
    made = save_table(pd.DataFrame({"anchor": ["a"]}), "mined")
    assert made.name.startswith("mined-") and pd.read_csv(made)["anchor"].tolist() == ["a"]


def test_commands_give_yaml_that_loads_back_and_a_torchrun_line(tmp_path):
    config = TrainConfig(data_path="pairs.csv", trainer="pair", epochs=2, token="hf_secret")
    out = commands(config)
    assert "hf_secret" not in out["yaml"]
    path = tmp_path / "config.yaml"
    path.write_text(out["yaml"])
    assert load_config(path) == config.replace(token=None)
    assert out["train"] == "sbert-studio train --config config.yaml"
    assert out["torchrun"].startswith("torchrun --standalone --nproc_per_node gpu -m cli train --config")
    assert yaml.safe_load(out["yaml"])["epochs"] == 2


def test_data_report_text_names_drops_scaling_and_token_lengths():
    report = {
        "trainer": "pair_score",
        "loss": "CoSENTLoss",
        "mapping": {"sentence1": {"column": "a", "meaning": "sentence1"}, "target": {"column": "s", "meaning": "score"}},
        "rows_read": {"train": 10},
        "rows_kept": {"train": 8, "validation": 1},
        "dropped": {"train": {"empty sentence1 ('a')": 1}},
        "score": {"column": "s", "observed_range": [0, 5], "scaled": "from 0-5 to 0-1"},
        "validation": {"rows": 1, "source": "held out 10%"},
        "duplicates": 2,
        "token_lengths": {"texts": 9, "max_seq_length": 128, "p50": 10, "p90": 20, "p95": 30, "p99": 40, "max": 200}
        | {"truncated": 1, "truncated_fraction": 0.111},
    }
    text = report_markdown(report)
    for needle in ("dropped 1 train rows: empty sentence1 ('a')", "range 0–5", "from 0-5 to 0-1", "2 training rows repeat"):
        assert needle in text
    assert "1 of 9 texts (11.1%) are longer than max_seq_length 128 tokens" in text
    details = text[text.index("<details>") :]  # the percentiles are detail, collapsed on the page
    assert "90% of texts up to 20" in details and "longest 200" in details


def test_data_report_text_summarises_many_classes_and_says_how_pairs_were_made(shared_data):
    from core.data.load import load_training_data

    data = load_training_data(TrainConfig(data_path=str(shared_data / "banking77" / "train.csv")))
    text = report_markdown(data.report)
    assert "**Labels** 77 classes;" in text and "… (65 more)" in text and "rows per class" in text
    assert "**Pairs** 9,000 training rows: each text paired with another of its class" in text
