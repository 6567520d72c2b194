"""Accuracy of SoftmaxLoss's classifier on validation pairs, for pair_class with more than two classes.

sentence-transformers' LabelAccuracyEvaluator wants an old-style DataLoader of InputExamples; this
evaluator takes plain lists like the other evaluators and reuses the loss's own classifier.
"""

from __future__ import annotations

import torch
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator

from core.errors import ConfigError

__all__ = ["SoftmaxAccuracyEvaluator"]


class SoftmaxAccuracyEvaluator(BaseEvaluator):
    """Share of pairs whose class the SoftmaxLoss classifier predicts right."""

    def __init__(self, sentences1, sentences2, labels, softmax_loss, *, name="", batch_size=32, truncate_dim=None):
        super().__init__()
        if truncate_dim is not None:  # the classifier was built for full-size embeddings
            raise ConfigError(
                f"truncate_dim: SoftmaxLoss's classifier takes full-size embeddings, so it cannot score "
                f"{truncate_dim}-dimensional ones; leave out --matryoshka-dims or pick another loss"
            )
        self.sentences1, self.sentences2, self.labels = list(sentences1), list(sentences2), list(labels)
        self.softmax_loss = softmax_loss
        self.name, self.batch_size = name, batch_size
        self.greater_is_better = True
        self.primary_metric = "accuracy"

    def __call__(self, model, output_path=None, epoch=-1, steps=-1) -> dict[str, float]:
        loss = self.softmax_loss
        with torch.no_grad():
            u = model.encode(self.sentences1, batch_size=self.batch_size, convert_to_tensor=True)
            v = model.encode(self.sentences2, batch_size=self.batch_size, convert_to_tensor=True)
            parts = []
            if loss.concatenation_sent_rep:
                parts += [u, v]
            if loss.concatenation_sent_difference:
                parts.append(torch.abs(u - v))
            if loss.concatenation_sent_multiplication:
                parts.append(u * v)
            classifier = loss.classifier
            logits = classifier(torch.cat(parts, 1).to(classifier.weight.device, classifier.weight.dtype))
        predicted = logits.argmax(dim=1).cpu()
        accuracy = float((predicted == torch.tensor(self.labels)).float().mean())
        metrics = self.prefix_name_to_metrics({"accuracy": accuracy}, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics
