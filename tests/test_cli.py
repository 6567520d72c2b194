"""The console script: AutoTrain's flags and YAML, and bad input answered with a message, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import rows_for, write_csv

from cli import main

BIN = Path(sys.executable).parent


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main(["train", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.heavy
def test_an_autotrain_docs_command_runs_with_the_console_script(tmp_path, data_for, tiny_model):
    project = tmp_path / "my-st-model"
    command = [
        str(BIN / "sbert-studio"), "train",
        "--model", tiny_model, "--project-name", str(project), "--data-path", data_for("pair_score", 80),
        "--trainer", "pair_score", "--sentence1-column", "sentence1", "--sentence2-column", "sentence2",
        "--target-column", "target", "--train-split", "train", "--max-samples", "60", "--lr", "3e-5",
        "--epochs", "1", "--batch-size", "8", "--max-seq-length", "32", "--warmup-ratio", "0.1",
        "--gradient-accumulation", "1", "--optimizer", "adamw_torch", "--scheduler", "linear", "--weight-decay", "0.0",
        "--max-grad-norm", "1.0", "--seed", "42", "--mixed-precision", "none", "--logging-steps", "-1",
        "--eval-strategy", "epoch", "--early-stopping-patience", "5", "--early-stopping-threshold", "0.01",
        "--save-total-limit", "1", "--log", "none", "--loss", "CoSENTLoss", "--validation-fraction", "0.2",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "sentence1 <- 'sentence1', sentence2 <- 'sentence2', target <- 'target'" in done.stderr  # mapping printed
    assert "it/s]" in done.stderr  # the progress bar
    assert (project / "model" / "model.safetensors").exists()
    assert json.loads((project / "status.json").read_text())["state"] == "finished"
    assert yaml.safe_load((project / "config.yaml").read_text())["max_samples"] == 60


@pytest.mark.heavy
def test_a_yaml_config_with_flag_overrides(tmp_path, data_for, tiny_model, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"data_path": data_for("triplet"), "model": tiny_model, "trainer": "triplet", "epochs": 5}))
    project = tmp_path / "run"
    code, out = run_cli(capsys, "--config", config, "--epochs", "1", "--batch-size", "8", "--project-name", project)
    assert code == 0, out
    saved = yaml.safe_load((project / "config.yaml").read_text())
    assert (saved["trainer"], saved["epochs"], saved["batch_size"]) == ("triplet", 1.0, 8)


@pytest.mark.heavy
def test_columns_are_suggested_and_printed_when_no_flags_name_them(tmp_path, tiny_model, capsys):
    rows = [[f"question {i} about paris?", f"answer {i} is london river", i] for i in range(40)]
    path = write_csv(tmp_path / "qa.csv", ["query", "passage", "id"], rows)
    code, out = run_cli(capsys, "--data-path", path, "--model", tiny_model, "--batch-size", "8", "--project-name", tmp_path / "r")
    assert code == 0, out
    assert "trainer qa (suggested from the columns)" in out
    assert "sentence1 <- 'query', sentence2 <- 'passage'" in out


@pytest.mark.heavy
def test_non_utf8_data_is_detected_and_trained_on(tmp_path, tiny_model, capsys):
    header, rows = rows_for("pair", 40)
    text = ",".join(header) + "\n" + "".join(f"{a} café,{b} thé\n" for a, b in rows)
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    code, out = run_cli(capsys, "--data-path", path, "--model", tiny_model, "--trainer", "pair", "--project-name", tmp_path / "r")
    assert code == 0, out
    report = json.loads((tmp_path / "r" / "data_report.json").read_text())
    assert report["read"]["train"]["encoding"] != "utf-8"


def bad_file(tmp_path: Path, kind: str) -> Path:
    header, rows = rows_for("pair_score", 30)
    path = tmp_path / "data.csv"
    if kind == "empty":
        path.write_text("")
    elif kind == "header_only":
        path.write_text("sentence1,sentence2,target\n")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "bad_score":
        rows[4][2] = "very similar"
        write_csv(path, header, rows)
    elif kind == "one_class":
        write_csv(path, header, [[a, b, 1] for a, b, _ in rows])
    elif kind == "all_dropped":
        write_csv(path, header, [[a, "", s] for a, _, s in rows])
    else:
        write_csv(path, header, rows)
    return path


DATA_ERRORS = [
    ("missing", ["--data-path", "{tmp}/nope.csv"], "data file '.*nope.csv' not found"),
    ("empty", [], "is empty"),
    ("header_only", [], "only a header row"),
    ("binary", [], "is binary, not a table"),
    ("fine", ["--sentence1-column", "text"], "column 'text' .* Columns found: 'sentence1', 'sentence2', 'target'"),
    ("bad_score", [], "must hold numbers, but training row 5 holds 'very similar'"),
    ("fine", ["--trainer", "triplet"], "trainer 'triplet' needs 3 text column"),
    ("one_class", ["--trainer", "pair_class"], "one class only"),
    ("all_dropped", [], "every training row was dropped"),
]


@pytest.mark.parametrize(("kind", "flags", "message"), DATA_ERRORS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(DATA_ERRORS)])
@pytest.mark.heavy
def test_bad_data_fails_with_the_fix_and_no_finished_run(kind, flags, message, tmp_path, tiny_model, capsys):
    path = bad_file(tmp_path, kind)
    project = tmp_path / "run"
    flags = [f.replace("{tmp}", str(tmp_path)) for f in flags]
    args = ["--data-path", path, "--model", tiny_model, "--project-name", project, *flags]
    if "--trainer" not in flags:
        args += ["--trainer", "pair_score"]
    code, out = run_cli(capsys, *args)
    assert code == 1
    assert "Traceback" not in out
    import re

    assert re.search(message, out), out[-2000:]
    assert not (project / "model").exists()
    assert json.loads((project / "status.json").read_text())["state"] == "failed"


CONFIG_ERRORS = [
    (["--trainer", "pairs"], "trainer: 'pairs' is not a trainer type. Allowed: pair, qa, triplet"),
    (["--trainer", "pair", "--loss", "CoSENT"], "loss: 'CoSENT' is not offered for trainer 'pair'"),
    (["--optimizer", "adamw"], "optimizer: 'adamw' is not allowed. Allowed: "),
    (["--scheduler", "warm"], "scheduler: 'warm' is not allowed. Allowed: "),
    (["--mixed-precision", "fp4"], "mixed_precision: 'fp4' is not allowed. Allowed: auto, no, fp16, bf16"),
    (["--lr", "0"], "lr: 0.0 must be greater than 0"),
    (["--epochs", "-2"], "epochs: -2.0 must be greater than 0"),
    (["--batch-size", "0"], "batch_size: 0 must be greater than 0"),
    (["--lr", "fast"], "lr: 'fast' is not a number"),
]


@pytest.mark.parametrize(("flags", "message"), CONFIG_ERRORS)
def test_bad_settings_are_refused_before_anything_is_written(flags, message, tmp_path, tiny_model, capsys):
    project = tmp_path / "run"
    code, out = run_cli(
        capsys, "--data-path", bad_file(tmp_path, "fine"), "--model", tiny_model, "--project-name", project, *flags
    )
    assert code == 2
    assert message in out and "Traceback" not in out
    assert not project.exists()


def test_fp16_on_a_cpu_machine_is_refused(tmp_path, tiny_model, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, out = run_cli(capsys, "--data-path", bad_file(tmp_path, "fine"), "--model", tiny_model, "--mixed-precision", "fp16")
    assert code == 2 and "needs a CUDA GPU" in out


@pytest.mark.heavy
def test_an_existing_run_folder_is_refused_with_exit_2(tmp_path, tiny_model, capsys):
    project = tmp_path / "run"
    args = [
        "--data-path",
        bad_file(tmp_path, "fine"),
        "--model",
        tiny_model,
        "--project-name",
        project,
        "--trainer",
        "pair_score",
    ]
    assert run_cli(capsys, *args)[0] == 0
    code, out = run_cli(capsys, *args)
    assert code == 2 and "already holds a run" in out


@pytest.mark.heavy
def test_bad_input_through_the_real_console_script_prints_no_traceback(tmp_path):
    done = subprocess.run(
        [str(BIN / "sbert-studio"), "train", "--data-path", str(tmp_path / "missing.csv"), "--project-name", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1
    assert "error: data file" in done.stderr and "Traceback" not in done.stderr
