"""The app's handlers called as plain functions: what each reads, what it shows, and how it fails."""

from __future__ import annotations

import time

import gradio as gr
import pytest
from conftest import rows_for, write_csv

from core.config import TrainConfig
from core.recipes import RECIPES, ROLES
from ui import data_tab, model_tab
from ui.errors import friendly


@pytest.fixture
def kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    return tmp_path / "kept"


@pytest.fixture(scope="module")
def built():
    """The page's form (every TrainConfig field the page edits) with the components' initial values."""
    from ui.layout import build_page

    form = build_page().form
    return form, {c: c.value for c in form.components.values()}


def test_a_table_named_sentence1_sentence2_score_needs_no_role_changes(tmp_path, kept):
    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 30)[1])
    shown = data_tab.load_upload(str(path))
    data_path, summary, preview, trainer = shown["data_path"], shown["summary"], shown["preview"], shown["trainer"]
    roles = list(shown["roles"].values())
    assert data_path.startswith(str(kept))  # the upload is kept beside the runs, not in a temp folder
    assert "30 rows × 3 columns" in summary and "pair_score" in summary
    assert trainer["value"] == "pair_score"
    assert [r.get("value") for r in roles] == ["sentence1", "sentence2", "", "score"]
    assert roles[2]["visible"] is False  # pair_score has no third text
    assert len(preview) == 20


@pytest.mark.parametrize("label", list(data_tab.EXAMPLES))
def test_every_bundled_example_suggests_its_own_trainer_type(label):
    shown = data_tab.load_example(label)
    assert shown["trainer"]["value"] == data_tab.EXAMPLES[label].removesuffix(".csv")
    assert 200 <= int(shown["summary"].split("**: ")[1].split(" rows")[0].replace(",", "")) <= 400


def test_an_excel_workbook_is_refused_with_the_fix_not_a_traceback(tmp_path, kept):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(gr.Error, match="save the sheet as CSV") as caught:
        data_tab.load_upload(str(path))
    assert "Traceback" not in str(caught.value)


def test_a_hub_dataset_offline_fails_within_seconds_naming_the_id():
    start = time.time()
    with pytest.raises(gr.Error, match="someone/some-dataset"):
        data_tab.load_hub("someone/some-dataset:default:train")
    assert time.time() - start < 5


def test_an_unexpected_exception_becomes_one_readable_line():
    @friendly
    def explode():
        raise KeyError("boom")

    with pytest.raises(gr.Error, match=r"Unexpected error in explode: KeyError: 'boom'\. The app is still running"):
        explode()


def test_the_forms_defaults_are_the_clis_defaults(built):
    form, values = built
    values = dict(values)
    values[form.components["data_path"]] = "x.csv"
    assert form.config(values) == TrainConfig(data_path="x.csv")


def test_the_data_report_is_what_training_would_do(built, tmp_path):
    form, values = built
    rows = rows_for("pair_score", 40)[1] + [["", "empty first text", 3.0]]
    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows)
    # a model no test loads: another test may have left the default one in memory
    values = dict(values) | {form.components["data_path"]: str(path), form.components["model"]: "someone/never-loaded"}
    text = data_tab.check_quietly(form, values)  # as after a change: the model is not loaded for it
    assert "pair_score" in text and "CoSENTLoss" in text
    assert "dropped 1 train rows: empty sentence1" in text
    assert "Check data" in text  # token lengths wait for the model


def test_a_wrong_role_column_is_reported_in_place_while_choosing(built, tmp_path):
    form, values = built
    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 20)[1])
    values = dict(values) | {form.components["data_path"]: str(path), form.components["target_column"]: "nope"}
    text = data_tab.check_quietly(form, values)
    assert text.startswith("**Not ready to train:**") and "nope" in text


def test_model_facts_and_token_lengths_against_the_models_limit(built, tmp_path, tiny_model):
    form, values = built
    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 20)[1])
    facts = model_tab.describe_model(tiny_model)
    assert "32-dimensional" in facts and "pooling mean" in facts
    values = dict(values) | {form.components["data_path"]: str(path), form.components["model"]: tiny_model}
    text = data_tab.check(form, values)  # the "Check data" button
    assert "of 36 texts" in text and "Token lengths: median" in text  # 18 training rows of two texts; 2 held out
    assert "longer than “Max sequence length” (Model & trainer tab) 64 tokens" in text  # the tiny model's limit


def test_a_model_that_cannot_be_fetched_leaves_the_report_without_token_lengths(built, tmp_path):
    form, values = built
    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 20)[1])
    values = dict(values) | {form.components["data_path"]: str(path), form.components["model"]: "someone/not-cached"}
    text = data_tab.check(form, values)
    assert "CoSENTLoss" in text and "**Token lengths** not measured: " in text and "someone/not-cached" in text


def test_the_trainer_type_decides_roles_and_losses():
    triplet = data_tab.role_updates("triplet", None, None)
    assert [triplet[r]["visible"] for r in ROLES] == [True, True, True, False]
    assert [triplet[r]["label"] for r in ROLES[:3]] == ["Anchor", "Positive", "Negative"]  # what the column means
    assert [data_tab.role_updates("pair_score", None, None)[r]["label"] for r in ("sentence1", "target")] == [
        "First text",
        "Similarity score",
    ]
    single = data_tab.role_updates("single_class", None, None)
    assert [single[r]["visible"] for r in ROLES] == [True, False, False, True]
    loss = model_tab.loss_update("pair_class", "CoSENTLoss")
    assert loss["value"] == RECIPES["pair_class"].default_loss
    assert set(loss["choices"]) == {"SoftmaxLoss", "ContrastiveLoss", "OnlineContrastiveLoss"}
    assert model_tab.loss_update("pair_class", None, classes=3)["value"] == "SoftmaxLoss"  # NLI labels
    assert model_tab.loss_update("triplet", "TripletLoss")["value"] == "TripletLoss"


def test_show_config_and_loading_it_back_fill_the_same_form(built, tmp_path):
    form, values = built
    values = dict(values) | {
        form.components["data_path"]: "pairs.csv",
        form.components["trainer"]: "triplet",
        form.components["epochs"]: 3,
        form.components["matryoshka_dims"]: "32,16",
    }
    shown = model_tab.show_config(form, values)
    yaml_text, command, torchrun = shown["yaml"], shown["command"], shown["torchrun"]
    assert "matryoshka_dims:\n- 32\n- 16" in yaml_text
    assert command == "sbert-studio train --config config.yaml" and "torchrun" in torchrun
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text)
    updates = model_tab.load_yaml(form, str(path))
    assert updates[form.components["epochs"]] == 3.0
    assert updates[form.components["matryoshka_dims"]] == "32,16"
    assert updates[form.components["data_path"]] == "pairs.csv"


def test_a_bad_setting_names_the_field_and_value(built):
    form, values = built
    values = dict(values) | {form.components["data_path"]: "x.csv", form.components["lr"]: -1}
    with pytest.raises(gr.Error, match="lr: -1.0 must be greater than 0"):
        model_tab.show_config(form, values)


def test_every_element_the_tests_rely_on_has_its_stable_id():
    from ui.layout import build_app

    ids = {block.elem_id for block in build_app().blocks.values() if getattr(block, "elem_id", None)}
    wanted = (
        "data-file data-preview data-report role-sentence1 role-sentence2 role-sentence3 role-target trainer-type "
        "base-model param-epochs param-batch-size param-max-samples train-start train-stop train-status train-progress "
        "loss-plot metric-plot"
    ).split()
    assert set(wanted) <= ids, sorted(set(wanted) - ids)


def test_hard_negative_mining_makes_a_triplet_table_to_train_on(tmp_path, kept, tiny_model):
    path = write_csv(tmp_path / "pairs.csv", ["anchor", "positive"], rows_for("pair", 30)[1])
    opened = data_tab.load_upload(str(path))
    assert (opened["mine_anchor"]["value"], opened["mine_positive"]["value"]) == ("anchor", "positive")  # pre-filled
    made = data_tab.make_mined(opened["data_path"], "anchor", "positive", 1, tiny_model, progress=lambda *a, **k: None)
    assert made["trainer"]["value"] == "triplet"  # the new table is suggested as triplets
    assert [made["roles"][r]["value"] for r in ("sentence1", "sentence2", "sentence3")] == ["anchor", "positive", "negative"]
    assert "Made **mined-triplets-" in made["recipe_note"]


def test_nli_recipe_makes_a_new_table_to_train_on(tmp_path, kept):
    rows = [
        ["A man plays a guitar.", "A person plays music.", "entailment"],
        ["A man plays a guitar.", "A man is asleep.", "contradiction"],
        ["A man plays a guitar.", "A man plays on a stage.", "neutral"],
    ]
    path = write_csv(tmp_path / "nli.csv", ["premise", "hypothesis", "label"], rows)
    opened = data_tab.load_upload(str(path))
    guessed = [opened[name]["value"] for name in ("nli_premise", "nli_hypothesis", "nli_label")]
    assert guessed == ["premise", "hypothesis", "label"]  # recipe columns guessed
    made = data_tab.make_nli(opened["data_path"], "premise", "hypothesis", "label", "triplets")
    assert made["data_path"].startswith(str(kept)) and made["trainer"]["value"] == "triplet"
    # the loss is set with the trainer (pair_class's SoftmaxLoss must not linger for a triplet table)
    assert made["loss"]["value"] == "MultipleNegativesRankingLoss" and "SoftmaxLoss" not in made["loss"]["choices"]
    # the note names the new table and what was made: one premise, one entailed × one contradicting hypothesis
    note = made["recipe_note"]
    assert note.startswith("Made **nli-triplets") and "(1 rows;" in note and "the original is unchanged" in note


def test_the_start_run_api_refuses_to_push_instead_of_ignoring_it(tmp_path, tiny_model, runs_root):
    from ui import train_tab

    path = write_csv(tmp_path / "pairs.csv", *rows_for("pair"))
    with pytest.raises(gr.Error, match="push_to_hub: start_run does not push"):
        train_tab.start_from_yaml(f"data_path: {path}\nmodel: {tiny_model}\npush_to_hub: true\nusername: me\n")
    assert not runs_root.exists() or not any(runs_root.iterdir())  # nothing started
