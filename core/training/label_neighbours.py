"""Are a text's nearest neighbours of its own class? single_class's validation metrics.

Each validation text searches the training texts (cosine). Two figures:

- `ndcg@10` (primary): the ten nearest training texts, graded by whether each has the text's
  label, as a search or deduplication by meaning would see them;
- `knn_accuracy`: the share of validation texts whose 5 nearest training texts vote for its label
  (what a k-NN classifier on the embeddings would get right).

Unlike triplets drawn at random (an anchor, a text of its class, a text of any other class), which
a base model already gets almost all right, both fall when training blurs the classes and rise
when it separates them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator

__all__ = ["LabelNeighboursEvaluator"]

K_VOTE = 5  # neighbours that vote for knn_accuracy
K_RANK = 10  # neighbours graded for ndcg@10
MAX_REFERENCE = 3000  # training texts searched (a seeded sample beyond that); encoding them costs time


class LabelNeighboursEvaluator(BaseEvaluator):
    """ndcg@10 of same-label training texts, and 5-NN accuracy, for each validation text."""

    def __init__(self, texts, labels, reference_texts, reference_labels, *, name="", batch_size=32, truncate_dim=None, seed=42):
        super().__init__()
        reference_texts, reference_labels = list(reference_texts), list(reference_labels)
        if len(reference_texts) > MAX_REFERENCE:
            keep = np.sort(np.random.default_rng(seed).permutation(len(reference_texts))[:MAX_REFERENCE])
            reference_texts = [reference_texts[i] for i in keep]
            reference_labels = [reference_labels[i] for i in keep]
        self.texts, self.labels = list(texts), list(labels)
        self.reference_texts, self.reference_labels = reference_texts, np.asarray(reference_labels)
        self.name, self.batch_size, self.truncate_dim = name, batch_size, truncate_dim
        self.greater_is_better = True
        self.primary_metric = "ndcg@10"

    def __call__(self, model, output_path=None, epoch=-1, steps=-1) -> dict[str, float]:
        options = {"batch_size": self.batch_size, "normalize_embeddings": True, "truncate_dim": self.truncate_dim}
        queries = model.encode(self.texts, **options)
        reference = model.encode(self.reference_texts, **options)
        similarity = queries @ reference.T  # (validation texts, training texts), cosine
        # a validation text that is also a training text is not its own neighbour
        for i, j in _same_texts(self.texts, self.reference_texts):
            similarity[i, j] = -np.inf
        nearest = np.argsort(-similarity, axis=1)[:, : max(K_VOTE, K_RANK)]
        gains = 1 / np.log2(np.arange(2, K_RANK + 2))
        right, ndcgs = 0, []
        for row, label in zip(nearest, self.labels, strict=True):
            neighbours = self.reference_labels[row]
            votes = Counter(neighbours[:K_VOTE].tolist())
            best = max(votes.values())
            # a tie goes to the label of the nearest neighbour among the tied ones
            right += next(lab for lab in neighbours[:K_VOTE].tolist() if votes[lab] == best) == label
            relevant = int((self.reference_labels == label).sum())
            if relevant:
                ideal = gains[: min(K_RANK, relevant)].sum()
                ndcgs.append(float(((neighbours[:K_RANK] == label) * gains).sum() / ideal))
        figures = {"ndcg@10": float(np.mean(ndcgs)) if ndcgs else 0.0, "knn_accuracy": right / max(1, len(self.texts))}
        metrics = self.prefix_name_to_metrics(figures, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics


def _same_texts(texts: list[str], reference: list[str]) -> list[tuple[int, int]]:
    where = {}
    for j, text in enumerate(reference):
        where.setdefault(text, []).append(j)
    return [(i, j) for i, text in enumerate(texts) for j in where.get(text, [])]
