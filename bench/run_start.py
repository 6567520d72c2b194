"""Run start: seconds from Start to the run's first training step, a cold child against one forked from the prefork.

The app's registry starts the same run (all-MiniLM-L6-v2, 200 STS-B pairs) alternately cold (`SBERT_STUDIO_PREFORK=0`:
a new interpreter imports torch, transformers and sentence-transformers) and forked from the warm prefork (those
imports done once, in advance). The clock runs from `registry.start` to the first status.json that says `training`
(the data is read, the model loaded, the baseline evaluated); then the run is stopped. Also: the prefork's resident
memory (what the app holds in advance for this).

    python bench/run_start.py                                  # 3 of each
    python bench/run_start.py --repeats 1 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb" / "stsb-en-train.csv"


def time_to_training(config, cold: bool) -> float:
    """Start the run, wait for its first training step (state `training`), stop it; returns the seconds."""
    from core.training import prefork
    from core.training.registry import registry

    os.environ[prefork.PREFORK_ENV] = "0" if cold else "1"
    started = time.perf_counter()
    job = registry.start(config)
    assert isinstance(job.process, prefork.Forked) != cold, "the run did not start the way it was asked to"
    while (state := job.snapshot().get("state")) not in ("training", "finished", "stopped", "failed"):
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    job.stop()
    job.wait(600)
    if state != "training":
        raise SystemExit(f"the run ended {state} before training: {job.snapshot().get('error')}")
    return seconds


def prefork_memory_mb() -> float:
    import psutil

    from core.training import prefork

    return psutil.Process(prefork._current.process.pid).memory_info().rss / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from core.config import TrainConfig
    from core.training import prefork
    from core.training.supervisor import child_environment

    tmp = Path(tempfile.mkdtemp(prefix="sbert-run-start-"))
    os.environ.update(SBERT_STUDIO_RUNS=str(tmp / "runs"), HF_HUB_OFFLINE="1")
    with open(STSB, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[: args.rows]
    data = tmp / "pairs.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["sentence1", "sentence2", "score"], *rows])
    config = TrainConfig(data_path=str(data), model=args.model, trainer="pair_score", epochs=50, batch_size=16)

    prefork.warm_up(child_environment())  # as the app does when it starts
    assert prefork._current.ready.wait(600) and prefork._current.usable, "the prefork did not get ready"
    times: dict[str, list[float]] = {"cold": [], "forked": []}
    for _ in range(args.repeats):
        times["cold"].append(round(time_to_training(config, cold=True), 2))
        times["forked"].append(round(time_to_training(config, cold=False), 2))
    medians = {k: statistics.median(v) for k, v in times.items()}
    memory = round(prefork_memory_mb())
    machine = describe()
    result = {"machine": machine, "model": args.model, "rows": len(rows), "seconds": times, "medians": medians}
    result |= {"prefork_rss_mb": memory, "ratio": round(medians["forked"] / medians["cold"], 3)}
    lines = [
        f"# Run start: Start to the first training step ({Path(args.model).name}, {len(rows)} STS-B pairs)",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['gpu'] or 'no GPU'}. Alternating, "
        f"{args.repeats} of each; the step is reached after reading the data, loading the model and the baseline.",
        "",
        "| start | median s | runs |",
        "|---|---|---|",
        *(f"| {k} | {medians[k]:.2f} | {', '.join(map(str, v))} |" for k, v in times.items()),
        "",
        f"forked / cold: **{result['ratio']:.2f}**; the prefork holds {memory} MB resident while it waits.",
    ]
    write("run_start", result, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
