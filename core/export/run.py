"""Export a run's model for serving: `model/onnx/model.onnx` (fp32) and, asked for, `model/onnx/model_int8.onnx`.

Nothing gets its final name before it is checked: the fp32 graph must give the PyTorch model's embeddings (minimum
cosine over a few hundred of the run's own texts at least MIN_COSINE), else the export fails and leaves what was
there. The int8 copy (onnxruntime's dynamic quantisation, per channel) is reported, not refused: its agreement and
the run's validation metric through it, next to PyTorch's. Figures: `model/onnx/export.json` and the model card.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from core.errors import ExportError, StudioError
from core.export.check import agreement, served_by, session
from core.export.graph import QUANTISATION, export_graph, quantise, require, unknown_modules
from core.export.serving import card_section, serving_readme, tokenizer_fields
from core.recipes import RECIPES
from core.runs.folder import RunFolder

__all__ = ["CHECK_TEXTS", "FP32", "INT8", "MIN_COSINE", "export_checked", "export_run"]

MIN_COSINE = 0.9999
CHECK_TEXTS = 300  # the run's own texts the graphs are checked on
FP32, INT8 = "model.onnx", "model_int8.onnx"
FALLBACK_TEXTS = [  # when the run's data is gone: varied lengths, so padding and truncation are exercised
    "I was charged twice for one ride",
    "Why do I see two payments for a single trip?",
    "How do I reset my password?",
    "The driver took a much longer route than the app suggested and the fare doubled.",
    "cancel",
    "Where can I download an invoice for a business trip that I took last month with two colleagues?",
] * 8


def export_run(run_dir: str | Path, *, int8: bool = False, log=print) -> dict:
    """Export the run's model; returns what export.json records."""
    require()
    folder = RunFolder(run_dir)
    model, config = _model_of(folder)
    target = folder.model_dir / "onnx"
    target.mkdir(exist_ok=True)
    data = _data_of(config)  # None when the run's data can no longer be read
    texts, source = _texts_of(data)
    started = time.time()
    fp32 = _partial(target / FP32)
    try:
        names, fp32_agreement = export_checked(model, fp32, texts)
        record = {
            "inputs": names,
            "output": "sentence_embedding",
            **tokenizer_fields(model),
            "checked_on": source,
            "fp32": {"file": FP32, "megabytes": _megabytes(fp32), **fp32_agreement},
        }
        if int8:
            record["int8"] = _quantised(model, fp32, target, texts, data, int(config.get("seed") or 42), log)
        os.replace(fp32, target / FP32)
    finally:
        fp32.unlink(missing_ok=True)
    if not int8:
        (target / INT8).unlink(missing_ok=True)  # an older int8 copy would not be what export.json describes
    record["seconds"] = round(time.time() - started, 1)
    _write(target / "export.json", json.dumps(record, indent=2))
    _write(target / "README.md", serving_readme(folder, model, record))
    _card(folder, card_section(record))
    log(f"exported {folder.model_dir / 'onnx'}: fp32 minimum cosine {fp32_agreement['min_cosine']:.6f}")
    return record


def export_checked(model, path: Path, texts: list[str]) -> tuple[list[str], dict]:
    """The fp32 graph of `model` at `path`, refused (ExportError) unless it gives the model's embeddings on `texts`;
    returns its input names and the agreement. A module the exporter does not know is named when the check fails."""
    names = export_graph(model, path)
    checked = agreement(model, session(path), texts)
    if checked["min_cosine"] < MIN_COSINE:
        bad = unknown_modules(model)
        suspects = f"; modules the exporter does not know: {', '.join(bad)}" if bad else ""
        raise ExportError(
            f"the ONNX graph does not give the model's embeddings (minimum cosine {checked['min_cosine']:.6f} over "
            f"{len(texts)} texts, at least {MIN_COSINE} needed){suspects}; nothing was written"
        )
    return names, checked


def _model_of(folder: RunFolder):
    from core.inference.models import load_model

    if not folder.has_model:
        status = folder.read_status() or {}
        raise ExportError(
            f"run '{folder.name}' has no saved model (state {status.get('state')}, {folder.model_dir} is missing or "
            "incomplete); only an ended run can be exported"
        )
    config = folder.read_config()
    recipe = RECIPES.get(config.get("trainer") or "")
    if recipe is not None and recipe.cross_encoder:
        raise ExportError(
            f"run '{folder.name}' is a reranker (a CrossEncoder): the ONNX export covers embedding models; serve the "
            "reranker with sentence-transformers' CrossEncoder (the model folder), or export it with its backend='onnx'"
        )
    try:
        model = load_model(str(folder.model_dir), device="cpu", trust_remote_code=bool(config.get("trust_remote_code")))
    except Exception as exc:  # a half-copied folder fails in many ways; say which file, as the loader does
        raise ExportError(f"the model folder of run '{folder.name}' cannot be loaded: {str(exc)[:300]}") from None
    return model.eval(), config


def _texts_of(data) -> tuple[list[str], str]:
    """Up to CHECK_TEXTS of the run's own texts (every text role, training and validation), evenly spread."""
    if data is None:
        return FALLBACK_TEXTS, f"{len(FALLBACK_TEXTS)} built-in sentences (the run's data could not be read)"
    texts = [str(t) for t in data.texts(validation=True)]
    step = max(1, len(texts) // CHECK_TEXTS)
    picked = texts[::step][:CHECK_TEXTS]
    return picked, f"{len(picked)} of the run's own texts"


def _data_of(config: dict):
    """The run's data read and prepared as it trained on it (validation split included), None when it cannot be."""
    from core.config import TrainConfig
    from core.data.load import load_training_data

    try:
        return load_training_data(TrainConfig.from_dict(config))
    except StudioError:
        return None


def _quantised(model, fp32: Path, target: Path, texts: list[str], data, seed: int, log) -> dict:
    path = _partial(target / INT8)
    try:
        quantise(fp32, path)
        graph = session(path)
        record = {"file": INT8, "megabytes": _megabytes(path), "quantisation": QUANTISATION}
        record |= agreement(model, graph, texts)
        record |= _metric(model, graph, data, seed, log)
        os.replace(path, target / INT8)
    finally:
        path.unlink(missing_ok=True)
    return record


def _metric(model, graph, data, seed: int, log) -> dict:
    """The run's validation metric with PyTorch and through the int8 graph (the same evaluator, the same data)."""
    from core.training.evaluation import build_evaluator

    if data is None:
        return {"metric": None, "metric_note": "not measured: the run's data could not be read"}
    prepared = data.prepared
    evaluator = build_evaluator(
        data.recipe, prepared.valid, prepared.train, num_labels=prepared.num_labels, seed=seed,
        valid_negatives=prepared.valid_negatives,
    )  # fmt: skip
    pytorch = evaluator(model)
    key = evaluator.primary_metric
    with served_by(model, graph):
        quantised = evaluator(model)
    log(f"validation {key}: {pytorch[key]:.4f} with PyTorch, {quantised[key]:.4f} with the int8 graph")
    return {"metric": data.recipe.primary_metric, "metric_pytorch": pytorch[key], "metric_int8": quantised[key]}


def _partial(path: Path) -> Path:
    """Where a file is written before it is checked: beside its final name, which it replaces in one step (one
    name per process and thread: two exports of a run at once never write into one file)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.partial")


def _write(path: Path, text: str) -> None:
    partial = _partial(path)
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _megabytes(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def _card(folder: RunFolder, section: str) -> None:
    """The model card's ONNX section, replaced on each export (the rest of the card kept as it is)."""
    from core.export.serving import without_card_section

    card = folder.model_dir / "README.md"
    text = without_card_section(card.read_text(encoding="utf-8")) if card.is_file() else ""
    _write(card, text.rstrip("\n") + "\n\n" + section)
