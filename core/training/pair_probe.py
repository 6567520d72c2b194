"""Labelled pairs of three or more classes (entailment / neutral / contradiction): judged on the embeddings.

For each evaluation a logistic-regression probe (scikit-learn) is fitted on features of training pairs
[u, v, |u - v|, u * v] (the features SoftmaxLoss reads) and scored on the validation pairs: `accuracy`
(primary) and `macro_f1`. Unlike the accuracy of SoftmaxLoss's own classifier, which starts at chance
and is never saved, the base model gets its real figure at step 0, and the figure follows what the saved
embeddings can tell apart, whatever the loss.
"""

from __future__ import annotations

import numpy as np
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator

__all__ = ["MAX_FIT", "PairProbeEvaluator"]

MAX_FIT = 1000  # training pairs the probe is fitted on (a seeded sample beyond that); each is encoded per evaluation


class PairProbeEvaluator(BaseEvaluator):
    """Accuracy and macro F1 of a probe fitted on training pairs' embeddings, on the validation pairs."""

    def __init__(self, sentences1, sentences2, labels, fit_pairs, *, name="", batch_size=32, truncate_dim=None, seed=42):
        """`fit_pairs`: (sentences1, sentences2, labels) of the training pairs the probe learns from."""
        super().__init__()
        fit1, fit2, fit_labels = (list(x) for x in fit_pairs)
        if len(fit1) > MAX_FIT:
            keep = np.sort(np.random.default_rng(seed).permutation(len(fit1))[:MAX_FIT])
            fit1, fit2, fit_labels = ([x[i] for i in keep] for x in (fit1, fit2, fit_labels))
        self.pairs = (list(sentences1), list(sentences2), np.asarray(labels))
        self.fit = (fit1, fit2, np.asarray(fit_labels))
        self.name, self.batch_size, self.truncate_dim, self.seed = name, batch_size, truncate_dim, seed
        self.greater_is_better = True
        self.primary_metric = "accuracy"

    def _features(self, model, first, second) -> np.ndarray:
        options = {"batch_size": self.batch_size, "normalize_embeddings": True, "truncate_dim": self.truncate_dim}
        u, v = model.encode(first, **options), model.encode(second, **options)
        return np.hstack([u, v, np.abs(u - v), u * v])

    def __call__(self, model, output_path=None, epoch=-1, steps=-1) -> dict[str, float]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score

        probe = LogisticRegression(max_iter=1000, random_state=self.seed)
        probe.fit(self._features(model, *self.fit[:2]), self.fit[2])
        predicted = probe.predict(self._features(model, *self.pairs[:2]))
        truth = self.pairs[2]
        metrics = {
            "accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, average="macro")),
        }
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics
