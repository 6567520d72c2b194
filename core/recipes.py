"""The trainer-type table: the one place that says what each trainer type needs.

Data checks, the loss and evaluator builders, the CLI and the UI all read `RECIPES` and
`LOSSES`; nothing else branches on the trainer type. sentence-transformers reads input columns
by position, so `Recipe.columns` is also the order the prepared dataset's columns take.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from core.errors import ConfigError

__all__ = [
    "LOSSES",
    "RECIPES",
    "Defaults",
    "LossSpec",
    "Recipe",
    "allowed_list",
    "default_loss",
    "get_recipe",
    "resolve_loss",
]

# Batch samplers, as sentence-transformers' `BatchSamplers` names them.
NO_DUPLICATES = "no_duplicates"  # in-batch negatives must not be copies of the positive
GROUP_BY_LABEL = "group_by_label"  # in-batch triplet mining needs several items per label
PLAIN = "batch_sampler"


@dataclass(frozen=True)
class LossSpec:
    """A loss the studio offers: its sentence-transformers class name and how batches are drawn."""

    name: str
    sampler: str = PLAIN
    binary_only: bool = False  # labels must be exactly 0/1
    matryoshka: bool = True  # can be wrapped in MatryoshkaLoss
    guided: bool = False  # takes a guide model (GISTEmbedLoss): the base model, frozen, filters false negatives

    @property
    def in_batch_negatives(self) -> bool:
        """Reads (anchor, positive, ...) rows and takes the batch's other rows as negatives."""
        return self.sampler == NO_DUPLICATES


LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("MultipleNegativesRankingLoss", NO_DUPLICATES),
        LossSpec("CachedMultipleNegativesRankingLoss", NO_DUPLICATES),
        LossSpec("MultipleNegativesSymmetricRankingLoss", NO_DUPLICATES),
        LossSpec("GISTEmbedLoss", NO_DUPLICATES, guided=True),
        LossSpec("CachedGISTEmbedLoss", NO_DUPLICATES, guided=True),
        LossSpec("TripletLoss"),
        LossSpec("CoSENTLoss"),
        LossSpec("AnglELoss"),
        LossSpec("CosineSimilarityLoss"),
        # Its classifier is sized for full embeddings, so truncated (Matryoshka) ones do not fit.
        LossSpec("SoftmaxLoss", matryoshka=False),
        LossSpec("ContrastiveLoss", binary_only=True),
        LossSpec("OnlineContrastiveLoss", binary_only=True),
        LossSpec("BatchAllTripletLoss", GROUP_BY_LABEL),
        LossSpec("BatchHardTripletLoss", GROUP_BY_LABEL),
        LossSpec("BatchSemiHardTripletLoss", GROUP_BY_LABEL),
        LossSpec("BatchHardSoftMarginTripletLoss", GROUP_BY_LABEL),
    )
}


@dataclass(frozen=True)
class Defaults:
    """A trainer type's own optimisation defaults, each measured by bench/trainer_defaults.py on held-out
    real data (README, "Defaults"). A value the person sets always wins; the resolved values are what
    config.yaml records."""

    lr: float
    epochs: float
    batch_size: int


@dataclass(frozen=True)
class Recipe:
    """One trainer type.

    Attributes:
        name: the trainer id (`pair`, `pair_score`, ...).
        roles: text roles in the order the loss reads them (`sentence1`, `sentence2`, ...).
        role_labels: what each role means to a person (`anchor`, `positive`, ...).
        target: None, "score" (float scaled to 0-1) or "class" (integer label).
        losses: loss names allowed; the first is the default.
        evaluator: which evaluator runs on the validation split.
        primary_metric: the metric a person reads, and early stopping and best-model use.
        description: one sentence on the data it expects.
        defaults: learning rate, epochs and batch size for this trainer type.
        negatives: retrieval trainers (pair, qa) also take hard negatives: a 0/1 label column (label-0 rows
            of a query are its negatives), negative columns, or negatives mined before training.
    """

    name: str
    roles: tuple[str, ...]
    role_labels: tuple[str, ...]
    target: str | None
    losses: tuple[str, ...]
    evaluator: str
    primary_metric: str
    description: str
    defaults: Defaults
    negatives: bool = False

    @property
    def default_loss(self) -> str:
        return self.losses[0]

    @property
    def target_column(self) -> str | None:
        """Name of the label column in the prepared dataset (sentence-transformers reads `score`/`label`)."""
        return {"score": "score", "class": "label", None: None}[self.target]

    @property
    def columns(self) -> tuple[str, ...]:
        """Prepared dataset columns, in the order the loss reads them (negative_1.. follow for retrieval
        data that has negatives)."""
        return self.roles + ((self.target_column,) if self.target else ())

    @property
    def optional_roles(self) -> tuple[str, ...]:
        """Roles a table may map but need not: a negative column and a 0/1 label for retrieval trainers."""
        return ("sentence3", "target") if self.negatives else ()


MNRL = "MultipleNegativesRankingLoss"
CMNRL = "CachedMultipleNegativesRankingLoss"
GIST = "GISTEmbedLoss"
CGIST = "CachedGISTEmbedLoss"

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "pair",
            ("sentence1", "sentence2"),
            ("anchor", "positive"),
            None,
            (MNRL, CMNRL, "MultipleNegativesSymmetricRankingLoss", GIST, CGIST),
            "information_retrieval",
            "ndcg@10",
            "Two texts per row that mean the same or belong together (anchor, positive); "
            "the other rows of a batch serve as negatives, and so do negatives the data has or that are mined.",
            Defaults(lr=2e-5, epochs=2, batch_size=16),
            negatives=True,
        ),
        Recipe(
            "qa",
            ("sentence1", "sentence2"),
            ("question", "answer"),
            None,
            (MNRL, CMNRL, GIST, CGIST),
            "information_retrieval",
            "ndcg@10",
            "A question and a passage that answers it, one pair per row; a 0/1 label column marks the "
            "passages that do not answer it (hard negatives).",
            Defaults(lr=2e-5, epochs=2, batch_size=16),
            negatives=True,
        ),
        Recipe(
            "triplet",
            ("sentence1", "sentence2", "sentence3"),
            ("anchor", "positive", "negative"),
            None,
            (MNRL, "TripletLoss", CMNRL),
            # triplet accuracy; on SNLI it sits at 0.979 for the base model and cannot show the held-out gain,
            # but a ranked metric (ndcg@10 over all validation texts) fell while held-out accuracy rose (README)
            "triplet",
            "accuracy",
            "Three texts per row: an anchor, a text like it, and a text unlike it.",
            # SNLI triplets: 1e-4 gained held-out accuracy (0.936 -> 0.949, STS-B -0.003); 2e-5 did not beat the base
            Defaults(lr=1e-4, epochs=2, batch_size=16),
        ),
        Recipe(
            "pair_score",
            ("sentence1", "sentence2"),
            ("sentence1", "sentence2"),
            "score",
            ("CoSENTLoss", "AnglELoss", "CosineSimilarityLoss"),
            "embedding_similarity",
            "spearman",
            "Two texts and a similarity score (any range, e.g. 0-5; scaled to 0-1).",
            Defaults(lr=1e-4, epochs=2, batch_size=16),
        ),
        Recipe(
            "pair_class",
            ("sentence1", "sentence2"),
            ("sentence1", "sentence2"),
            "class",
            # OnlineContrastiveLoss won on MRPC (bench/results/trainer_defaults.md); more than two
            # classes fall back to SoftmaxLoss (default_loss)
            ("OnlineContrastiveLoss", "ContrastiveLoss", "SoftmaxLoss"),
            "binary_classification",
            "average_precision",
            "Two texts and a class label (e.g. 1 paraphrase / 0 not, or entailment/neutral/contradiction).",
            Defaults(lr=1e-4, epochs=2, batch_size=16),
        ),
        Recipe(
            "single_class",
            ("sentence1",),
            ("text",),
            "class",
            # MNRL trains on pairs of texts of one label (core.data.prepare, label_pairs), batches never holding a
            # label twice; it won on Banking77 where BatchAllTripletLoss wrecked the model (README, Defaults)
            (MNRL, "BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss", "BatchHardSoftMarginTripletLoss"),
            "label_neighbours",
            "ndcg@10",
            "One text and its class label (an intent, a topic); texts of a class are pulled together.",
            Defaults(lr=1e-4, epochs=1, batch_size=16),
        ),
    )
}


def allowed_list(values) -> str:
    """`a, b, c` for error messages."""
    return ", ".join(values)


def _did_you_mean(value: str, choices) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def get_recipe(name: str | None) -> Recipe:
    """The recipe for a trainer id, or a ConfigError listing the allowed ids."""
    if name in RECIPES:
        return RECIPES[name]
    raise ConfigError(
        f"trainer: '{name}' is not a trainer type. Allowed: {allowed_list(RECIPES)}.{_did_you_mean(str(name), RECIPES)}"
    )


def default_loss(recipe: Recipe, classes: int | None = None) -> LossSpec:
    """The recipe's default loss; a two-class-only default gives way to the first loss that takes more classes.

    pair_class defaults to OnlineContrastiveLoss (measured on MRPC), which needs labels 0/1; a table
    with three classes (entailment/neutral/contradiction) gets SoftmaxLoss instead.
    """
    spec = LOSSES[recipe.default_loss]
    if spec.binary_only and classes is not None and classes != 2:
        return next(LOSSES[n] for n in recipe.losses if not LOSSES[n].binary_only)
    return spec


def resolve_loss(recipe: Recipe, name: str | None, classes: int | None = None) -> LossSpec:
    """The loss to train `recipe` with: `name` (case-insensitive, `Loss` suffix optional) or the default
    for `classes` label classes (see default_loss)."""
    if not name:
        return default_loss(recipe, classes)
    wanted = name.lower().removesuffix("loss")
    for allowed in recipe.losses:
        if allowed.lower().removesuffix("loss") == wanted:
            return LOSSES[allowed]
    raise ConfigError(
        f"loss: '{name}' is not offered for trainer '{recipe.name}'. "
        f"Allowed: {allowed_list(recipe.losses)}.{_did_you_mean(name, recipe.losses)}"
    )
