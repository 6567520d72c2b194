"""Every case of the bad-input corpus (tests/bad_inputs.py), through the data tab's handler and the console script.

A case either reads and prepares like any table, or gets a message that names the problem and
the fix: never a traceback, never a file written outside the datasets and runs folders, and the
handler keeps working for the next file.
"""

from __future__ import annotations

import gradio as gr
import pytest
from bad_inputs import CASES, write_case

from cli import main as cli_main
from core.config import TrainConfig
from core.data.load import load_training_data
from core.errors import DataError
from ui import data_tab

NAMES = [case[0] for case in CASES]


def outcome_of(name: str) -> str | None:
    return next(case[3] for case in CASES if case[0] == name)


@pytest.fixture
def folders(tmp_path, monkeypatch, runs_root):
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "kept"))
    (tmp_path / "in").mkdir()
    return tmp_path


def test_the_corpus_holds_at_least_forty_cases_of_both_kinds():
    assert len(CASES) >= 40 and len(set(NAMES)) == len(NAMES)
    assert sum(case[3] is None for case in CASES) >= 15 and sum(case[3] is not None for case in CASES) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_the_data_tab_reads_it_or_says_what_is_wrong(name, folders):
    path = write_case(folders / "in", name)
    expected = outcome_of(name)
    try:
        shown = data_tab.load_upload(str(path))
        load_training_data(TrainConfig(data_path=shown["data_path"]))  # what "Check data" and training do next
    except gr.Error as exc:
        message = exc.message
    except DataError as exc:
        message = str(exc)
    else:
        assert expected is None, f"{name}: read without complaint, but should say {expected!r}"
        assert shown["data_path"].startswith(str(folders / "kept"))  # the kept copy stays inside the datasets folder
        return
    assert expected is not None, f"{name}: refused with {message!r}"
    assert expected in message and "Traceback" not in message
    written = [p for p in folders.rglob("*") if p.is_file() and not p.is_relative_to(folders / "in")]
    assert all(p.is_relative_to(folders / "kept") or p.is_relative_to(folders / "runs") for p in written)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.heavy
def test_the_console_script_trains_it_or_says_what_is_wrong(name, folders, tiny_model, capsys):
    path = write_case(folders / "in", name)
    expected = outcome_of(name)
    code = cli_main(
        ["train", "--data-path", str(path), "--model", tiny_model, "--epochs", "1", "--batch-size", "8",
         "--max-samples", "16", "--project-name", str(folders / "runs" / "r")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if expected is None:
        assert code == 0, err[-1500:]
    else:
        assert code in (1, 2) and expected in err, err[-1500:]


def test_a_file_over_the_upload_limit_is_refused_before_it_is_copied(folders, monkeypatch):
    monkeypatch.setenv("SBERT_STUDIO_MAX_UPLOAD_MB", "0.001")
    path = write_case(folders / "in", "texts of 100,000 characters")
    with pytest.raises(gr.Error, match=r"is 2\.\d MB; the limit is 0 MB \(SBERT_STUDIO_MAX_UPLOAD_MB\)"):
        data_tab.load_upload(str(path))
    assert not (folders / "kept").exists() or not any((folders / "kept").iterdir())
