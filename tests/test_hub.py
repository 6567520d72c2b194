"""Pushing to the Hub, against a fake Hub served for real on 127.0.0.1; and the rules on a Space.

The token used here is a recognisable string, so every file the studio wrote, its log and every
answer the page got can be searched for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest
from conftest import HANG_GUARD, copy_run, rows_for, write_csv
from fake_hub import FakeHub, serve_fake_hub

from core.config import TrainConfig, load_config
from core.hub.push import CARD_MARKER
from ui import hub_tab

TOKEN = "hf_TopSecretToken123456"
READ_ONLY = "hf_ReadOnlyToken654321"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def hub(monkeypatch):
    """The fake Hub, with huggingface_hub and the studio pointed at it and offline mode off."""
    import huggingface_hub.constants as constants

    with serve_fake_hub(FakeHub({TOKEN: "alice", READ_ONLY: "bob"}, read_only={READ_ONLY})) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        monkeypatch.setattr(constants, "ENDPOINT", fake.url)
        # downloads build their URL from this template, made from the endpoint when huggingface_hub was imported
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", fake.url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield fake


@pytest.fixture
def run(runs_root, finished_run):
    """A finished pair run of the tiny model, as `my-run` in this test's runs folder (a copy: tests push and zip it)."""
    return copy_run(finished_run("pair"), runs_root, "my-run")


def files_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


@pytest.mark.heavy
def test_push_from_the_hub_tab_delivers_model_files_and_an_enriched_card(hub, run):
    repo = hub_tab.fill_repo_id("my-run", TOKEN)
    assert repo == "alice/my-run"
    answer = hub_tab.push("my-run", TOKEN, repo, True, False, "")
    assert f"{hub.url}/alice/my-run" in answer and "private" in answer
    files = hub.repos["alice/my-run"]
    assert {"modules.json", "model.safetensors", "config.json", "README.md"} <= set(files)
    card = files["README.md"].decode()
    assert CARD_MARKER in card and "Trainer type: `pair`" in card and "before training →" in card
    assert hub.private["alice/my-run"] is True
    # the token is in no file of the run, nor in any answer the page got
    assert files_containing(run, TOKEN) == [] and TOKEN not in answer + repo


@pytest.mark.heavy
def test_the_onnx_export_goes_to_the_hub_only_when_asked_and_is_made_for_the_push_if_missing(hub, run):
    hub_tab.push("my-run", TOKEN, "alice/served", True, False, "", True)  # “Include the ONNX export” ticked
    files = hub.repos["alice/served"]
    assert {"onnx/model.onnx", "onnx/model_int8.onnx", "onnx/export.json", "onnx/README.md"} <= set(files)
    assert "## ONNX export (SBERT Studio)" in files["README.md"].decode()
    assert json.loads(files["onnx/export.json"])["fp32"]["min_cosine"] >= 0.9999
    # not ticked: the run's export stays local, and the pushed card does not speak of files it lacks
    hub_tab.push("my-run", TOKEN, "alice/plain", True, False, "")
    plain = hub.repos["alice/plain"]
    assert not any(name.startswith("onnx/") for name in plain) and "ONNX export" not in plain["README.md"].decode()
    assert {"modules.json", "model.safetensors"} <= set(plain) and CARD_MARKER in plain["README.md"].decode()


@pytest.mark.heavy
def test_a_run_of_a_model_with_its_own_code_records_it_and_the_playground_and_the_push_use_it(hub, runs_root, tmp_path):
    """nomic-embed and arctic-embed v2 ship their architecture as code (config.json's auto_map)."""
    from tiny_model import build_tiny_remote_code_model

    from core.inference import cache
    from core.training.job import TrainingJob
    from ui import data_tab, playground_tab

    model = build_tiny_remote_code_model(tmp_path / "custom")
    data = write_csv(tmp_path / "pairs.csv", *rows_for("pair", 40))
    config = TrainConfig(data_path=str(data), model=str(model), trainer="pair", epochs=1, batch_size=8, trust_remote_code=True)
    job = TrainingJob(config, run_dir=str(runs_root / "custom-run"))
    assert job.run()["state"] == "finished"
    run = job.folder.path
    assert load_config(run / "config.yaml").trust_remote_code is True  # recorded with the run
    answer = playground_tab.compare_similarity(str(run / "model"), str(model), "a dog runs", "a cat sleeps")
    assert "picked model" in answer  # the run's model loaded with its code, without being asked again
    assert type(cache.peek_model(str(run / "model"))[0].auto_model).__name__ == "TinyCustomModel"
    hub_tab.push("custom-run", TOKEN, "alice/custom-run", True, False, "")  # uploaded as it is, never loaded
    assert {"tiny_custom.py", "config.json", "model.safetensors"} <= set(hub.repos["alice/custom-run"])
    # the Data tab's mining recipe loads the base model with its code when the Model tab trusts it
    opened = data_tab.load_upload(str(data))
    anchor, positive = opened["mine_anchor"]["value"], opened["mine_positive"]["value"]
    mined = data_tab.make_mined(opened["data_path"], anchor, positive, 1, str(model), True, progress=lambda *a, **k: None)
    assert mined["trainer"]["value"] == "triplet"


@pytest.mark.heavy
def test_each_failed_push_says_why_and_can_be_retried(hub, run, monkeypatch):
    with pytest.raises(gr.Error, match="refused the token \\(401\\)"):
        hub_tab.push("my-run", "hf_wrong", "alice/my-run", True, False, "")
    with pytest.raises(gr.Error, match="may not write to 'alice/my-run' \\(403\\)"):
        hub_tab.push("my-run", READ_ONLY, "alice/my-run", True, False, "")
    hub_tab.push("my-run", TOKEN, "alice/my-run", True, False, "")
    with pytest.raises(gr.Error, match="already exists \\(409\\).*Push to an existing repo"):
        hub_tab.push("my-run", TOKEN, "alice/my-run", True, False, "")
    assert "Pushed" in hub_tab.push("my-run", TOKEN, "alice/my-run", True, True, "again")  # retried, no retraining
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(gr.Error, match="HF_HUB_OFFLINE is set, so nothing can be pushed"):
        hub_tab.push("my-run", TOKEN, "alice/other", True, False, "")
    with pytest.raises(gr.Error, match="no Hub token"):
        hub_tab.push("my-run", "", "alice/other", True, False, "")
    with pytest.raises(gr.Error, match="must look like 'user/name'"):
        hub_tab.push("my-run", TOKEN, "no-slash", True, False, "")


@pytest.mark.heavy
def test_the_console_script_pushes_at_the_end_with_the_token_from_hf_token(hub, runs_root, tmp_path, tiny_model):
    data = write_csv(tmp_path / "pairs.csv", ["anchor", "positive"], rows_for("pair", 40)[1])
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"} | {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "train", "--data-path", str(data), "--model", tiny_model,
         "--project-name", str(runs_root / "cli-run"), "--push-to-hub", "--username", "alice"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"pushed (private): {hub.url}/alice/cli-run" in done.stderr
    assert "model.safetensors" in hub.repos["alice/cli-run"]
    assert TOKEN not in done.stdout + done.stderr
    assert files_containing(runs_root / "cli-run", TOKEN) == []


def test_on_a_space_runs_go_to_persistent_storage_and_local_models_stay_in_the_runs_folder(monkeypatch, tmp_path, tiny_model):
    import core.environment
    from core.errors import ModelError
    from core.inference.models import resolve_model

    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    monkeypatch.delenv("SBERT_STUDIO_RUNS", raising=False)
    monkeypatch.setattr(core.environment, "SPACE_STORAGE", tmp_path / "data")
    (tmp_path / "data").mkdir()
    assert core.environment.runs_root() == tmp_path / "data" / "runs"
    with pytest.raises(ModelError, match="on a Space, a local model must be the model folder of a run"):
        resolve_model(tiny_model)


@pytest.mark.heavy
def test_on_a_space_a_busy_studio_names_the_holder_and_suggests_duplicating(monkeypatch, runs_root, tmp_path, tiny_model):
    from core.training.registry import BusyError, JobRegistry

    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    data = str(write_csv(tmp_path / "p.csv", *rows_for("pair_score", 200)))
    registry = JobRegistry()
    monkeypatch.setattr("core.inference.models.on_space", lambda: False)  # the tiny model lives outside the runs folder
    first = registry.start(TrainConfig(data_path=data, model=tiny_model, epochs=50, batch_size=4), owner="alice")
    try:
        with pytest.raises(
            BusyError, match="started by another visitor.*duplicate the Space.*someone/sbert-studio\\?duplicate=true"
        ):
            registry.start(TrainConfig(data_path=data, model=tiny_model), owner="bob")
    finally:
        first.stop()
        first.wait(HANG_GUARD)


def test_on_a_space_the_dataset_box_reads_no_file_of_the_machine(monkeypatch, tmp_path):
    from ui import data_tab

    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    secret = write_csv(tmp_path / "elsewhere.csv", ["anchor", "positive"], rows_for("pair", 5)[1])
    with pytest.raises(gr.Error, match="Hub dataset id: .* lies outside the folders this app may read"):
        data_tab.load_hub(str(secret))
    with pytest.raises(gr.Error, match="'/etc/passwd' lies outside the folders this app may read"):
        data_tab.load_hub("/etc/passwd")
    assert data_tab.load_example(next(iter(data_tab.EXAMPLES)))["trainer"]["value"] == "pair"  # examples still open


def test_the_app_builds_on_a_space_with_the_login_button(monkeypatch):
    from ui.layout import build_page

    # what the Space runtime sets for a Space whose README says `hf_oauth: true`
    monkeypatch.setenv("SPACE_ID", "someone/sbert-studio")
    monkeypatch.setenv("SYSTEM", "spaces")
    import gradio.oauth

    for name in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES", "OPENID_PROVIDER_URL"):
        monkeypatch.setenv(name, "set-by-the-space")
        monkeypatch.setattr(gradio.oauth, name, "set-by-the-space", raising=False)  # read when gradio was imported
    page = build_page()
    assert hasattr(page.hub, "login")
    front = (ROOT / "README.md").read_text().split("---")[1]
    for key in ("sdk: gradio", "app_file: app.py", "hf_oauth: true", "suggested_hardware:", "sdk_version:"):
        assert key in front
    assert (ROOT / "requirements.txt").is_file()


@pytest.mark.heavy
def test_a_push_through_the_page_leaks_the_token_nowhere(hub, run, runs_root, tmp_path, monkeypatch, caplog):
    import logging

    from gradio_client import Client
    from live_app import serve_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    caplog.set_level(logging.DEBUG)
    with serve_app() as url:
        client = Client(url, verbose=False)
        answer = client.predict("my-run", TOKEN, "alice/from-page", True, False, "", api_name="/push")
        with pytest.raises(Exception, match="refused the token") as refused:
            client.predict("my-run", TOKEN + "x", "alice/other", True, False, "", api_name="/push")
    assert "alice/from-page" in answer and "model.safetensors" in hub.repos["alice/from-page"]
    assert TOKEN not in answer and TOKEN not in str(refused.value)
    assert TOKEN not in caplog.text
    for root in (runs_root, tmp_path / "gradio", tmp_path / "datasets"):
        if root.exists():
            assert files_containing(root, TOKEN) == [], root
