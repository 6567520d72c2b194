"""Before/after of the bundled examples: each trained as the app trains it, with the default model.

For every table in assets/examples: the studio's defaults (the trainer type and roles suggested
from the table, all-MiniLM-L6-v2, one epoch), and the same with three epochs. Reported: the
validation metric before and after, and the wall time of the run, so the README can say what a
demo on this machine shows.

    python bench/examples.py                    # all six examples, 1 and 3 epochs
    python bench/examples.py --epochs 1 --only pair --model PATH --out DIR   # smoke test
    python bench/examples.py --epochs 2 --only triplet --keep-others   # re-measure one row of the table
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402
from core.config import TrainConfig  # noqa: E402
from core.training.job import TrainingJob  # noqa: E402

EXAMPLES = ROOT / "assets" / "examples"
NAMES = ("pair", "qa", "triplet", "pair_score", "pair_class", "single_class")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--only", nargs="+", default=list(NAMES), choices=NAMES)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--keep-others", action="store_true", help="keep the rows of the examples not run from <out>/examples.json"
    )
    args = parser.parse_args(argv)
    logging.getLogger("sbert_studio").setLevel(logging.WARNING)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            for epochs in args.epochs:
                config = TrainConfig(data_path=str(EXAMPLES / f"{name}.csv"), model=args.model, epochs=epochs)
                start = time.perf_counter()
                snap = TrainingJob(config, run_dir=f"{tmp}/{name}-{epochs:g}").run()
                seconds = time.perf_counter() - start
                if snap["state"] != "finished":
                    raise SystemExit(f"{name}: {snap['state']}: {snap['error']}")
                rows.append(
                    {
                        "example": name,
                        "trainer": snap["trainer"],
                        "metric": snap["primary_metric"],
                        "epochs": epochs,
                        "before": round(snap["baseline"], 4),
                        "after": round(snap["final"], 4),
                        "seconds": round(seconds, 1),
                    }
                )
                print(rows[-1], flush=True)

    machine = describe()
    if args.keep_others:
        rows = sorted(_kept(args.out, args.only) + rows, key=lambda r: (NAMES.index(r["example"]), r["epochs"]))
    table = (
        f"# Bundled examples, before → after ({Path(args.model).name}, studio defaults)\n\n"
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['gpu'] or 'no GPU'}\n\n"
        "| example | metric | epochs | before | after | change | seconds |\n|---|---|---|---|---|---|---|\n"
        + "".join(
            f"| {r['example']} | {r['metric']} | {r['epochs']:g} | {r['before']:.4f} | {r['after']:.4f} | "
            f"{r['after'] - r['before']:+.4f} | {r['seconds']:.0f} |\n"
            for r in rows
        )
    )
    write("examples", {"machine": machine, "model": args.model, "runs": rows}, table, args.out)
    return 0


def _kept(out: Path, rerun: list[str]) -> list[dict]:
    """The rows of an earlier examples.json under `out` for the examples not run this time."""
    path = out / "examples.json"
    earlier = json.loads(path.read_text(encoding="utf-8"))["runs"] if path.exists() else []
    return [row for row in earlier if row["example"] not in rerun]


if __name__ == "__main__":
    raise SystemExit(main())
