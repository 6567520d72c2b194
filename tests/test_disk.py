"""Disk: a run that would not fit is refused with both figures; a Space prunes by age and quota; zips leave nothing."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from core.runs import disk
from core.runs.index import delete_run, zip_dir, zip_model


def _run(runs_root, name: str, *, age_days: float, size: int = 1000, state: str = "finished", model: bool = True):
    path = runs_root / name
    (path / "model").mkdir(parents=True)
    ended = time.time() - age_days * 86400
    (path / "status.json").write_text(json.dumps({"state": state, "finished_at": ended, "started_at": ended}))
    (path / "config.yaml").write_text("model: x\n")
    if model:
        (path / "model" / "modules.json").write_text("[]")
        (path / "model" / "weights.bin").write_bytes(b"0" * size)
    return path


def test_a_run_that_would_not_fit_on_the_disk_is_refused_with_both_figures(runs_root):
    weights = 90 * 2**20  # MiniLM's fp32 weights
    need = disk.needed_bytes(weights, 2)
    assert need == int(weights * (3 * 3 + 1) * 1.1) + disk.MARGIN_BYTES
    with pytest.raises(disk.DiskError, match=r"needs about 1.2\d GB .* and 500 MB is free"):
        disk.check_room(weights, 2, free=500 * 10**6)
    disk.check_room(weights, 2, free=need + 1)
    disk.check_room(None, 2, free=0)  # an unknown size is not refused


def test_the_app_refuses_a_run_before_its_folder_is_made_when_the_disk_is_too_small(runs_root, tiny_model, data_for, monkeypatch):
    from core.config import TrainConfig
    from core.training.registry import JobRegistry

    monkeypatch.setattr(disk, "usage", lambda: disk.Usage(runs=0, datasets=0, free=1000))
    with pytest.raises(disk.DiskError, match="not enough disk for this run"):
        JobRegistry().start(TrainConfig(data_path=data_for("pair"), model=tiny_model))
    assert not runs_root.exists() or not any(runs_root.iterdir())


def test_off_a_space_nothing_is_pruned(runs_root, monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    _run(runs_root, "ancient", age_days=400)
    assert disk.prune() == [] and (runs_root / "ancient").is_dir()


def test_on_a_space_old_runs_and_uploads_go_then_the_oldest_until_under_the_quota(runs_root, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SPACE_ID", "owner/sbert-studio")
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    monkeypatch.setenv(disk.QUOTA_ENV, str(25_000 / 1e9))  # 25 kB
    _run(runs_root, "old", age_days=9)
    _run(runs_root, "middle", age_days=3, size=10_000)
    _run(runs_root, "new", age_days=1, size=10_000)
    upload = tmp_path / "datasets" / "user-alice" / "old.csv"
    upload.parent.mkdir(parents=True)
    upload.write_text("a,b\n")
    os.utime(upload, (time.time() - 8 * 86400,) * 2)
    fresh = upload.with_name("fresh.csv")
    fresh.write_text("a,b\n" * 2000)  # 8 kB
    with caplog.at_level(logging.INFO, logger="sbert_studio"):
        removed = disk.prune()
    assert not (runs_root / "old").exists() and not upload.exists()  # past 7 days
    assert not (runs_root / "middle").exists()  # the oldest while over the quota
    assert (runs_root / "new").is_dir() and fresh.exists()  # under the quota now
    assert len(removed) == 3 and all(line in caplog.text for line in removed)
    assert "older than 7 days" in removed[0] and "over the quota" in removed[-1]


def test_on_a_space_the_run_that_trains_is_never_pruned(runs_root, monkeypatch):
    from core.runs import lock

    monkeypatch.setenv("SPACE_ID", "owner/sbert-studio")
    path = _run(runs_root, "training-for-weeks", age_days=30, state="training")
    held, _ = lock.acquire(path, "app")
    try:
        assert disk.prune() == [] and path.is_dir()
    finally:
        lock.release(held)


def test_a_zip_download_is_one_file_per_run_replaced_each_time_and_removed_with_the_run(runs_root):
    _run(runs_root, "zipped", age_days=0)
    before = set(zip_dir().iterdir()) if zip_dir().exists() else set()
    first, second = zip_model("zipped"), zip_model("zipped")
    assert first == second == zip_dir() / "zipped-model.zip"
    assert set(zip_dir().iterdir()) - before == {first}  # no temporary folder, no half-written file
    delete_run("zipped")
    assert not first.exists()


def test_the_disk_usage_counts_runs_and_uploads(runs_root, tmp_path, monkeypatch):
    monkeypatch.setenv("SBERT_STUDIO_DATASETS", str(tmp_path / "datasets"))
    _run(runs_root, "a", age_days=0, size=5000)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "t.csv").write_bytes(b"x" * 3000)
    used = disk.usage()
    assert used.runs >= 5000 and used.datasets == 3000 and used.free > 0
    assert "free on this disk" in used.describe()
