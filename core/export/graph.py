"""The ONNX graph of a SentenceTransformer: the tokenizer's tensors in, `sentence_embedding` out.

Every module that `modules.json` lists runs inside the graph (Transformer, Pooling, Dense, Normalize, ...), so a
server needs onnxruntime and the folder's tokenizer.json only. Exported with torch's own exporter (TorchScript
tracing; no optimum, no onnxscript), batch and length dynamic.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from core.errors import ExportError

__all__ = ["OUTPUT", "QUANTISATION", "export_graph", "input_names", "quantise", "require", "unknown_modules"]

INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # in this order, those the tokenizer gives
OUTPUT = "sentence_embedding"
OPSET = 17
# per-channel int8 weights: on STS-B dev (all-MiniLM-L6-v2) Spearman 0.8669 -> 0.8650, where per-tensor weights
# agree less with the fp32 graph (minimum cosine 0.93 against 0.98 on mixed texts); bench/export.py measures it
QUANTISATION = "dynamic, int8 weights per channel"
# sentence-transformers' own modules, known to trace; any other is tried, and named if the graph is then wrong
TRACEABLE = {"Transformer", "Pooling", "Dense", "Normalize", "LayerNorm", "WeightedLayerPooling", "Router"}


def require() -> None:
    """onnx and onnxruntime are an extra: without them, say which packages to install."""
    missing = [name for name in ("onnx", "onnxruntime") if not _importable(name)]
    if missing:
        raise ExportError(
            f"the ONNX export needs {' and '.join(missing)}: pip install {' '.join(missing)} "
            "(or pip install -e '.[onnx]'; make run and make test install them)"
        )


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def input_names(model) -> list[str]:
    """The tokenizer's tensors the graph takes (token_type_ids only where the model's tokenizer gives them)."""
    features = model.preprocess(["a"])
    return [name for name in INPUTS if name in features]


def describe(module) -> str:
    return f"{type(module).__module__}.{type(module).__name__}"


def unknown_modules(model) -> list[str]:
    """The modules of `model` that are not sentence-transformers' own traceable ones ('module 2 (pkg.MyModule)')."""
    return [f"module {i} ({describe(m)})" for i, m in enumerate(model) if type(m).__name__ not in TRACEABLE]


def export_graph(model, path: Path) -> list[str]:
    """Write `model` (a SentenceTransformer on CPU, in eval mode) as an fp32 ONNX graph at `path`; returns its
    input names. A module that fails to trace is named in the ExportError."""
    import torch

    names = input_names(model)
    graph = _graph(model, names).eval()
    example = model.preprocess(["an example sentence to trace", "a second, longer example sentence to trace"])
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {OUTPUT: {0: "batch"}}
    try:
        # the tracer warns about Python values it treats as constants (sentence-transformers' own shape checks):
        # whether the graph is right is decided by comparing its embeddings with the model's (core.export.run)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                graph, tuple(example[name] for name in names), str(path), dynamo=False, input_names=names,
                output_names=[OUTPUT], dynamic_axes=axes, opset_version=OPSET,
            )  # fmt: skip
    except Exception as exc:  # the tracer raises many types; the module it was in is what a person can act on
        where = "the model" if graph.current is None else f"module {graph.current} ({describe(model[graph.current])})"
        raise ExportError(f"the exporter cannot trace {where}: {type(exc).__name__}: {str(exc)[:300]}") from None
    return names


def _graph(model, names: list[str]):
    """`model` as a module that takes the tokenizer's tensors positionally and returns the embedding; `current` is
    the index of the module running (left set when one raises)."""
    import torch

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.current: int | None = None

        def forward(self, *tensors):
            features = dict(zip(names, tensors, strict=True))
            for index, module in enumerate(self.model):
                self.current = index
                features = module(features)
            self.current = None
            return features[OUTPUT]

    return Graph()


def quantise(fp32: Path, path: Path) -> None:
    """An int8 copy of the fp32 graph at `path` (onnxruntime's dynamic quantisation: int8 weights per channel,
    activations quantised at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
