"""How an exported graph compares with the PyTorch model it came from: the cosine of each text's two embeddings,
and the run's own validation metric computed through the graph.

The graph is put behind the model's own `encode` (its forward replaced while a check runs), so prompts, batching,
truncation and the evaluator are exactly the run's; only the network differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.export.graph import OUTPUT, input_names

__all__ = ["agreement", "served_by", "session"]


def session(path: Path):
    """An onnxruntime session of the graph at `path`, on CPU (what the export is for)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # warnings about unused initialisers are not the person's business
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@contextlib.contextmanager
def served_by(model, graph) -> Iterator[None]:
    """Within the block, `model.encode` (and every evaluator) computes embeddings with the onnxruntime `graph`."""
    import torch

    names = input_names(model)

    def forward(features: dict, **_kwargs) -> dict:
        feed = {name: features[name].cpu().numpy() for name in names}
        return {**features, OUTPUT: torch.from_numpy(graph.run([OUTPUT], feed)[0])}

    model.forward = forward
    try:
        yield
    finally:
        del model.forward  # the class's own forward again


def agreement(model, graph, texts: list[str], batch_size: int = 32) -> dict[str, float]:
    """The cosine between the PyTorch and the graph's embedding of each text: its minimum and mean."""
    reference = model.encode(texts, batch_size=batch_size, convert_to_numpy=True)
    with served_by(model, graph):
        exported = model.encode(texts, batch_size=batch_size, convert_to_numpy=True)
    norms = np.linalg.norm(reference, axis=1) * np.linalg.norm(exported, axis=1)
    cosines = (reference * exported).sum(axis=1) / np.maximum(norms, 1e-12)
    return {"min_cosine": float(cosines.min()), "mean_cosine": float(cosines.mean()), "texts": len(texts)}
