"""One measured default per trainer type, each before → after on held-out real data.

All runs fine-tune all-MiniLM-L6-v2 through the studio's own TrainingJob with TrainConfig's
defaults (only the loss or the batch size changed where a row says so); data from ../shared/data:

- pair_class: MRPC train, 20% of its rows held out. SoftmaxLoss, ContrastiveLoss and
  OnlineContrastiveLoss; average precision (the run's BinaryClassificationEvaluator) on the held-out pairs.
- qa: WikiQA, 20% of its questions held out. Trained on (question, answer) pairs with label 1;
  measured by retrieval of each held-out question's answers among all candidate sentences of the
  held-out questions: ndcg@10 and MRR@10.
- triplet and pair: SNLI (anchor, entailed, contradicting) triplets, 20% held out; the pair run
  keeps (anchor, entailed) only. Measured on STS-B dev (Spearman) and on the held-out triplets
  (accuracy).

    python bench/trainer_defaults.py
    python bench/trainer_defaults.py --rows 1500 --epochs 1 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.config import DEFAULT_MODEL, TrainConfig  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HOLD_OUT = 0.2
SEED = 42
STUDIES = ("pair_class", "qa", "triplet", "pair")


def split_rows(df: pd.DataFrame, rows: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded 80/20 split of the first `rows` rows (all when None)."""
    df = df.head(rows) if rows else df
    held = df.sample(frac=HOLD_OUT, random_state=SEED)
    return df.drop(held.index).reset_index(drop=True), held.reset_index(drop=True)


def write_split(folder: Path, train: pd.DataFrame, valid: pd.DataFrame) -> Path:
    folder.mkdir(parents=True)
    train.to_csv(folder / "train.csv", index=False)
    valid.to_csv(folder / "valid.csv", index=False)
    return folder


def mrpc(work: Path, rows: int | None) -> Path:
    df = pd.read_csv(
        DATA / "pairs" / "msr_paraphrase_train.txt", sep="\t", quoting=csv.QUOTE_NONE, encoding="utf-8-sig", dtype=str
    )
    df = pd.DataFrame({"sentence1": df["#1 String"], "sentence2": df["#2 String"], "label": df["Quality"].astype(int)})
    return write_split(work / "mrpc", *split_rows(df, rows))


def wikiqa(work: Path, rows: int | None) -> tuple[Path, dict]:
    """Train/valid answer pairs by question, and the held-out questions' full retrieval task."""
    df = pd.read_csv(
        DATA / "qa" / "WikiQA-train.txt", sep="\t", header=None, names=["question", "answer", "label"], quoting=csv.QUOTE_NONE
    )
    df = df.head(rows) if rows else df
    questions = sorted(df["question"].unique())
    random.Random(SEED).shuffle(questions)
    held = set(questions[: max(1, round(len(questions) * HOLD_OUT))])
    test = df[df["question"].isin(held)]
    positives = df[df["label"] == 1]
    train, valid = positives[~positives["question"].isin(held)], positives[positives["question"].isin(held)]
    corpus = {f"c{i}": text for i, text in enumerate(sorted(test["answer"].unique()))}
    ids = {text: cid for cid, text in corpus.items()}
    answered = sorted(valid["question"].unique())
    task = {
        "queries": {f"q{i}": q for i, q in enumerate(answered)},
        "corpus": corpus,
        "relevant": {f"q{i}": {ids[a] for a in valid[valid["question"] == q]["answer"]} for i, q in enumerate(answered)},
    }
    cols = {"question": "question", "answer": "answer"}
    return write_split(work / "wikiqa", train[list(cols)], valid[list(cols)]), task


def snli(work: Path, rows: int | None) -> tuple[Path, Path, pd.DataFrame]:
    df = pd.read_csv(DATA / "nli" / "snli_dev_triplets.csv", dtype=str)
    train, valid = split_rows(df, rows)
    triplets = write_split(work / "snli-triplets", train, valid)
    pairs = write_split(work / "snli-pairs", train[["anchor", "positive"]], valid[["anchor", "positive"]])
    return triplets, pairs, valid


def stsb_dev(rows: int | None) -> pd.DataFrame:
    dev = pd.read_csv(DATA / "stsb" / "stsb-en-dev.csv", header=None, names=["s1", "s2", "score"])
    return dev.head(rows) if rows else dev


def score(results: dict, suffix: str) -> float:
    return round(float(next(v for k, v in results.items() if k.endswith(suffix))), 4)


def measures(model, study: str, extra: dict) -> dict[str, float]:
    """The held-out figures a study reports beyond the run's own validation metric."""
    from sentence_transformers.sentence_transformer import evaluation as ev

    if study == "qa":
        task = extra["task"]
        ir = ev.InformationRetrievalEvaluator(
            task["queries"], task["corpus"], task["relevant"], mrr_at_k=[10], ndcg_at_k=[10],
            accuracy_at_k=[1], precision_recall_at_k=[10], map_at_k=[10], show_progress_bar=False, name="wikiqa",
        )  # fmt: skip
        found = ir(model)
        return {"ndcg@10": score(found, "cosine_ndcg@10"), "mrr@10": score(found, "cosine_mrr@10")}
    if study in ("triplet", "pair"):
        held, dev = extra["held"], extra["stsb"]
        sts = ev.EmbeddingSimilarityEvaluator(list(dev["s1"]), list(dev["s2"]), list(dev["score"] / 5), name="stsb")
        trip = ev.TripletEvaluator(list(held["anchor"]), list(held["positive"]), list(held["negative"]), name="snli")
        return {"stsb_spearman": score(sts(model), "spearman_cosine"), "triplet_accuracy": score(trip(model), "accuracy")}
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="use the first N rows of each file (default: all)")
    parser.add_argument("--only", nargs="+", default=list(STUDIES), choices=STUDIES)
    parser.add_argument("--epochs", type=float, default=None, help="override the default epochs (smoke tests)")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.getLogger("sbert_studio").setLevel(logging.WARNING)

    from core.models import load_model
    from core.training import TrainingJob

    work = Path(tempfile.mkdtemp(prefix="bench-defaults-"))
    defaults = TrainConfig() if args.epochs is None else TrainConfig(epochs=args.epochs)
    plans: list[tuple[str, str, TrainConfig, dict]] = []  # (study, variant, config, extra)
    if "pair_class" in args.only:
        folder = mrpc(work, args.rows)
        for loss in ("SoftmaxLoss", "ContrastiveLoss", "OnlineContrastiveLoss"):
            cfg = TrainConfig(
                data_path=str(folder),
                valid_split="valid",
                trainer="pair_class",
                loss=loss,
                model=args.model,
                epochs=defaults.epochs,
            )
            plans.append(("pair_class", loss, cfg, {}))
    if "qa" in args.only:
        folder, task = wikiqa(work, args.rows)
        cfg = TrainConfig(data_path=str(folder), valid_split="valid", trainer="qa", model=args.model, epochs=defaults.epochs)
        plans.append(("qa", "MultipleNegativesRankingLoss", cfg, {"task": task}))
        plans.append(("qa", "MNRL, batch 32", cfg.replace(batch_size=32), {"task": task}))
    if "triplet" in args.only or "pair" in args.only:
        triplets, pairs, held = snli(work, args.rows)
        extra = {"held": held, "stsb": stsb_dev(args.rows)}
        if "triplet" in args.only:
            cfg = TrainConfig(
                data_path=str(triplets), valid_split="valid", trainer="triplet", model=args.model, epochs=defaults.epochs
            )
            plans.append(("triplet", "MultipleNegativesRankingLoss", cfg, extra))
            plans.append(("triplet", "TripletLoss", cfg.replace(loss="TripletLoss"), extra))
        if "pair" in args.only:
            cfg = TrainConfig(data_path=str(pairs), valid_split="valid", trainer="pair", model=args.model, epochs=defaults.epochs)
            plans.append(("pair", "MultipleNegativesRankingLoss", cfg, extra))
            plans.append(("pair", "MNRL, batch 32", cfg.replace(batch_size=32), extra))

    base_model = load_model(args.model, max_seq_length=defaults.max_seq_length)
    base_measures: dict[str, dict] = {}
    rows = []
    for i, (study, variant, cfg, extra) in enumerate(plans):
        start = time.perf_counter()
        snap = TrainingJob(cfg, run_dir=str(work / f"run-{i}")).run()
        if snap["state"] != "finished":
            raise SystemExit(f"{study} {variant}: {snap['state']}: {snap['error']}")
        seconds = time.perf_counter() - start
        if study not in base_measures:
            base_measures[study] = measures(base_model, study, extra)
        after = measures(load_model(str(work / f"run-{i}" / "model")), study, extra)
        rows.append(
            {
                "study": study, "variant": variant, "metric": snap["primary_metric"], "epochs": cfg.epochs,
                "before": round(snap["baseline"], 4), "after": round(snap["final"], 4),
                "held_out_before": base_measures[study], "held_out_after": after, "seconds": round(seconds, 1),
            }
        )  # fmt: skip
        print(rows[-1], flush=True)

    machine = describe()
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    lines = [
        f"### One default per trainer type, all-MiniLM-L6-v2 ({time.strftime('%Y-%m-%d')}, {where})\n",
        f"Studio defaults (batch {defaults.batch_size}, lr {defaults.lr:g}, {defaults.epochs:g} epoch, "
        f"max_seq_length {defaults.max_seq_length}) unless the row says otherwise; 20% of each data set held out.\n",
        "| trainer | data | variant | held-out metric | before | after | change | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    source = {"pair_class": "MRPC", "qa": "WikiQA", "triplet": "SNLI triplets", "pair": "SNLI (anchor, positive)"}
    for r in rows:
        figures = {r["metric"]: (r["before"], r["after"])} if r["study"] == "pair_class" else {}
        figures.update({k: (r["held_out_before"][k], v) for k, v in r["held_out_after"].items()})
        for name, (before, after) in figures.items():
            lines.append(
                f"| {r['study']} | {source[r['study']]} | {r['variant']} | {name} | {before:.4f} | {after:.4f} | "
                f"{after - before:+.4f} | {r['seconds']:.0f} |"
            )
    result = {"benchmark": "trainer_defaults", "machine": machine, "runs": rows}
    write("trainer_defaults", result, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
