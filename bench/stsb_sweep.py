"""Which batch size and learning rate reach a good STS-B dev Spearman soonest (pair_score, CoSENTLoss).

Trains all-MiniLM-L6-v2 on STS-B train with each setting for the same number of epochs,
evaluating on STS-B dev a fixed number of times per epoch, and records the whole curve
(seconds since training began, dev Spearman). The studio's defaults were chosen from this table;
bench/time_to_quality.py then checks them against AutoTrain's recipe.

    python bench/stsb_sweep.py                      # full STS-B, 2 epochs per setting
    python bench/stsb_sweep.py --rows 40 --dev-rows 30 --epochs 1 --settings 8:5e-5 --model PATH --out DIR
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from bench.time_to_quality import curve, stsb_folder  # noqa: E402

SETTINGS = ["16:5e-5", "16:1e-4", "32:1e-4", "8:5e-5"]  # batch:lr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--dev-rows", type=int, default=None)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--evals-per-epoch", type=int, default=4)
    parser.add_argument("--settings", nargs="+", default=SETTINGS, help="batch:lr pairs")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from core.config import TrainConfig
    from core.training.job import TrainingJob

    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    data, n_train, n_dev = stsb_folder(work, args.rows, args.dev_rows)
    base = TrainConfig(data_path=str(data), valid_split="dev", model=args.model, trainer="pair_score", score_min=0, score_max=5)
    rows = []
    for setting in args.settings:
        batch, lr = setting.split(":")
        steps_per_epoch = -(-n_train // int(batch))
        cfg = base.replace(
            batch_size=int(batch),
            lr=float(lr),
            epochs=args.epochs,
            eval_steps=max(1, steps_per_epoch // args.evals_per_epoch),
        )
        run_dir = work / f"b{batch}-lr{lr}"
        final = TrainingJob(cfg, run_dir=str(run_dir)).run()
        if final["state"] != "finished":
            raise RuntimeError(f"{setting} ended {final['state']}: {final['error']}")
        baseline, points = curve(run_dir)
        rows.append({"batch_size": int(batch), "lr": float(lr), "baseline": baseline, "final": final["final"], "curve": points})
        print(f"batch {batch} lr {lr}: " + ", ".join(f"{t:.0f}s {s:.4f}" for t, s in points), flush=True)

    machine = describe()
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    marks = [(i + 1) / args.evals_per_epoch for i in range(int(args.epochs * args.evals_per_epoch))]
    head = " | ".join(f"{m:g} ep." for m in marks)
    lines = [
        f"### STS-B sweep, all-MiniLM-L6-v2, CoSENTLoss ({time.strftime('%Y-%m-%d')}, {where})\n",
        f"{n_train} train pairs, dev Spearman on {n_dev} dev pairs after each fraction of an epoch "
        f"(seconds since training began in brackets); linear decay over {args.epochs:g} epochs, warmup 10%. "
        f"Baseline (no training): {rows[0]['baseline']:.4f}.\n",
        f"| batch | lr | {head} | saved model |",
        "|---|---|" + "---|" * len(marks) + "---|",
    ]
    for r in rows:
        cells = " | ".join(f"{s:.4f} ({t:.0f})" for t, s in r["curve"][: len(marks)])
        lines.append(f"| {r['batch_size']} | {r['lr']:g} | {cells} | {r['final']:.4f} |")
    result = {"benchmark": "stsb_sweep", "machine": machine, "epochs": args.epochs, "runs": rows}
    write("stsb_sweep", result, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
