"""Every trainer type, with the studio's defaults, before → after on held-out real data it never saw.

Each study fine-tunes all-MiniLM-L6-v2 through the studio's own TrainingJob with nothing set but the
data, the trainer type and the model: the app holds out its own validation split from the training
part, as it does for a person, and the held-out part below is never shown to the run. Each row gives
the run's own validation metric (what the Train tab shows) beside the held-out figure, so that one
can see whether the in-app metric moves the way the real task moves.

- pair_score: STS-B train → STS-B dev (Spearman).
- pair_class: MRPC, 20% of its pairs held out (average precision).
- qa: WikiQA, 20% of its questions held out; retrieval of each held-out question's answers among all
  candidate sentences of the held-out questions (ndcg@10, MRR@10). Twice: trained on the positive
  pairs only, and on the labelled table (question, candidate, 0/1: label-0 rows are hard negatives).
- triplet: SNLI triplets, 20% held out (triplet accuracy), and STS-B dev (must not fall by > 0.005).
- pair and single_class: Banking77, 20% of each intent held out; pair on (text, another text of the
  same intent), single_class on (text, intent). Retrieval of same-intent held-out texts (ndcg@10)
  and 5-NN intent accuracy of held-out texts against the training texts.

    python bench/trainer_defaults.py                               # every study, defaults only
    python bench/trainer_defaults.py --only qa_labelled --seed 7   # one study, another seed
    python bench/trainer_defaults.py --only pair_banking77 --set lr=1e-4   # a candidate default
    python bench/trainer_defaults.py --rows 600 --epochs 1 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402
from core.config import TrainConfig  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HOLD_OUT = 0.2
SPLIT_SEED = 42  # the held-out parts never change; --seed changes the training run's seed only
# study -> (trainer, data set as the table shows it)
STUDIES = {
    "pair_score_stsb": ("pair_score", "STS-B"),
    "pair_class_mrpc": ("pair_class", "MRPC"),
    "qa_positives": ("qa", "WikiQA, positive pairs only"),
    "qa_labelled": ("qa", "WikiQA, labelled table"),
    "triplet_snli": ("triplet", "SNLI triplets"),
    "pair_banking77": ("pair", "Banking77, same-intent pairs"),
    "single_class_banking77": ("single_class", "Banking77, text and intent"),
}


# ---------------------------------------------------------------------- data
def _head(df: pd.DataFrame, rows: int | None) -> pd.DataFrame:
    return df.head(rows).reset_index(drop=True) if rows else df


def _split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    held = df.sample(frac=HOLD_OUT, random_state=SPLIT_SEED)
    return df.drop(held.index).reset_index(drop=True), held.reset_index(drop=True)


def stsb(rows: int | None) -> tuple[pd.DataFrame, dict]:
    names = ["sentence1", "sentence2", "score"]
    train = _head(pd.read_csv(DATA / "stsb" / "stsb-en-train.csv", header=None, names=names), rows)
    return train, {"stsb": stsb_dev(rows)}


def stsb_dev(rows: int | None) -> pd.DataFrame:
    dev = pd.read_csv(DATA / "stsb" / "stsb-en-dev.csv", header=None, names=["s1", "s2", "score"])
    return _head(dev, rows)


def mrpc(rows: int | None) -> tuple[pd.DataFrame, dict]:
    df = pd.read_csv(
        DATA / "pairs" / "msr_paraphrase_train.txt", sep="\t", quoting=csv.QUOTE_NONE, encoding="utf-8-sig", dtype=str
    )
    df = pd.DataFrame({"sentence1": df["#1 String"], "sentence2": df["#2 String"], "label": df["Quality"].astype(int)})
    train, held = _split(_head(df, rows))
    return train, {"pairs": held}


def wikiqa(rows: int | None, labelled: bool) -> tuple[pd.DataFrame, dict]:
    """Training rows from 80% of the questions; the held-out questions' full retrieval task."""
    df = pd.read_csv(
        DATA / "qa" / "WikiQA-train.txt", sep="\t", header=None, names=["question", "answer", "label"], quoting=csv.QUOTE_NONE
    )
    df = _head(df, rows)
    questions = sorted(df["question"].unique())
    random.Random(SPLIT_SEED).shuffle(questions)
    held = set(questions[: max(1, round(len(questions) * HOLD_OUT))])
    test, train = df[df["question"].isin(held)], df[~df["question"].isin(held)]
    if not labelled:
        train = train[train["label"] == 1][["question", "answer"]]
    answers = test[test["label"] == 1]
    corpus = {f"c{i}": text for i, text in enumerate(sorted(test["answer"].unique()))}
    ids = {text: cid for cid, text in corpus.items()}
    answered = sorted(answers["question"].unique())
    task = {
        "queries": {f"q{i}": q for i, q in enumerate(answered)},
        "corpus": corpus,
        "relevant": {f"q{i}": {ids[a] for a in answers[answers["question"] == q]["answer"]} for i, q in enumerate(answered)},
    }
    return train.reset_index(drop=True), {"task": task}


def snli(rows: int | None) -> tuple[pd.DataFrame, dict]:
    train, held = _split(_head(pd.read_csv(DATA / "nli" / "snli_dev_triplets.csv", dtype=str), rows))
    return train, {"triplets": held, "stsb": stsb_dev(rows)}


def banking77(rows: int | None, pairs: bool) -> tuple[pd.DataFrame, dict]:
    """20% of each intent held out; training as (text, intent) or as (text, another text of its intent)."""
    df = _head(pd.read_csv(DATA / "banking77" / "train.csv"), rows)
    rng = np.random.default_rng(SPLIT_SEED)
    held_index = []
    for _, group in df.groupby("category"):
        held_index += list(rng.permutation(group.index.to_numpy())[: round(len(group) * HOLD_OUT)])
    held, train = df.loc[held_index].reset_index(drop=True), df.drop(index=held_index).reset_index(drop=True)
    extra = {"held": held, "train": train}
    if not pairs:
        return train, extra
    pick = random.Random(SPLIT_SEED)
    anchors, positives = [], []
    for _, group in train.groupby("category"):
        texts = list(group["text"])
        for i, text in enumerate(texts):
            if len(texts) > 1:
                anchors.append(text)
                positives.append(texts[(i + 1 + pick.randrange(len(texts) - 1)) % len(texts)])
    order = list(range(len(anchors)))
    pick.shuffle(order)
    return pd.DataFrame({"anchor": [anchors[i] for i in order], "positive": [positives[i] for i in order]}), extra


def load(study: str, rows: int | None) -> tuple[pd.DataFrame, dict]:
    return {
        "pair_score_stsb": lambda: stsb(rows),
        "pair_class_mrpc": lambda: mrpc(rows),
        "qa_positives": lambda: wikiqa(rows, labelled=False),
        "qa_labelled": lambda: wikiqa(rows, labelled=True),
        "triplet_snli": lambda: snli(rows),
        "pair_banking77": lambda: banking77(rows, pairs=True),
        "single_class_banking77": lambda: banking77(rows, pairs=False),
    }[study]()


# ---------------------------------------------------------------------- held-out measures
def _score(results: dict, suffix: str) -> float:
    return round(float(next(v for k, v in results.items() if k.endswith(suffix))), 4)


def same_label_ndcg(model, texts: list[str], labels: list[str]) -> float:
    """ndcg@10 of retrieving the other texts of a text's label among all held-out texts (itself left out)."""
    vectors = model.encode(texts, normalize_embeddings=True, batch_size=64)
    labels_ = np.asarray(labels)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    top = np.argsort(-similarity, axis=1)[:, :10]
    gains = 1 / np.log2(np.arange(2, 12))
    scores = []
    for i, row in enumerate(top):
        relevant = (labels_ == labels_[i]).sum() - 1
        if relevant:
            dcg = ((labels_[row] == labels_[i]) * gains).sum()
            scores.append(dcg / gains[: min(10, relevant)].sum())
    return round(float(np.mean(scores)), 4)


def measures(model, study: str, extra: dict) -> dict[str, float]:
    """The held-out figures of a study."""
    from sentence_transformers.sentence_transformer import evaluation as ev

    from core.training.label_neighbours import LabelNeighboursEvaluator

    out = {}
    if "stsb" in extra:
        dev = extra["stsb"]
        sts = ev.EmbeddingSimilarityEvaluator(list(dev["s1"]), list(dev["s2"]), list(dev["score"] / 5), name="stsb")
        out["stsb_spearman"] = _score(sts(model), "spearman_cosine")
    if "pairs" in extra:
        held = extra["pairs"]
        binary = ev.BinaryClassificationEvaluator(list(held["sentence1"]), list(held["sentence2"]), list(held["label"]))
        out["average_precision"] = _score(binary(model), "cosine_ap")
    if "task" in extra:
        task = extra["task"]
        ir = ev.InformationRetrievalEvaluator(
            task["queries"], task["corpus"], task["relevant"], mrr_at_k=[10], ndcg_at_k=[10],
            accuracy_at_k=[1], precision_recall_at_k=[10], map_at_k=[10], show_progress_bar=False, name="wikiqa",
        )  # fmt: skip
        found = ir(model)
        out |= {"ndcg@10": _score(found, "cosine_ndcg@10"), "mrr@10": _score(found, "cosine_mrr@10")}
    if "triplets" in extra:
        held = extra["triplets"]
        trip = ev.TripletEvaluator(list(held["anchor"]), list(held["positive"]), list(held["negative"]), name="snli")
        out["triplet_accuracy"] = _score(trip(model), "accuracy")
    if "held" in extra:
        held, train = extra["held"], extra["train"]
        out["ndcg@10"] = same_label_ndcg(model, list(held["text"]), list(held["category"]))
        knn = LabelNeighboursEvaluator(list(held["text"]), list(held["category"]), list(train["text"]), list(train["category"]))
        out["knn_accuracy"] = _score(knn(model), "knn_accuracy")
    return out


# ---------------------------------------------------------------------- the bench
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="use the first N rows of each file (default: all)")
    parser.add_argument("--only", nargs="+", default=list(STUDIES), choices=list(STUDIES))
    parser.add_argument("--epochs", type=float, default=None, help="override the default epochs (smoke tests)")
    parser.add_argument("--seed", type=int, default=42, help="the training runs' seed (the held-out split stays)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config values beside the defaults")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--name", default="trainer_defaults", help="results file name")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.getLogger("sbert_studio").setLevel(logging.WARNING)
    changes = dict(item.split("=", 1) for item in args.set) | ({"epochs": args.epochs} if args.epochs else {})

    from core.inference.models import load_model
    from core.training.job import TrainingJob

    work = Path(tempfile.mkdtemp(prefix="bench-defaults-"))
    base_model = load_model(args.model)
    rows = []
    for study in args.only:
        trainer, source = STUDIES[study]
        table, extra = load(study, args.rows)
        table.to_csv(work / f"{study}.csv", index=False)
        config = TrainConfig.from_dict({"data_path": str(work / f"{study}.csv"), "trainer": trainer, "model": args.model,
                                        "seed": args.seed} | changes)  # fmt: skip
        start = time.perf_counter()
        run_dir = work / f"run-{study}"
        snap = TrainingJob(config, run_dir=str(run_dir)).run()
        if snap["state"] != "finished":
            raise SystemExit(f"{study}: {snap['state']}: {snap['error']}")
        seconds = time.perf_counter() - start
        used = yaml.safe_load((run_dir / "config.yaml").read_text())  # the resolved run
        rows.append(
            {
                "study": study, "trainer": trainer, "data": source, "training_rows": len(table), "seed": args.seed,
                "config": {k: used[k] for k in ("loss", "lr", "epochs", "batch_size", "num_negatives", "mine_negatives")},
                "set": changes, "metric": snap["primary_metric"],
                "before": round(snap["baseline"], 4), "after": round(snap["final"], 4), "warning": snap.get("warning"),
                "held_out_before": measures(base_model, study, extra),
                "held_out_after": measures(load_model(str(run_dir / "model")), study, extra),
                "seconds": round(seconds, 1),
            }
        )  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)

    machine = describe()
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    lines = [
        f"### Every trainer type at its defaults, all-MiniLM-L6-v2 ({time.strftime('%Y-%m-%d')}, {where})\n",
        "In-app: the run's own validation metric (the Train tab's before → after, on the 10% it holds out). "
        "Held out: data the run never saw. Same direction = both moved the same way."
        + (f" Set beside the defaults: {changes}." if changes else "")
        + "\n",
        "| trainer | data | seed | loss, lr, epochs, batch | in-app metric | in-app before → after | held-out metric "
        "| held-out before → after | change | same direction | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["config"]
        recipe = f"{c['loss']}, {c['lr']:g}, {c['epochs']:g}, {c['batch_size']}"
        in_app = r["after"] - r["before"]
        for name, after in r["held_out_after"].items():
            before = r["held_out_before"][name]
            same = "yes" if np.sign(round(in_app, 4)) == np.sign(round(after - before, 4)) else "**no**"
            lines.append(
                f"| {r['trainer']} | {r['data']} | {r['seed']} | {recipe} | {r['metric']} | {r['before']:.4f} → {r['after']:.4f} "
                f"| {name} | {before:.4f} → {after:.4f} | {after - before:+.4f} | {same} | {r['seconds']:.0f} |"
            )
        if r["warning"]:
            lines.append(f"| | | | | | ⚠ {r['warning']} | | | | | |")
    result = {"benchmark": "trainer_defaults", "machine": machine, "runs": rows}
    write(args.name, result, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
