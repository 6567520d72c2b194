"""Serving a model on CPU: PyTorch (sentence-transformers) against the studio's ONNX export, fp32 and int8.

The model (default: the bundled all-MiniLM-L6-v2) is exported with the studio's own functions (core.export: the
graph with pooling and normalisation inside, the per-channel int8 copy). Each variant then runs in its own process,
as it would be served, on the same texts with the same batch size: PyTorch through `SentenceTransformer.encode`,
ONNX through onnxruntime and the folder's tokenizer.json only (no torch imported: the README's example). Each
process reports sentences/s (best of 3 passes after a warm-up), its peak memory (VmHWM), and the Spearman
correlation of cosine similarity with the gold scores on STS-B dev (held out from every training here). Ratios
are against PyTorch in the same run. Goal: int8 >= 2x PyTorch's sentences/s, Spearman within 0.005.

    python bench/export.py
    python bench/export.py --rows 64 --model PATH --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from core.catalog import DEFAULT_MODEL  # noqa: E402

STSB_DEV = ROOT.parent / "shared" / "data" / "stsb" / "stsb-en-dev.csv"
BATCH = 32
SPEED_GOAL, QUALITY_GOAL = 2.0, 0.005


def pairs(rows: int | None) -> tuple[list[str], list[str], list[float]]:
    with open(STSB_DEV, encoding="utf-8", newline="") as fh:
        table = [r for r in csv.reader(fh) if len(r) >= 3][:rows]
    return [r[0] for r in table], [r[1] for r in table], [float(r[2]) for r in table]


def _encoder(variant: str, folder: Path):
    """A function texts -> embeddings (numpy) for the variant, loading only what serving it needs."""
    if variant == "pytorch":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu")
        return lambda texts: model.encode(texts, batch_size=BATCH, convert_to_numpy=True)
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    record = json.loads((folder / "onnx" / "export.json").read_text())
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=record["max_seq_length"])
    tokenizer.enable_padding(pad_id=record["pad_id"], pad_token=record["pad_token"])
    graph = record[variant]["file"]
    session = onnxruntime.InferenceSession(str(folder / "onnx" / graph), providers=["CPUExecutionProvider"])
    fields = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
    names = [i.name for i in session.get_inputs()]

    def encode(texts: list[str]):
        out = []
        for start in range(0, len(texts), BATCH):
            batch = tokenizer.encode_batch(texts[start : start + BATCH])
            feed = {n: np.array([getattr(e, fields[n]) for e in batch], dtype=np.int64) for n in names}
            out.append(session.run(["sentence_embedding"], feed)[0])
        return np.concatenate(out)

    return encode


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: its own, where ru_maxrss keeps the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(variant: str, folder: Path, rows: int | None) -> dict:
    """In this process: speed, peak memory and STS-B dev Spearman of one variant."""
    import numpy as np
    from scipy.stats import spearmanr

    first, second, gold = pairs(rows)
    texts = list(dict.fromkeys(first + second))
    encode = _encoder(variant, folder)
    encode(texts[:BATCH])  # warm-up
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        vectors = encode(texts)
        seconds.append(time.perf_counter() - started)
    index = {t: i for i, t in enumerate(texts)}
    a, b = vectors[[index[t] for t in first]], vectors[[index[t] for t in second]]
    cosine = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {
        "variant": variant,
        "texts": len(texts),
        "sentences_per_s": len(texts) / min(seconds),
        "peak_mb": peak_mb(),
        "spearman": float(spearmanr(cosine, gold).correlation),
    }


def export(model_ref: str, folder: Path) -> dict:
    """The model saved in `folder` with its ONNX export beside it, by the studio's functions."""
    from core.export.check import agreement, session
    from core.export.graph import quantise
    from core.export.run import FP32, INT8, export_checked
    from core.export.serving import tokenizer_fields
    from core.inference.models import load_model

    model = load_model(model_ref, device="cpu").eval()
    model.save(str(folder))
    (folder / "onnx").mkdir()
    first, second, _ = pairs(300)
    texts = list(dict.fromkeys(first + second))[:300]
    fp32, int8 = folder / "onnx" / FP32, folder / "onnx" / INT8
    names, fp32_agreement = export_checked(model, fp32, texts)  # refused unless it matches PyTorch, as in the app
    quantise(fp32, int8)
    record = {
        "inputs": names,
        **tokenizer_fields(model),
        "fp32": {"file": FP32, "megabytes": fp32.stat().st_size / 1e6, **fp32_agreement},
        "int8": {"file": INT8, "megabytes": int8.stat().st_size / 1e6, **agreement(model, session(int8), texts)},
    }
    (folder / "onnx" / "export.json").write_text(json.dumps(record))
    weights = sum(p.stat().st_size for p in folder.glob("*.safetensors"))
    return record | {"pytorch": {"megabytes": weights / 1e6}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--rows", type=int, default=None, help="STS-B dev pairs (default: all 1,500)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--measure", nargs=2, metavar=("VARIANT", "FOLDER"), help=argparse.SUPPRESS)  # one process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), args.rows)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        record = export(args.model, folder)
        results = []
        for variant in ("pytorch", "fp32", "int8"):
            command = [sys.executable, __file__, "--measure", variant, str(folder)]
            command += ["--rows", str(args.rows)] if args.rows else []
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]) | {"megabytes": record[variant]["megabytes"]})
    base = results[0]
    for row in results:
        row["speed_ratio"] = row["sentences_per_s"] / base["sentences_per_s"]
        row["memory_ratio"] = row["peak_mb"] / base["peak_mb"]
        row["spearman_change"] = row["spearman"] - base["spearman"]
    int8 = results[2]
    verdict = int8["speed_ratio"] >= SPEED_GOAL and abs(int8["spearman_change"]) <= QUALITY_GOAL
    data = {
        "machine": describe(),
        "model": args.model,
        "batch_size": BATCH,
        "agreement": {v: {k: record[v][k] for k in ("min_cosine", "mean_cosine")} for v in ("fp32", "int8")},
        "results": results,
        "goal": f"int8 >= {SPEED_GOAL}x PyTorch sentences/s, Spearman within {QUALITY_GOAL}",
        "goal_met": verdict,
    }
    lines = [
        f"# Export for serving: PyTorch vs ONNX fp32 vs ONNX int8 ({args.model}, batch {BATCH})",
        "",
        f"Machine: {data['machine']['cpu']}, {data['machine']['cores']} cores, no GPU used. STS-B dev: "
        f"{base['texts']} distinct sentences. Each variant in its own process; ONNX with onnxruntime and tokenizers only.",
        "",
        "| variant | sentences/s | × PyTorch | peak memory MB | × PyTorch | file MB | Spearman (STS-B dev) | change |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results:
        lines.append(
            f"| {row['variant']} | {row['sentences_per_s']:.0f} | {row['speed_ratio']:.2f} | {row['peak_mb']:.0f} | "
            f"{row['memory_ratio']:.2f} | {row['megabytes']:.1f} | {row['spearman']:.4f} | {row['spearman_change']:+.4f} |"
        )
    agree = data["agreement"]
    lines += [
        "",
        f"Agreement with PyTorch on 300 sentences: fp32 minimum cosine {agree['fp32']['min_cosine']:.6f}; int8 minimum "
        f"{agree['int8']['min_cosine']:.4f}, mean {agree['int8']['mean_cosine']:.4f}.",
        f"Goal ({data['goal']}): {'met' if verdict else 'not met'}.",
        "",
    ]
    write("export", data, "\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
