"""The one path rule (core.paths) and where it stands guard: every path-like field of a run, run names, model folders."""

from __future__ import annotations

import os

import pytest
from conftest import write_csv
from hostile import hostile_values

from core.config import TrainConfig
from core.errors import StudioError
from core.paths import PathRefused, inside, is_plain_name
from core.runs.index import run_path
from core.runs.owner import check_model_ref
from core.training.admission import confine
from core.visitors import Visitor

ALICE = Visitor(username="alice")


@pytest.fixture
def space(tmp_path, monkeypatch, runs_root):
    """A Space whose datasets live in tmp_path/datasets; alice has one upload; a secret file lies outside."""
    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    mine = tmp_path / "datasets" / ALICE.folder
    upload = write_csv(mine / "pairs.csv", ["anchor", "positive"], [["a dog", "a puppy"], ["a cat", "a kitten"]])
    outside = write_csv(tmp_path / "private" / "secret.csv", ["anchor", "positive"], [["SECRET", "SECRET"]])
    link = mine / "innocent.csv"
    os.symlink(outside, link)
    return {"upload": upload, "outside": str(outside), "link": str(link), "hostile": hostile_values(str(outside), str(link))}


def test_inside_accepts_a_file_in_a_root_and_refuses_every_hostile_value(space):
    root = space["upload"].parent
    assert inside(space["upload"], [root], "data_path") == space["upload"].resolve()
    for value in space["hostile"]:
        with pytest.raises(PathRefused, match="^data_path: '"):
            inside(value, [root], "data_path")


def test_a_symlink_is_judged_by_where_it_points(space, tmp_path):
    root = space["upload"].parent
    os.symlink(space["upload"], root / "alias.csv")
    assert inside(root / "alias.csv", [root], "data_path") == space["upload"].resolve()
    with pytest.raises(PathRefused, match="lies outside the folders this app may read"):
        inside(space["link"], [root], "data_path")


@pytest.mark.parametrize("field", ["data_path", "train_split", "valid_split", "model"])
def test_on_a_space_every_path_field_of_a_run_refuses_every_hostile_value(space, field):
    for value in space["hostile"]:
        values = {"data_path": str(space["upload"]), field: value}
        with pytest.raises(StudioError, match=field) as refused:
            confine(TrainConfig(**values), space=True, visitor=ALICE)
        assert "Traceback" not in str(refused.value) and "SECRET" not in str(refused.value)


def test_on_a_space_a_run_reads_the_visitors_own_uploads_examples_and_hub_ids(space):
    from core.data.workspace import EXAMPLES_DIR

    assert confine(TrainConfig(data_path=str(space["upload"])), space=True, visitor=ALICE).data_path == str(
        space["upload"].resolve()
    )
    assert confine(TrainConfig(data_path=str(EXAMPLES_DIR / "pair.csv")), space=True, visitor=ALICE).data_path
    hub = confine(TrainConfig(data_path="sentence-transformers/stsb", valid_split="validation"), space=True, visitor=ALICE)
    assert (hub.data_path, hub.valid_split) == ("sentence-transformers/stsb", "validation")


def test_on_a_space_another_visitors_upload_is_outside_what_a_visitor_may_read(space):
    bob = Visitor(username="bob")
    with pytest.raises(PathRefused, match="data_path: .* lies outside"):
        confine(TrainConfig(data_path=str(space["upload"])), space=True, visitor=bob)
    anonymous = Visitor(session="abc")
    with pytest.raises(PathRefused, match="data_path: .* lies outside"):
        confine(TrainConfig(data_path=str(space["upload"])), space=True, visitor=anonymous)


def test_run_names_refuse_every_hostile_value_and_links_out_of_the_runs_folder(space, runs_root, tmp_path):
    for value in [*space["hostile"], "", "a/b"]:
        with pytest.raises(StudioError):
            run_path(value)
    runs_root.mkdir(parents=True, exist_ok=True)
    elsewhere = tmp_path / "elsewhere-run"
    elsewhere.mkdir()
    (elsewhere / "status.json").write_text('{"state": "finished"}')
    os.symlink(elsewhere, runs_root / "linked")
    with pytest.raises(PathRefused, match="run: .* lies outside"):
        run_path("linked")


def test_a_run_folder_name_from_the_app_is_a_plain_name_on_and_off_a_space(space):
    for value in [*space["hostile"], "a/b", "/abs"]:
        with pytest.raises(StudioError, match="project_name"):
            confine(TrainConfig(data_path=str(space["upload"]), project_name=value), space=False)
    assert is_plain_name("my-run_2.v1") and not is_plain_name("..") and not is_plain_name(".hidden")


def test_on_a_space_a_local_model_must_be_a_model_of_the_visitors_own_run(space, runs_root):
    for value in space["hostile"]:
        with pytest.raises(StudioError, match="model"):
            check_model_ref(value, ALICE)
    check_model_ref("sentence-transformers/all-MiniLM-L6-v2", ALICE)  # a Hub id is fine


def test_on_a_space_remote_code_runs_only_for_the_spaces_admins(space, monkeypatch):
    config = TrainConfig(data_path=str(space["upload"]), trust_remote_code=True)
    with pytest.raises(StudioError, match="trust_remote_code: on this Space only its owner"):
        confine(config, space=True, visitor=ALICE)
    monkeypatch.setenv("SPACE_AUTHOR_NAME", "alice")
    assert confine(config, space=True, visitor=ALICE).trust_remote_code


def test_off_a_space_the_person_owns_the_machine_and_reads_any_file(space, monkeypatch):
    monkeypatch.delenv("SPACE_ID")
    assert confine(TrainConfig(data_path=space["outside"]), space=False).data_path == space["outside"]
