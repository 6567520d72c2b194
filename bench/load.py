"""Load: 20 gradio_client sessions polling the Train tab every 0.5 s while a run trains.

The app is served by `python app.py` in its own process (the watching sessions run here, so
they compete for the CPU as real visitors' requests would, but not for the server's GIL); the
same run (same data, model and settings) trains twice,
once with nobody watching and once with N sessions, each doing what an open page does: load it
once (`attach`: the Train tab re-attaches to the run that trains and draws everything), then call
the Train tab's timer endpoint (`poll`) every 0.5 s, which sends status and progress and, when
the run's files changed since that page's last poll, the plots, log tail and summary. Reported: the
run's training samples/s both ways and their ratio (goal >= 0.95), the poll latency p50/p95
(goal p95 < 100 ms) and the number of failed polls (goal 0).

    python bench/load.py                                   # all-MiniLM-L6-v2, 1,200 STS-B pairs
    python bench/load.py --rows 64 --clients 3 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb" / "stsb-en-train.csv"


def train_once(url: str, config_yaml: str, clients: int, interval: float) -> dict:
    """Start the run, poll it with `clients` sessions until it ends; the run's speed and the polls' latency."""
    from gradio_client import Client

    owner = Client(url, verbose=False)
    sessions = [Client(url, verbose=False) for _ in range(clients)]
    run_dir = owner.predict(config_yaml, api_name="/start_run")
    done, latencies, failures = threading.Event(), [], []

    def watch(client) -> None:
        client.predict(api_name="/attach")  # the page loads (not counted: the figure is the polling)
        while not done.is_set():
            start = time.perf_counter()
            try:
                client.predict(api_name="/poll")
                latencies.append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # every failure counts; the figure is how many
                failures.append(repr(exc))
            time.sleep(max(0.0, interval - (time.perf_counter() - start)))

    threads = [threading.Thread(target=watch, args=(c,), daemon=True) for c in sessions]
    for t in threads:
        t.start()
    while (status := owner.predict(run_dir, api_name="/run_status"))["state"] not in ("finished", "stopped", "failed"):
        time.sleep(1.0)
    done.set()
    for t in threads:
        t.join(10)
    if status["state"] != "finished":
        raise SystemExit(f"the run ended {status['state']}: {status.get('error')}")
    out = {"samples_per_second": status.get("train_samples_per_second"), "polls": len(latencies), "failed_polls": len(failures)}
    if latencies:
        q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
        out |= {"p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(q[18], 1)}
    return out


@contextlib.contextmanager
def served_app(tmp: Path):
    """`python app.py` on a free port with the runs under `tmp`; yields its URL."""
    from live_app import free_port

    port = free_port()
    log = open(tmp / "app.log", "w")  # closed below, after the server
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env={**os.environ, "PORT": str(port)}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="sbert-load-"))
    os.environ.update(SBERT_STUDIO_RUNS=str(tmp / "runs"), SBERT_STUDIO_DATASETS=str(tmp / "datasets"), HF_HUB_OFFLINE="1")
    with open(STSB, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[: args.rows]
    data = tmp / "pairs.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["sentence1", "sentence2", "score"], *rows])
    config = f"data_path: {data}\nmodel: {args.model}\ntrainer: pair_score\nbatch_size: 16\nepochs: 1\neval_strategy: 'no'\n"

    with served_app(tmp) as url:
        alone = train_once(url, config, 0, args.interval)
        watched = train_once(url, config, args.clients, args.interval)
    ratio = watched["samples_per_second"] / alone["samples_per_second"]
    machine = describe()
    data_out = {"machine": machine, "model": args.model, "rows": len(rows), "clients": args.clients, "alone": alone,
                "watched": watched, "ratio": round(ratio, 3)}  # fmt: skip
    table = (
        f"# Load: {args.clients} sessions polling the Train tab every {args.interval} s ({Path(args.model).name}, "
        f"{len(rows):,} STS-B pairs)\n\nMachine: {machine['cpu']}, {machine['cores']} cores, {machine['gpu'] or 'no GPU'}\n\n"
        "| | training samples/s | polls | failed | p50 ms | p95 ms |\n|---|---|---|---|---|---|\n"
        f"| nobody watching | {alone['samples_per_second']:.1f} | – | – | – | – |\n"
        f"| {args.clients} sessions | {watched['samples_per_second']:.1f} | {watched['polls']} | {watched['failed_polls']} | "
        f"{watched.get('p50_ms', 0):.1f} | {watched.get('p95_ms', 0):.1f} |\n\n"
        f"**samples/s ratio {ratio:.3f}** (goal >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'}); poll p95 "
        f"{watched.get('p95_ms', 0):.0f} ms (goal < 100: {'met' if watched.get('p95_ms', 1e9) < 100 else 'NOT met'}); "
        f"failed polls {watched['failed_polls']} (goal 0)\n"
    )
    write("load", data_out, table, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
