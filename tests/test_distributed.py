"""The same run under torchrun: two CPU processes (gloo) train one model, and only rank 0 writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.runs.folder import RunFolder


@pytest.mark.slow
def test_torchrun_trains_with_ddp_on_cpu_and_only_rank_0_writes(tmp_path, data_for, tiny_model):
    project = tmp_path / "ddp-run"
    data = data_for("pair_score", 120)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "cli", "train", "--data-path", data, "--model", tiny_model, "--project-name", str(project),
        "--trainer", "pair_score", "--batch-size", "8", "--epochs", "1", "--max-seq-length", "32",
    ]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stderr.count("run folder:") == 2  # two processes ran
    run = RunFolder(project)
    status = run.read_status()
    assert status["state"] == "finished" and status["final"] is not None
    # 108 training rows over 2 ranks of batch 8: 7 steps, where one process would take 14
    assert status["max_steps"] <= 7
    lines = run.read_metrics()
    assert [line["step"] for line in lines if "primary" in line].count(0) == 1  # one baseline, from rank 0
    assert (project / "log.txt").read_text().count("state: preparing") == 1
    assert (project / "model" / "model.safetensors").exists()
    assert json.loads((project / "data_report.json").read_text())["rows_kept"]["train"] == 108
