"""Build the loss module for a recipe, optionally wrapped in MatryoshkaLoss."""

from __future__ import annotations

from core.errors import ConfigError
from core.recipes import LossSpec

__all__ = ["build_loss"]


def build_loss(
    spec: LossSpec,
    model,
    *,
    num_labels: int = 0,
    matryoshka_dims: list[int] | None = None,
    guide=None,
    mini_batch_size: int | None = None,
    positive_weight: float | None = None,
):
    """The sentence-transformers loss named by `spec`, for `model`.

    Args:
        num_labels: classes, for SoftmaxLoss.
        matryoshka_dims: embedding sizes to train at once; None: plain loss.
        guide: for guided losses (GISTEmbedLoss), a frozen copy of the base model: in-batch texts it
            scores above the positive are not used as negatives (likely unlabelled positives).
        mini_batch_size: for cached losses, the texts embedded at once (None: sentence-transformers' 32).
        positive_weight: for a reranker's binary cross-entropy, the weight of a relevant pair (sentence-transformers'
            recipe: the number of negatives per positive, so both kinds weigh alike).
    """
    if spec.cross_encoder:  # a reranker's loss: (query, document, label) pairs, one logit each
        import torch
        from sentence_transformers.cross_encoder import losses as cross_encoder_losses

        weight = {"pos_weight": torch.tensor(positive_weight)} if positive_weight else {}
        return getattr(cross_encoder_losses, spec.name)(model, **weight)
    from sentence_transformers.sentence_transformer import losses

    cls = getattr(losses, spec.name)
    extra = {"mini_batch_size": mini_batch_size} if spec.cached and mini_batch_size else {}
    if spec.classifier:
        loss = cls(model, embedding_dimension=model.get_embedding_dimension(), num_labels=num_labels)
    elif spec.guided:
        if guide is None:
            raise ValueError(f"{spec.name} needs a guide model")
        loss = cls(model, guide=guide, **extra)
    else:
        loss = cls(model, **extra)
    if not matryoshka_dims:
        return loss
    full = model.get_embedding_dimension()
    if not spec.matryoshka:
        raise ConfigError(
            f"matryoshka_dims: {spec.name} cannot be wrapped in MatryoshkaLoss (its classifier takes full-size embeddings); "
            "choose another loss or leave out --matryoshka-dims"
        )
    too_big = [d for d in matryoshka_dims if d > full]
    if too_big:
        raise ConfigError(f"matryoshka_dims: {too_big} exceed the model's embedding size {full}; use sizes up to {full}")
    return losses.MatryoshkaLoss(model, loss, matryoshka_dims=sorted(matryoshka_dims, reverse=True))
