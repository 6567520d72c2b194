"""Playground search: encode throughput against a plain `model.encode`, and query latency on large corpora.

1. Encode: the playground's `core.inference.search.encode` (chunked for its progress bar, normalised)
   against `model.encode(texts, normalize_embeddings=True)` on the same STS-B sentences,
   alternating, 3 runs each; the figure of merit is the ratio of median texts/s (goal >= 0.95).
2. Query latency: `core.inference.search.search` with the corpus embeddings already computed, as the
   playground has them after the first query: p50 and p95 over 50 queries, for corpora of 10,000
   and 100,000 documents (embeddings are random unit vectors of the model's dimension: search
   time does not depend on what the vectors say; the query itself is encoded for real).

    python bench/search.py
    python bench/search.py --rows 64 --sizes 500 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

STSB = ROOT.parent / "shared" / "data" / "stsb" / "stsb-en-train.csv"
GOAL = 0.95


def sentences(n: int) -> list[str]:
    with open(STSB, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    texts = [t for row in rows for t in row[:2]]
    return (texts * (n // len(texts) + 1))[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000, help="texts encoded for the throughput figure")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    import torch

    from core.inference import search as inference
    from core.inference.models import load_model

    model = load_model(args.model)
    texts = sentences(args.rows)
    model.encode(texts[:64])  # warm-up
    rates: dict[str, list[float]] = {"playground": [], "plain": []}
    for _ in range(3):
        for name in rates:
            start = time.perf_counter()
            if name == "playground":
                inference.encode(model, texts)
            else:
                model.encode(texts, normalize_embeddings=True)
            rates[name].append(round(len(texts) / (time.perf_counter() - start), 1))
    medians = {name: statistics.median(v) for name, v in rates.items()}
    ratio = medians["playground"] / medians["plain"]

    queries = sentences(args.queries + 7)[7:]
    dim = model.get_embedding_dimension()
    latency = {}
    generator = torch.Generator().manual_seed(0)
    for size in args.sizes:
        corpus = [f"document {i}" for i in range(size)]
        vectors = torch.nn.functional.normalize(torch.randn(size, dim, generator=generator), dim=1)
        inference.corpus_embeddings(f"bench-{size}", model, corpus, precomputed=vectors)
        times = []
        for query in queries:
            start = time.perf_counter()
            inference.search(f"bench-{size}", model, corpus, query, top_k=10)
            times.append((time.perf_counter() - start) * 1000)
        q = statistics.quantiles(times, n=20)
        latency[size] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(q[18], 2)}

    machine = describe()
    data = {
        "machine": machine,
        "model": args.model,
        "encode_texts_per_second": rates,
        "ratio": round(ratio, 3),
        "latency": latency,
    }
    table = (
        f"# Playground search ({Path(args.model).name})\n\n"
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['gpu'] or 'no GPU'}\n\n"
        f"Encode {len(texts):,} texts, texts/s (3 runs each): playground {medians['playground']:.0f}, "
        f"plain model.encode {medians['plain']:.0f}; **ratio {ratio:.3f}** (goal >= {GOAL}: "
        f"{'met' if ratio >= GOAL else 'NOT met'})\n\n"
        "| corpus | query p50 ms | query p95 ms |\n|---|---|---|\n"
        + "".join(f"| {size:,} | {v['p50_ms']:.1f} | {v['p95_ms']:.1f} |\n" for size, v in latency.items())
    )
    write("search", data, table, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
