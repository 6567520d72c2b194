"""Rerankers: does a reranker trained with the studio's defaults beat the search model it sits behind?

For each data set, 20% of the queries are held out (the run's own validation split, seed 42). A `rerank` run
trains a CrossEncoder from the base model (default: the bundled all-MiniLM-L6-v2 with a fresh one-logit head),
its negatives given by the table, through the studio's TrainingJob with every default. Then, on the held-out
queries only:

- **top 20, as used**: the search model (the same base model as a bi-encoder) retrieves its top k = 20 from a
  corpus of every held-out document and up to 2,000 training documents; ndcg@10 of that order (search alone)
  against the trained reranker's order of the same 20 (a relevant document the search missed stays missed);
- **in the app**: the run's own figure (status.json): the held-out queries' judged documents plus the search
  model's top 20, search order (baseline) → reranked (final);
- **cost**: the reranker's (query, document) pairs/s on this CPU (batch 32, best of 3), and the median latency
  a person pays per query to rerank k = 20 and k = 100 candidates (one `predict` call per query).

Data: WikiQA (question, sentence, 0/1 label; questions without a correct sentence dropped) and the SNLI dev
triplets (premise as the query, its entailed hypothesis relevant, its contradicting one a negative).

    python bench/rerank.py
    python bench/rerank.py --rows 300 --model PATH --out DIR     # smoke test
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
K, COSTS = 20, (20, 100)


def _wikiqa(folder: Path, rows: int | None) -> tuple[Path, dict]:
    path = folder / "wikiqa.csv"
    with open(DATA / "qa" / "WikiQA-train.txt", encoding="utf-8") as src, open(path, "w", newline="", encoding="utf-8") as dst:
        out = csv.writer(dst)
        out.writerow(["question", "sentence", "label"])
        for i, line in enumerate(src):
            if rows is not None and i >= rows:
                break
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                out.writerow(parts)
    return path, {"sentence1_column": "question", "sentence2_column": "sentence", "target_column": "label"}


def _snli(folder: Path, rows: int | None) -> tuple[Path, dict]:
    path = folder / "snli.csv"
    with open(DATA / "nli" / "snli_dev_triplets.csv", encoding="utf-8", newline="") as src:
        table = list(csv.reader(src))
    with open(path, "w", newline="", encoding="utf-8") as dst:
        csv.writer(dst).writerows(table[: (rows + 1) if rows else None])
    return path, {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"}


DATASETS = {"WikiQA": _wikiqa, "SNLI triplets": _snli}


def _top_k_samples(config, retriever):
    """The held-out queries (the run's split, read again), each with the search model's top K of the corpus."""
    from core.data.load import load_training_data
    from core.data.negatives import documents
    from core.data.rerank import judged
    from core.training.rerank import candidates

    data = load_training_data(config)
    judged_docs = judged(data.prepared.valid, data.prepared.valid_negatives)
    ranked = candidates(retriever, judged_docs, documents(data.prepared.train), k=K, seed=config.seed)
    # keep the search model's top K only: a relevant document it missed is not handed to the reranker
    return [{**s, "documents": s["documents"][:K]} for s in ranked] if ranked else []


def _top_k(samples, reranker):
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator

    evaluator = CrossEncoderRerankingEvaluator(samples, always_rerank_positives=False, write_csv=False)
    metrics = evaluator(reranker)
    return {"search_ndcg@10": metrics["base_ndcg@10"], "reranked_ndcg@10": metrics["ndcg@10"]}


def _costs(reranker, samples) -> dict:
    pairs = [(s["query"], d) for s in samples for d in s["documents"]][:1024]
    best = 0.0
    reranker.predict(pairs[:64], batch_size=32)  # warm-up
    for _ in range(3):
        start = time.perf_counter()
        reranker.predict(pairs, batch_size=32)
        best = max(best, len(pairs) / (time.perf_counter() - start))
    out = {"pairs_per_second": round(best, 1)}
    texts = [d for s in samples for d in s["documents"]]
    for k in COSTS:
        times = []
        for s in samples[:20]:
            batch = [(s["query"], texts[(i * 7) % len(texts)]) for i in range(k)]
            start = time.perf_counter()
            reranker.predict(batch, batch_size=32)
            times.append((time.perf_counter() - start) * 1000)
        out[f"ms_per_query_k{k}"] = round(statistics.median(times), 1)
    return out


def run(name: str, model: str, rows: int | None, seed: int, folder: Path, settings: dict) -> dict:
    from core.config import TrainConfig
    from core.inference.models import load_model
    from core.inference.rerankers import load_cross_encoder
    from core.training.job import TrainingJob

    path, mapping = DATASETS[name](folder, rows)
    config = TrainConfig(
        data_path=str(path), model=model, trainer="rerank", validation_fraction=0.2, seed=seed, **mapping, **settings
    )
    run_dir = folder / f"run-{name.split()[0].lower()}-{seed}"
    started = time.time()
    status = TrainingJob(config, run_dir=str(run_dir)).run()
    if status["state"] != "finished":
        raise SystemExit(f"{name}: the run ended {status['state']}: {status.get('error')}")
    minutes = (time.time() - started) / 60
    report = json.loads((run_dir / "data_report.json").read_text())
    samples = _top_k_samples(config, load_model(model, max_seq_length=config.max_seq_length))
    reranker = load_cross_encoder(str(run_dir / "model"))
    top = _top_k(samples, reranker)
    return {
        "data": name,
        "seed": seed,
        "settings": settings or "defaults",
        "held_out_queries": len(samples),
        "training_rows": report["rows_kept"]["train"],  # before they became labelled pairs
        "mined": bool(report.get("mined_negatives", {}).get("mined")),
        "minutes": round(minutes, 1),
        "in_app": {"search": status["baseline"], "reranked": status["final"]},
        "top20": top,
        **_costs(reranker, samples),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--rows", type=int, default=None, help="rows of each table (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--only", choices=list(DATASETS), default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="rerank", help="results file name (a sweep's runs beside the defaults')")
    for flag in ("--lr", "--epochs"):  # a sweep over the defaults (bench/results/rerank_sweep.md)
        parser.add_argument(flag, type=float, default=None)
    parser.add_argument("--num-negatives", type=int, default=None)
    args = parser.parse_args(argv)
    settings = {k: v for k, v in (("lr", args.lr), ("epochs", args.epochs), ("num_negatives", args.num_negatives)) if v}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [args.only] if args.only else DATASETS:
            for seed in args.seeds:
                results.append(run(name, args.model, args.rows, seed, Path(tmp), settings))
                print(results[-1], flush=True)
    lines = [
        "# Rerankers: the search model's top 20, before → after reranking (held-out queries)",
        "",
        f"Base model `{args.model}` as the search model and as the reranker's start (a fresh one-logit head), every "
        "`rerank` default. `python bench/rerank.py`.",
        "",
        "| data | settings | seed | held-out queries | ndcg@10 top 20: search alone → reranked | in the app: search → reranked | "
        "pairs/s | ms per query, k=20 | k=100 | training minutes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        top, app = r["top20"], r["in_app"]
        lines.append(
            f"| {r['data']} | {r['settings']} | {r['seed']} | {r['held_out_queries']} | {top['search_ndcg@10']:.4f} → "
            f"{top['reranked_ndcg@10']:.4f} ({top['reranked_ndcg@10'] - top['search_ndcg@10']:+.4f}) | "
            f"{app['search']:.4f} → {app['reranked']:.4f} | {r['pairs_per_second']:.0f} | {r['ms_per_query_k20']:.0f} | "
            f"{r['ms_per_query_k100']:.0f} | {r['minutes']} |"
        )
    machine = describe()
    lines += ["", f"Machine: {machine}", ""]
    write(args.name, {"machine": machine, "results": results}, "\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
