"""Shared fixtures: offline Hub, a tiny BERT built once per session, small data files written inline."""

from __future__ import annotations

import csv
import json
import os
import random
import tempfile
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")
# Runs (and the one-run-per-machine lock) of tests never land in ./runs, where `make run` may be training
os.environ["SBERT_STUDIO_RUNS"] = tempfile.mkdtemp(prefix="sbert-test-runs-")
# `make test` runs the suite in WORKERS processes (pytest-xdist): each trains and encodes on one thread (torch,
# and the processes its tests start), so that the workers share the cores instead of fighting over them
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"

from tiny_model import build_tiny_bert, corpus

from core.training import prefork

# pytest writes PYTEST_CURRENT_TEST anew for each test, and no run reads it: no reason for the app to retire its
# warm prefork (and start a run cold) at each test, as it would for a change of the run's real environment
prefork.SET_BY_LIBRARIES = (*prefork.SET_BY_LIBRARIES, "PYTEST_CURRENT_TEST")

# `make test-fast` sets this: the edit-loop tier, where no test may train, start a process or open a browser
TIER_ENV = "SBERT_STUDIO_TEST_TIER"
FAST_TIER = os.environ.get(TIER_ENV) == "fast"


class HeavyInFastTier(BaseException):
    """Raised (past every `except Exception`) when a test of the fast tier trains, starts a process or a browser."""


def _forbid(what: str):
    def refuse(*args, **kwargs):
        raise HeavyInFastTier(f"{what} in the fast tier: mark the test `heavy` (it belongs to `make test` only)")

    return refuse


def pytest_collection_modifyitems(items):
    """A `slow` test (the real MiniLM, several processes) is `heavy` too: the fast tier leaves both out."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("heavy"):
            item.add_marker(pytest.mark.heavy)


@pytest.fixture(autouse=True)
def fast_tier_guard(request, monkeypatch):
    """In the fast tier, starting a process (a child run, a browser, a console script) or training fails the test
    loudly, whatever catches exceptions on the way: a guard, not a convention."""
    if not FAST_TIER:
        yield
        return
    import multiprocessing
    import subprocess

    violations: list[str] = []

    def guard(what: str):
        refuse = _forbid(what)

        def record(*args, **kwargs):
            violations.append(what)
            refuse()

        return record

    monkeypatch.setattr(subprocess.Popen, "__init__", guard("starting a process"))
    monkeypatch.setattr(multiprocessing.Process, "start", guard("starting a process"))
    monkeypatch.setattr(os, "fork", guard("forking a process"))
    from core.runs.state import RunState  # light: the trainer's own module takes seconds to import

    set_state, training = RunState.set_state, guard("training a model")

    def set_state_unless_training(self, state, *args, **kwargs):
        if state == "preparing":  # the first step of every TrainingJob run, before data or model is touched
            training()
        return set_state(self, state, *args, **kwargs)

    monkeypatch.setattr(RunState, "set_state", set_state_unless_training)
    yield
    if violations:
        pytest.fail(f"{violations[0]} in the fast tier: mark this test `heavy`", pytrace=False)


ROOT = Path(__file__).resolve().parents[1]
# How long a test waits for an event (a run's end, a stop) before it calls the run hung. Only a guard against
# hangs: a busy machine is slow, never wrong, so no verdict depends on this clock (issue: a CI run beside a
# benchmark took three times as long).
HANG_GUARD = 900
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """Path of a plain transformers BERT (hidden size 32, one layer) with its WordPiece tokenizer."""
    return str(build_tiny_bert(tmp_path_factory.mktemp("tiny-bert")))


@pytest.fixture
def runs_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "runs"
    monkeypatch.setenv("SBERT_STUDIO_RUNS", str(root))
    return root


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared real-data folder {SHARED_DATA} is absent on this machine")
    return SHARED_DATA


def sentences(n: int, seed: int = 0) -> list[str]:
    out = corpus(n + 50)
    random.Random(seed).shuffle(out)
    return out[:n]


def rows_for(trainer: str, n: int = 60, seed: int = 0) -> tuple[list[str], list[list]]:
    """Header and rows of a small table in the shape `trainer` expects, with AutoTrain's column names."""
    rng = random.Random(seed)
    a, b, c = sentences(n, seed), sentences(n, seed + 1), sentences(n, seed + 2)
    if trainer in ("pair", "qa"):
        return ["sentence1", "sentence2"], [[a[i], b[i]] for i in range(n)]
    if trainer == "triplet":
        return ["sentence1", "sentence2", "sentence3"], [[a[i], b[i], c[i]] for i in range(n)]
    if trainer == "pair_score":
        return ["sentence1", "sentence2", "target"], [[a[i], b[i], round(rng.uniform(0, 5), 2)] for i in range(n)]
    if trainer == "pair_class":
        return ["sentence1", "sentence2", "target"], [[a[i], b[i], i % 2] for i in range(n)]
    if trainer == "rerank":  # WikiQA's shape: each query repeated over three documents, the first one relevant
        return ["sentence1", "sentence2", "target"], [[a[i // 3], b[i], int(i % 3 == 0)] for i in range(n)]
    if trainer == "single_class":
        return ["sentence1", "target"], [[a[i], ["sports", "food", "travel"][i % 3]] for i in range(n)]
    raise ValueError(trainer)


def write_csv(path: Path, header: list[str] | None, rows: list[list], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def data_for(tmp_path):
    """data_for(trainer, n=60) -> path of a CSV shaped for that trainer type."""

    def make(trainer: str, n: int = 60, name: str | None = None) -> str:
        header, rows = rows_for(trainer, n)
        return str(write_csv(tmp_path / (name or f"{trainer}.csv"), header, rows))

    return make


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory, tiny_model):
    """finished_run(trainer="pair") -> the folder of a finished run of that trainer type on the tiny model (60 rows,
    one epoch, batch 8), trained once per session (per worker) for the tests that only read a run."""
    from core.config import TrainConfig
    from core.training.job import TrainingJob

    done: dict[str, Path] = {}

    def finished(trainer: str = "pair") -> Path:
        if trainer not in done:
            folder = tmp_path_factory.mktemp(f"finished-{trainer}")
            header, rows = rows_for(trainer, 60)
            data = write_csv(folder / f"{trainer}.csv", header, rows)
            config = TrainConfig(data_path=str(data), model=tiny_model, trainer=trainer, epochs=1, batch_size=8)
            snapshot = TrainingJob(config, run_dir=str(folder / "run")).run()
            assert snapshot["state"] == "finished", snapshot.get("error")
            done[trainer] = folder / "run"
        return done[trainer]

    return finished


def copy_run(source: Path, root: Path, name: str) -> Path:
    """A copy of a finished run under `root` as `name` (a test may push, zip or delete it)."""
    import shutil

    return Path(shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(".training.lock*")))
