"""What the app serves and writes, and what one visitor may do to another's run."""

from __future__ import annotations

import shutil
import time
from types import SimpleNamespace

import gradio as gr
import httpx
import pytest
from conftest import HANG_GUARD, rows_for, write_csv
from live_app import serve_app

from core.config import TrainConfig
from core.errors import ConfigError
from core.training.admission import confine
from core.training.registry import registry


def test_the_server_serves_no_file_of_the_machine(runs_root, tmp_path):
    run = runs_root / "r"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("model: x\n")
    with serve_app() as url:
        for path in ("/etc/passwd", "README.md", "../shared/DESIGN.md", str(run / "config.yaml")):
            answer = httpx.get(f"{url}/gradio_api/file={path}")
            assert answer.status_code in (403, 404), path
            assert "root:" not in answer.text and "model: x" not in answer.text


def test_a_run_started_from_the_app_stays_in_the_runs_folder(runs_root):
    with pytest.raises(ConfigError, match="must be a plain folder name"):
        confine(TrainConfig(data_path="x.csv", project_name="../../etc/cron.d"), space=False)
    with pytest.raises(ConfigError, match="must be a plain folder name"):
        confine(TrainConfig(data_path="x.csv", project_name="/tmp/elsewhere"), space=False)
    assert confine(TrainConfig(data_path="x.csv", project_name="mine"), space=False).project_name == str(runs_root / "mine")


def test_on_a_space_a_config_cannot_read_files_of_the_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    with pytest.raises(ConfigError, match="data_path: '/etc/passwd' lies outside the folders this app may read"):
        confine(TrainConfig(data_path="/etc/passwd"), space=True)
    with pytest.raises(ConfigError, match="valid_split: '/etc/hostname' lies outside"):
        confine(TrainConfig(data_path="owner/dataset", valid_split="/etc/hostname"), space=True)
    assert confine(TrainConfig(data_path="owner/dataset"), space=True).data_path == "owner/dataset"


@pytest.mark.heavy
def test_on_a_space_only_the_person_who_started_a_run_may_stop_or_delete_it(monkeypatch, runs_root, tmp_path, tiny_model):
    from ui import runs_tab, train_tab

    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    # on a Space a local model must lie in the runs folder; the run trains in a child process, so it is copied there
    model = shutil.copytree(tiny_model, runs_root / "base-model")
    data = str(write_csv(tmp_path / "p.csv", *rows_for("pair_score", 200)))
    job = registry.start(TrainConfig(data_path=data, model=str(model), epochs=50, batch_size=4), owner="alice")
    try:
        bob, alice = SimpleNamespace(username="bob"), SimpleNamespace(username="alice")
        with pytest.raises(gr.Error, match="this run is not yours, so you cannot stop it"):
            train_tab.stop(str(job.folder.path), profile=bob)
        with pytest.raises(gr.Error, match="not yours"):
            train_tab.stop(str(job.folder.path))  # not logged in
        assert job.state.state not in ("stopped", "finished")
        assert "stop requested" in train_tab.stop(str(job.folder.path), profile=alice)
        assert job.wait(HANG_GUARD) and job.snapshot()["state"] == "stopped"
        with pytest.raises(gr.Error, match="this run is not yours, so you cannot delete it"):
            runs_tab.delete(job.folder.name, True, profile=bob)
        assert job.folder.path.is_dir()
    finally:
        job.stop()
        job.wait(HANG_GUARD)


def check_data(client) -> str:
    """The "Check data" button of that client's session, the form left as the page shows it."""
    endpoint = client.view_api(return_format="dict")["named_endpoints"]["/check_data"]
    values = {p["parameter_name"]: p.get("parameter_default") for p in endpoint["parameters"]}
    return client.predict(**values, api_name="/check_data")


@pytest.mark.heavy
def test_two_sessions_keep_their_own_tables_and_the_second_is_told_the_studio_is_busy(
    runs_root, tmp_path, tiny_model, monkeypatch
):
    from gradio_client import Client, handle_file

    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    mine = write_csv(tmp_path / "mine.csv", ["anchor", "positive"], rows_for("pair", 300)[1])
    theirs = write_csv(tmp_path / "theirs.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 30)[1])
    with serve_app() as url:
        first, second = Client(url, verbose=False), Client(url, verbose=False)
        assert "Suggested trainer: **pair**" in first.predict(handle_file(str(mine)), api_name="/load_file")[0]
        assert "Suggested trainer: **pair_score**" in second.predict(handle_file(str(theirs)), api_name="/load_file")[0]
        config = f"data_path: {tmp_path / 'mine.csv'}\nmodel: {tiny_model}\nepochs: 100\nbatch_size: 4\n"
        run_dir = first.predict(config, api_name="/start_run")
        try:
            with pytest.raises(Exception, match="the studio is busy: run '.*' is still training"):
                second.predict(f"data_path: {tmp_path / 'theirs.csv'}\nmodel: {tiny_model}\n", api_name="/start_run")
            # the busy studio still answers the playground
            assert second.predict(tiny_model, "", "a dog runs", "a cat sleeps", api_name="/similarity").endswith("similarity")
            # each session reads its own upload: the data check of each names its own table's loss
            assert "MultipleNegativesRankingLoss" in check_data(first) and "CoSENTLoss" not in check_data(first)
            assert "CoSENTLoss" in check_data(second)
        finally:
            first.predict(run_dir, api_name="/run_status")
            registry.current().stop()
            deadline = time.time() + HANG_GUARD  # a hang guard only: the wait is for the run's end
            while registry.current().state.state not in ("stopped", "finished", "failed") and time.time() < deadline:
                time.sleep(0.2)
