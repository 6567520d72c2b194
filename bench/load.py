"""Load: what open pages cost a training run, with pages that do exactly what a browser page does.

The app is served by `python app.py`; its runs train in child processes. The watching pages run in
a separate process (this script with `--watch`), each speaking the browser's own protocol over raw
HTTP (httpx, no gradio_client and its sleep loops): load the page once (the `attach` event), then on
every tick of the Train tab's timer (1 s, read from the page's config) join the queue with the
timer's `poll` event and read its result from the queue's event stream, as the page's JavaScript
does. The same run (same data, model and settings) trains once per number of open pages.

Reported per row: the run's training samples/s and its ratio to nobody watching, the server's CPU
time per refresh (its own process, not the run's child), refresh latency p50/p95 (join to result)
and failed refreshes. Goals on a 2-core machine: 1 page >= 0.98 of the unwatched rate, 5 pages
>= 0.95, 20 pages >= 0.90, p95 < 250 ms, no failed refresh.

    python bench/load.py                                    # all-MiniLM-L6-v2, 1,200 STS-B pairs, 0/1/5/20 pages
    python bench/load.py --rows 200 --pages 0,3 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from page_protocol import Page  # noqa: E402  (tests/: one page over raw HTTP, the browser's own protocol)

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb" / "stsb-en-train.csv"
GOALS = {1: 0.98, 5: 0.95, 20: 0.90}  # pages -> least share of the unwatched samples/s
P95_GOAL_MS = 250


def watch(url: str, pages: int, interval: float | None, stop_file: Path, out: Path) -> None:
    """`pages` open pages until `stop_file` exists; their refresh latencies and failures go to `out` (JSON)."""
    import httpx

    config = httpx.get(f"{url}/config", timeout=30).json()
    timer = next((c for c in config["components"] if c.get("type") == "timer"), None)
    interval = interval or (timer or {}).get("props", {}).get("value", 1.0)
    latencies: list[float] = []
    failures: list[str] = []

    def page() -> None:
        tab = Page(url, config)
        attach, poll = tab.events["attach"], tab.events["poll"]
        try:
            tab.call(attach, [])  # the page loads (not counted: the figure is the refreshing)
        except Exception as exc:
            failures.append(f"attach: {exc!r}")
        while not stop_file.exists():
            started = time.perf_counter()
            try:
                latencies.append(tab.call(poll, [None, None])[0] * 1000)  # run_dir and seen are server-side states
            except Exception as exc:  # every failure counts; the figure is how many
                failures.append(repr(exc))
            time.sleep(max(0.0, interval - (time.perf_counter() - started)))

    threads = [threading.Thread(target=page, daemon=True) for _ in range(pages)]
    for t in threads:
        t.start()
        time.sleep(interval / max(1, pages))  # pages opened at different moments tick at different moments
    for t in threads:
        t.join()
    out.write_text(json.dumps({"latencies_ms": latencies, "failures": failures, "interval": interval}))


# ---------------------------------------------------------------------- the server and one run
@contextlib.contextmanager
def served_app(tmp: Path):
    """`python app.py` on a free port with the runs under `tmp`; yields (URL, server process)."""
    import urllib.request

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
        yield url, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def train_once(url: str, server_pid: int, config_yaml: str, pages: int, interval: float | None, tmp: Path) -> dict:
    """Start the run, open `pages` pages in a watcher process until it ends; the run's speed and what refreshing cost."""
    import httpx
    import psutil

    page_config = httpx.get(f"{url}/config", timeout=30).json()
    owner = Page(url, page_config)
    api = {d.get("api_name"): d for d in page_config["dependencies"]}
    run_dir = _api(owner, api["start_run"], [config_yaml])
    stop_file, out = tmp / f"stop-{pages}", tmp / f"watch-{pages}.json"
    watcher = watcher_process = None
    if pages:
        command = [sys.executable, __file__, "--watch", url, "--pages", str(pages), "--stop-file", str(stop_file)]
        command += ["--watch-out", str(out)] + (["--interval", str(interval)] if interval else [])
        watcher = subprocess.Popen(command, cwd=ROOT)
        watcher_process = psutil.Process(watcher.pid)
    server = psutil.Process(server_pid)
    begun = (time.monotonic(), sum(server.cpu_times()[:2]))  # the whole run: when training is too short to catch
    window = {}  # the server's CPU time and the clock while the run is in state "training"
    while (status := _api(owner, api["run_status"], [run_dir]))["state"] not in ("finished", "stopped", "failed"):
        if status["state"] == "training" and "start" not in window:
            window["start"] = (time.monotonic(), sum(server.cpu_times()[:2]))
        elif status["state"] != "training" and "start" in window and "end" not in window:
            window["end"] = (time.monotonic(), sum(server.cpu_times()[:2]))
        time.sleep(0.5)
    start, end = window.get("start", begun), window.get("end") or (time.monotonic(), sum(server.cpu_times()[:2]))
    wall, cpu = (end[0] - start[0], end[1] - start[1]) if start else (0.0, 0.0)
    pages_cpu = sum(watcher_process.cpu_times()[:2]) if watcher_process else 0.0
    stop_file.touch()
    watched = {"latencies_ms": [], "failures": []}
    if watcher is not None:
        watcher.wait(120)
        watched = json.loads(out.read_text())
    if status["state"] != "finished":
        raise SystemExit(f"the run ended {status['state']}: {status.get('error')}")
    latencies = watched["latencies_ms"]
    result = {
        "pages": pages,
        "samples_per_second": status.get("train_samples_per_second"),
        "refreshes": len(latencies),
        "failed": len(watched["failures"]),
        "failures": watched["failures"][:5],
        "training_seconds": round(wall, 1),
        "server_cpu_share": round(cpu / wall, 4) if wall else None,  # of one core, while the run trains
        "refresh_interval": watched.get("interval"),
        # the pages' own process (on this machine it shares the two cores; real browsers would not)
        "pages_cpu_seconds": round(pages_cpu, 2),
    }
    if latencies:
        q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
        result |= {"p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(q[18], 1)}
    return result


def _api(page: Page, event: dict, data: list):
    """A named API event's first output (what gradio_client returns), over the same raw protocol."""
    return page.call(event, data)[1]["data"][0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1200)
    parser.add_argument(
        "--pages", default="0,1,5,20,0", help="open pages, one run each; the runs with 0 pages are the reference (their mean)"
    )
    parser.add_argument("--clients", type=int, help="shorthand for --pages 0,N")
    parser.add_argument("--interval", type=float, help="seconds between refreshes (default: the Train tab's timer)")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--watch", help=argparse.SUPPRESS)  # the watcher process: URL to watch
    parser.add_argument("--stop-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--watch-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.watch:
        watch(args.watch, int(args.pages), args.interval, args.stop_file, args.watch_out)
        return 0
    pages = [0, args.clients] if args.clients else [int(p) for p in args.pages.split(",")]
    if pages[0] != 0:
        pages = [0, *pages]

    tmp = Path(tempfile.mkdtemp(prefix="sbert-load-"))
    os.environ.update(SBERT_STUDIO_RUNS=str(tmp / "runs"), SBERT_STUDIO_DATASETS=str(tmp / "datasets"), HF_HUB_OFFLINE="1")
    with open(STSB, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[: args.rows]
    data = tmp / "pairs.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["sentence1", "sentence2", "score"], *rows])
    config = f"data_path: {data}\nmodel: {args.model}\ntrainer: pair_score\nbatch_size: 16\nepochs: 1\neval_strategy: 'no'\n"

    with served_app(tmp) as (url, server):
        results = [train_once(url, server.pid, config, n, args.interval, tmp) for n in pages]
    unwatched = [r for r in results if not r["pages"]]
    alone = statistics.mean(r["samples_per_second"] for r in unwatched)
    for r in results:
        r["ratio"] = round(r["samples_per_second"] / alone, 3)
        r["goal"] = GOALS.get(r["pages"])
        # the server's extra CPU while pages refresh, per refresh: (its CPU share - the unwatched share) x interval / pages
        idle_share = statistics.mean(u["server_cpu_share"] or 0.0 for u in unwatched)
        if r["pages"] and r["server_cpu_share"] is not None:
            extra = max(0.0, r["server_cpu_share"] - idle_share)
            r["server_cpu_ms_per_refresh"] = round(extra * r["refresh_interval"] / r["pages"] * 1000, 2)
        else:
            r["server_cpu_ms_per_refresh"] = None
    machine = describe()
    watched = [r for r in results if r["pages"]]
    spread = [round(u["samples_per_second"] / alone, 3) for u in unwatched]
    last = watched[-1] if watched else {}
    data_out = {
        "machine": machine,
        "model": args.model,
        "rows": len(rows),
        "results": results,
        "unwatched_spread": spread,
        # the reference and the most-watched run, as the smoke test and older readers expect them
        "alone": {**results[0], "samples_per_second": alone},
        "watched": {**last, "polls": last.get("refreshes"), "failed_polls": last.get("failed")},
        "ratio": last.get("ratio", 1.0),
    }
    lines = [
        f"# Load: open Train-tab pages while a run trains ({Path(args.model).name}, {len(rows):,} STS-B pairs, batch 16)",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['gpu'] or 'no GPU'}. Runs train in a child process;",
        "pages are raw-HTTP sessions in another process, refreshing at the Train tab's own timer interval.",
        "",
        "| open pages | training samples/s | ratio | goal | refreshes | failed | server CPU ms / refresh | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        goal = f">= {r['goal']}" + (" met" if r["ratio"] >= r["goal"] else " NOT met") if r["goal"] else "–"
        lines.append(
            f"| {r['pages']} | {r['samples_per_second']:.1f} | {r['ratio']:.3f} | {goal} | {r['refreshes'] or '–'} | "
            f"{r['failed'] if r['pages'] else '–'} | {r['server_cpu_ms_per_refresh'] or '–'} | {r.get('p50_ms', '–')} | "
            f"{r.get('p95_ms', '–')} |"
        )
    lines += ["", f"Reference: the mean of the {len(unwatched)} unwatched runs ({alone:.1f} samples/s; each at "
              f"{', '.join(map(str, spread))} of it: the machine's own run-to-run noise)."]  # fmt: skip
    p95 = max((r.get("p95_ms", 0) for r in watched), default=0)
    failed = sum(r["failed"] for r in watched)
    lines += [
        "",
        f"Worst p95 {p95:.0f} ms (goal < {P95_GOAL_MS}: {'met' if p95 < P95_GOAL_MS else 'NOT met'}); "
        f"failed refreshes {failed} (goal 0: {'met' if failed == 0 else 'NOT met'}).",
    ]
    write("load", data_out, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
