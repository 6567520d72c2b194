"""Time to quality on STS Benchmark: AutoTrain's recipe against the studio's defaults.

Both train all-MiniLM-L6-v2 (pair_score, CoSENTLoss) on STS-B train and are measured on STS-B
dev (../shared/data/stsb), through the same TrainingJob so that both pay for their own
evaluations. AutoTrain's recipe: batch 8, lr 3e-5, 3 epochs, warmup 10%, adamw_torch, fp32,
evaluation each epoch. The studio's: TrainConfig's defaults. Runs alternate. Reported: the
baseline (no training) dev Spearman, each recipe's final dev Spearman and wall time, and the
time the studio first reached AutoTrain's final Spearman.

    python bench/time_to_quality.py                    # full STS-B, 1 run each
    python bench/time_to_quality.py --rows 40 --dev-rows 30 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb"
AUTOTRAIN = {
    "batch_size": 8, "lr": 3e-5, "epochs": 3, "warmup_ratio": 0.1, "optimizer": "adamw_torch", "eval_strategy": "epoch",
    "mixed_precision": "no", "group_by_length": False,  # AutoTrain: fp32, random batches
}  # fmt: skip


def curve(run_dir: Path) -> tuple[float, list[tuple[float, float]]]:
    """Baseline and [(seconds since training began, dev Spearman)] from a run's metrics.jsonl."""
    from core.runs.folder import RunFolder

    evals = [m for m in RunFolder(run_dir).read_metrics() if "primary" in m]
    start = evals[0]["time"]  # training begins right after the baseline evaluation
    return evals[0]["primary"], [(m["time"] - start, m["primary"]) for m in evals[1:]]


def stsb_folder(work: Path, rows: int | None, dev_rows: int | None) -> tuple[Path, int, int]:
    """A folder with the first `rows` STS-B train pairs as train.csv and `dev_rows` dev pairs as dev.csv."""
    data = work / "stsb"
    data.mkdir()
    train = (STSB / "stsb-en-train.csv").read_text(encoding="utf-8").splitlines()[:rows]
    dev = (STSB / "stsb-en-dev.csv").read_text(encoding="utf-8").splitlines()[:dev_rows]
    (data / "train.csv").write_text("\n".join(train) + "\n", encoding="utf-8")
    (data / "dev.csv").write_text("\n".join(dev) + "\n", encoding="utf-8")
    return data, len(train), len(dev)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="train pairs (default: all 5,749)")
    parser.add_argument("--dev-rows", type=int, default=None, help="dev pairs (default: all 1,500)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from core.config import TrainConfig
    from core.training.defaults import resolve_defaults
    from core.training.job import TrainingJob

    work = Path(tempfile.mkdtemp(prefix="bench-ttq-"))
    data, n_train, n_dev = stsb_folder(work, args.rows, args.dev_rows)
    base = TrainConfig(data_path=str(data), valid_split="dev", model=args.model, trainer="pair_score", score_min=0, score_max=5)
    recipes = {"autotrain": base.replace(**AUTOTRAIN), "studio": base}
    runs: dict[str, list[dict]] = {name: [] for name in recipes}
    for i in range(args.repeats):
        for name in recipes if i % 2 == 0 else reversed(list(recipes)):
            run_dir = work / f"{name}-{i}"
            started = time.perf_counter()
            final = TrainingJob(recipes[name], run_dir=str(run_dir)).run()
            if final["state"] != "finished":
                raise RuntimeError(f"{name} run {i + 1} ended {final['state']}: {final['error']}")
            baseline, points = curve(run_dir)
            runs[name].append(
                {
                    "baseline": baseline,
                    "final": final["final"],
                    "train_seconds": points[-1][0],
                    "wall_seconds": round(time.perf_counter() - started, 1),
                    "curve": points,
                }
            )
            print(
                f"{name:9s} run {i + 1}: dev Spearman {baseline:.4f} -> {final['final']:.4f} in {points[-1][0]:.0f} s", flush=True
            )

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    target = med("autotrain", "final")
    reach = [next((t for t, s in r["curve"] if s >= target), None) for r in runs["studio"]]
    reached = [t for t in reach if t is not None]
    summary = {
        "baseline": med("studio", "baseline"),
        "autotrain_final": target,
        "autotrain_seconds": med("autotrain", "train_seconds"),
        "studio_final": med("studio", "final"),
        "studio_seconds": med("studio", "train_seconds"),
        "studio_seconds_to_autotrain_final": statistics.median(reached) if len(reached) == len(reach) else None,
    }
    ratio = (
        summary["studio_seconds_to_autotrain_final"] / summary["autotrain_seconds"]
        if summary["studio_seconds_to_autotrain_final"] is not None
        else None
    )
    summary["time_ratio"] = round(ratio, 3) if ratio is not None else None
    summary["meets_goal"] = ratio is not None and ratio <= 0.5 and summary["studio_final"] > target
    machine = describe()
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    studio = resolve_defaults(recipes["studio"], "pair_score", "CoSENTLoss")  # the trainer type's own defaults, as the run used
    if ratio is None:
        reach_text = "The studio never reached AutoTrain's final Spearman"
    else:
        reach_text = (
            f"The studio first reached AutoTrain's final Spearman after {summary['studio_seconds_to_autotrain_final']:.0f} s, "
            f"{ratio:.2f}× AutoTrain's time"
        )
    table = (
        f"### Time to quality, STS-B, all-MiniLM-L6-v2 ({time.strftime('%Y-%m-%d')}, {where})\n\n"
        f"{n_train} train pairs, dev Spearman (cosine) on {n_dev} dev pairs, {args.repeats} run(s) each, medians; "
        "seconds count from the start of training and include each recipe's own evaluations.\n\n"
        "| recipe | settings | dev Spearman | training time (s) |\n|---|---|---|---|\n"
        f"| no training | | {summary['baseline']:.4f} | |\n"
        f"| AutoTrain defaults | batch 8, lr 3e-5, 3 epochs, adamw_torch, eval each epoch | {target:.4f} | "
        f"{summary['autotrain_seconds']:.0f} |\n"
        f"| studio defaults | batch {studio.batch_size}, lr {studio.lr:g}, {studio.epochs:g} epochs, {studio.optimizer}, "
        f"length-grouped batches, ~5 evals | {summary['studio_final']:.4f} | {summary['studio_seconds']:.0f} |\n\n"
        f"{reach_text} (goal: at most 0.5× its time, and end higher).\n"
    )
    result = {"benchmark": "time_to_quality", "machine": machine, "runs": runs, "summary": summary}
    write("time_to_quality", result, table, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
