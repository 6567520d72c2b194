"""The app launched for real and driven through gradio_client, as a script or another program would."""

from __future__ import annotations

import time

import pytest
from conftest import rows_for, write_csv
from live_app import serve_app

from core.runs.folder import RunFolder


@pytest.fixture
def client(runs_root, tmp_path, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    with serve_app() as url:
        yield Client(url, verbose=False)


@pytest.mark.heavy
def test_the_launched_app_loads_a_file_and_trains_a_yaml_config_through_its_api(client, tiny_model, tmp_path):
    from gradio_client import handle_file

    path = write_csv(tmp_path / "sts.csv", ["sentence1", "sentence2", "score"], rows_for("pair_score", 60)[1])
    summary, preview, trainer, *_ = client.predict(handle_file(str(path)), api_name="/load_file")
    assert "60 rows × 3 columns" in summary and trainer["value"] == "pair_score"
    assert preview["headers"] == ["sentence1", "sentence2", "score"]

    config = f"data_path: {path}\nmodel: {tiny_model}\nepochs: 2\nbatch_size: 8\n"
    run_dir = client.predict(config, api_name="/start_run")
    deadline = time.time() + 900  # a hang guard only: the verdict is the run's end, however slow the machine
    while time.time() < deadline and client.predict(run_dir, api_name="/run_status")["state"] not in ("finished", "failed"):
        time.sleep(0.5)
    status = client.predict(run_dir, api_name="/run_status")
    assert status["state"] == "finished", status["error"]
    assert status["trainer"] == "pair_score" and status["baseline"] is not None and status["final"] is not None
    evaluations = [e for e in RunFolder(run_dir).read_metrics() if "primary" in e]
    assert evaluations[-1].get("final") and not evaluations[0].get("final")  # the saved model's evaluation comes last
    assert evaluations[-1]["primary"] == pytest.approx(status["final"])  # and is the run's one figure
    _, _status, _progress, _loss, _metric, _log, summary_table, folder, card, code, _zip = client.predict(api_name="/attach")
    assert summary_table["headers"] == ["metric", "before", "after", "change"]
    assert "model in `model/`" in folder
    assert "Your model" in card and "SentenceTransformer(" in code  # the result card, through the API too


def test_an_error_reaches_the_caller_as_a_message_and_the_app_keeps_working(client, tmp_path):
    from gradio_client import handle_file

    bad = tmp_path / "sheet.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    with pytest.raises(Exception, match="save the sheet as CSV"):
        client.predict(handle_file(str(bad)), api_name="/load_file")
    with pytest.raises(Exception, match="someone/missing"):
        client.predict("someone/missing", api_name="/load_hub")
    good = write_csv(tmp_path / "pairs.csv", ["anchor", "positive"], rows_for("pair", 20)[1])
    summary, *_ = client.predict(handle_file(str(good)), api_name="/load_file")
    assert "Suggested trainer: **pair**" in summary


def test_the_playground_answers_similarity_and_search_through_its_api(client, tiny_model):
    text = client.predict(tiny_model, tiny_model, "the dog runs", "a dog is running", api_name="/similarity")
    assert text.endswith("cosine similarity")
    corpus = "the dog runs\na cat sleeps\nthe car drives\nwater is blue"
    hits, _ = client.predict(tiny_model, "", corpus, "a dog", 2, api_name="/search")
    assert hits["headers"] == ["rank", "moved", "base rank", "score", "text"] and len(hits["data"]) == 2
    with pytest.raises(Exception, match="the query is empty"):
        client.predict(tiny_model, "", corpus, " ", 2, api_name="/search")
