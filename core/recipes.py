"""The trainer-type table: the one place that says what each trainer type needs.

Role suggestion, data checks and preparation, the loss and evaluator builders, the CLI and the UI
all read `RECIPES` and `LOSSES`; nothing else names a trainer type (tests/test_recipes.py fails on
a trainer name written anywhere else). Adding a trainer type or a loss is a row here and its test.
sentence-transformers reads input columns by position, so `Recipe.prepared(loss)` is also the order
the prepared dataset's columns take.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from core.errors import ConfigError

__all__ = [
    "DOCUMENT",
    "EVALUATOR_KINDS",
    "LOSSES",
    "METRIC_LABELS",
    "QUERY",
    "RECIPES",
    "RELEVANCE",
    "ROLES",
    "ROLE_FIELDS",
    "SIDES",
    "TARGETS",
    "TEXT_ROLES",
    "Defaults",
    "Fit",
    "LossSpec",
    "Recipe",
    "allowed_list",
    "default_loss",
    "get_recipe",
    "is_negative_column",
    "negative_column",
    "resolve_loss",
    "suggest_trainer_for",
    "trainer_for",
    "trainer_list",
]


@dataclass(frozen=True)
class LossSpec:
    """A loss the studio offers: its sentence-transformers class name and what it needs.

    Attributes:
        in_batch_negatives: reads (anchor, positive, ...) rows and takes the batch's other rows as negatives,
            so a batch must not hold a copy of a row's positive (sentence-transformers' NO_DUPLICATES sampler).
        label_batches: mines triplets inside a batch of labelled texts, so a batch needs several texts per
            label (GROUP_BY_LABEL sampler).
        binary_only: labels must be exactly 0/1.
        matryoshka: can be wrapped in MatryoshkaLoss.
        guided: takes a guide model (GISTEmbedLoss): the base model, frozen, filters false negatives.
        classifier: trains a classifier head over the embeddings (SoftmaxLoss): built with the embedding size
            and the number of classes.
        cached: computes the loss over the whole batch in mini-batches (GradCache), so a large batch (more
            in-batch negatives) fits in memory; TrainConfig.mini_batch_size sets their size.
        cross_encoder: a CrossEncoder loss (sentence_transformers.cross_encoder.losses) reading (query, document,
            label) pairs.
    """

    name: str
    in_batch_negatives: bool = False
    label_batches: bool = False
    binary_only: bool = False
    matryoshka: bool = True
    guided: bool = False
    classifier: bool = False
    cached: bool = False
    cross_encoder: bool = False

    @property
    def batch_sampler(self):
        """sentence-transformers' own `BatchSamplers` value for this loss (imported here, on first use: the app
        starts without sentence-transformers)."""
        from sentence_transformers.base.sampler import BatchSamplers

        if self.in_batch_negatives:
            return BatchSamplers.NO_DUPLICATES
        if self.label_batches:
            return BatchSamplers.GROUP_BY_LABEL
        return BatchSamplers.BATCH_SAMPLER


LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("MultipleNegativesRankingLoss", in_batch_negatives=True),
        LossSpec("CachedMultipleNegativesRankingLoss", in_batch_negatives=True, cached=True),
        LossSpec("MultipleNegativesSymmetricRankingLoss", in_batch_negatives=True),
        LossSpec("GISTEmbedLoss", in_batch_negatives=True, guided=True),
        LossSpec("CachedGISTEmbedLoss", in_batch_negatives=True, guided=True, cached=True),
        LossSpec("TripletLoss"),
        LossSpec("CoSENTLoss"),
        LossSpec("AnglELoss"),
        LossSpec("CosineSimilarityLoss"),
        # Its classifier is sized for full embeddings, so truncated (Matryoshka) ones do not fit.
        LossSpec("SoftmaxLoss", matryoshka=False, classifier=True),
        LossSpec("ContrastiveLoss", binary_only=True),
        LossSpec("OnlineContrastiveLoss", binary_only=True),
        LossSpec("BatchAllTripletLoss", label_batches=True),
        LossSpec("BatchHardTripletLoss", label_batches=True),
        LossSpec("BatchSemiHardTripletLoss", label_batches=True),
        LossSpec("BatchHardSoftMarginTripletLoss", label_batches=True),
        # a reranker's: each (query, document) pair's one logit against its 0/1 label or 0-1 score
        LossSpec("BinaryCrossEntropyLoss", matryoshka=False, cross_encoder=True),
    )
}


# The roles a table's columns can play (the prepared dataset's column names too), and the TrainConfig
# field that maps each role to a column of the person's table.
TEXT_ROLES = ("sentence1", "sentence2", "sentence3")
ROLES = (*TEXT_ROLES, "target")
ROLE_FIELDS = {role: f"{role}_column" for role in ROLES}

# The prepared retrieval table's hard-negative columns: negative_1, negative_2, ... after the roles.
NEGATIVE_PREFIX = "negative_"


def negative_column(number: int) -> str:
    """The name of the `number`-th (1-based) hard-negative column of a prepared table."""
    return f"{NEGATIVE_PREFIX}{number}"


def is_negative_column(column) -> bool:
    return str(column).startswith(NEGATIVE_PREFIX)


# The optional roles of retrieval trainer types (Recipe.negatives), with what they mean.
NEGATIVE_ROLES = {"sentence3": "negative", "target": "0/1 label: 1 positive, 0 hard negative of its query"}

# What a target column holds, by Recipe.target: its prepared column and what it means to a person.
TARGETS = {
    "score": ("score", "a similarity score"),  # floats, scaled to 0-1
    "class": ("label", "a class label"),  # integers after mapping the label names
}

# The two prompt sides (Recipe.sides): the text put before an input depends on which side it is on.
QUERY, DOCUMENT = "query", "document"
SIDES = (QUERY, DOCUMENT)

# The evaluators core.training.evaluation builds, by Recipe.evaluator.
EVALUATOR_KINDS = (
    "information_retrieval",
    "triplet_accuracy",
    "embedding_similarity",
    "binary_classification",
    "label_neighbours",
    "reranking",
)

# Readable names of the evaluators' metric keys (`valid_spearman_cosine` ends in `spearman_cosine`).
METRIC_LABELS = {
    "spearman_cosine": "Spearman (cosine)",
    "ndcg@10": "NDCG@10",
    "accuracy": "accuracy",
    "average_precision": "average precision",
    "map": "MAP",
    "mrr@10": "MRR@10",
}

# What a rerank table's target means: a 0/1 label, or a graded score (scaled to 0-1) the reranker learns.
RELEVANCE = "relevance of the document to the query: a 0/1 label, or a score (scaled to 0-1)"


@dataclass(frozen=True)
class Fit:
    """A table shape a trainer type is suggested for (core.data.roles reads the table's shape).

    Attributes:
        texts: the table has at least this many text columns.
        target: what its target column holds: None (no target), "score", "class", or "relevance" (a 0/1 label
            over queries that repeat: label-1 rows are positives, label-0 rows hard negatives).
        long_documents: None: either; True: the second text is a passage answering the first (named like a
            question and an answer, or clearly longer); False: two texts of one kind.
    """

    texts: int
    target: str | None = None
    long_documents: bool | None = None


@dataclass(frozen=True)
class Defaults:
    """A trainer type's own optimisation defaults, each measured by bench/trainer_defaults.py on held-out
    real data (README, "Defaults"). A value the person sets always wins; the resolved values are what
    config.yaml records."""

    lr: float
    epochs: float
    batch_size: int


@dataclass(frozen=True, kw_only=True)
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
        negatives: retrieval trainers also take hard negatives: a 0/1 label column (label-0 rows of a query
            are its negatives), negative columns, or negatives mined before training.
        fits: the table shapes this trainer type is suggested for. The fit naming the most text columns wins,
            then the table's order; a table no trainer type fits gets the first one.
        split_by_query: a held-out validation split takes whole queries with all their rows (a question's
            answers, an anchor's positives, never straddle train and validation).
        sides: the prompt side of each role (QUERY or DOCUMENT, core.prompts): a model that declares a
            query and a document prompt reads each role with its side's prompt in training, evaluation and mining.
            Negatives are documents. Where every role is a query (scored or labelled pairs, labelled texts) the
            texts are of one kind and all get the query prompt, as sentence-transformers' evaluators read them.
        cross_encoder: the run trains a CrossEncoder (a reranker: one score per (query, document) pair) instead of
            an embedding model; a bi-encoder (TrainConfig.retriever) finds its candidates.
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
    fits: tuple[Fit, ...] = ()
    split_by_query: bool = False
    sides: tuple[str, ...] = ()
    cross_encoder: bool = False

    def __post_init__(self) -> None:
        if len(self.sides) != len(self.roles) or not set(self.sides) <= set(SIDES):
            raise ValueError(f"recipe {self.name}: sides must give {QUERY} or {DOCUMENT} for each of {self.roles}")

    @property
    def one_sided(self) -> bool:
        """Every role reads the query prompt (texts of one kind): a plain `encode` must use it too."""
        return set(self.sides) == {QUERY}

    @property
    def default_loss(self) -> str:
        return self.losses[0]

    @property
    def target_column(self) -> str | None:
        """Name of the label column in the prepared dataset (sentence-transformers reads `score`/`label`)."""
        return TARGETS[self.target][0] if self.target else None

    @property
    def target_words(self) -> str | None:
        """What the target means to a person ("a similarity score"), None without a target."""
        return TARGETS[self.target][1] if self.target else None

    def makes_label_pairs(self, loss: LossSpec) -> bool:
        """Labelled single texts with an in-batch-negative loss train on pairs of texts of one label
        (core.data.prepare.label_pairs): the one place this rule is written."""
        return self.target == "class" and len(self.roles) == 1 and loss.in_batch_negatives

    def prepared(self, loss: LossSpec) -> tuple[tuple[str, str | None], ...]:
        """The prepared dataset's columns in the order the loss reads them, each with its prompt side (None for
        the target): what preparing makes, what the trainer's prompts, the batch sampler and the data report
        read. Label pairs add a second text of the anchor's label, read as the anchor is (the evaluator reads
        both texts of a pair the same way). Negative columns (negative_1..) follow for retrieval data that has
        them; their side is DOCUMENT."""
        texts = tuple(zip(self.roles, self.sides, strict=True))
        if self.makes_label_pairs(loss):
            texts += (("sentence2", self.sides[0]),)
        return texts + (((self.target_column, None),) if self.target else ())

    @property
    def optional_roles(self) -> tuple[str, ...]:
        """Roles a table may map but need not: a negative column and a 0/1 label for retrieval trainers."""
        return tuple(NEGATIVE_ROLES) if self.negatives else ()

    def meaning(self, role: str) -> str | None:
        """What a column in `role` means for this trainer type ("positive", "a similarity score"), None if unused."""
        if role in self.roles:
            return self.role_labels[self.roles.index(role)]
        if role == "target" and self.cross_encoder:
            return RELEVANCE
        if role in self.optional_roles:
            return NEGATIVE_ROLES[role]
        if role == "target":
            return self.target_words
        return None


MNRL = "MultipleNegativesRankingLoss"
CMNRL = "CachedMultipleNegativesRankingLoss"
GIST = "GISTEmbedLoss"
CGIST = "CachedGISTEmbedLoss"

RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            name="pair",
            roles=("sentence1", "sentence2"),
            role_labels=("anchor", "positive"),
            target=None,
            losses=(MNRL, CMNRL, "MultipleNegativesSymmetricRankingLoss", GIST, CGIST),
            evaluator="information_retrieval",
            primary_metric="ndcg@10",
            description="Two texts per row that mean the same or belong together (anchor, positive); "
            "the other rows of a batch serve as negatives, and so do negatives the data has or that are mined.",
            defaults=Defaults(lr=2e-5, epochs=2, batch_size=16),
            negatives=True,
            fits=(Fit(2, None, long_documents=False), Fit(2, "relevance", long_documents=False)),
            # an anchor with several positives: held out whole, so no positive of a validation query stays in
            # training and is counted as a distractor (the bundled pair example: 22 of 27 validation queries)
            split_by_query=True,
            sides=(QUERY, DOCUMENT),
        ),
        Recipe(
            name="qa",
            roles=("sentence1", "sentence2"),
            role_labels=("question", "answer"),
            target=None,
            losses=(MNRL, CMNRL, GIST, CGIST),
            evaluator="information_retrieval",
            primary_metric="ndcg@10",
            description="A question and a passage that answers it, one pair per row; a 0/1 label column marks the "
            "passages that do not answer it (hard negatives).",
            defaults=Defaults(lr=2e-5, epochs=2, batch_size=16),
            negatives=True,
            fits=(Fit(2, None, long_documents=True), Fit(2, "relevance", long_documents=True)),
            split_by_query=True,
            sides=(QUERY, DOCUMENT),
        ),
        Recipe(
            name="triplet",
            roles=("sentence1", "sentence2", "sentence3"),
            role_labels=("anchor", "positive", "negative"),
            target=None,
            losses=(MNRL, "TripletLoss", CMNRL),
            # triplet accuracy; on SNLI it sits at 0.979 for the base model and cannot show the held-out gain,
            # but a ranked metric (ndcg@10 over all validation texts) fell while held-out accuracy rose (README)
            evaluator="triplet_accuracy",
            primary_metric="accuracy",
            description="Three texts per row: an anchor, a text like it, and a text unlike it.",
            # SNLI triplets: 1e-4 gained held-out accuracy (0.936 -> 0.949, STS-B -0.003); 2e-5 did not beat the base
            defaults=Defaults(lr=1e-4, epochs=2, batch_size=16),
            fits=(Fit(3, None),),
            # an anchor's rows held out together: validation asks about anchors the model never trained on
            split_by_query=True,
            sides=(QUERY, DOCUMENT, DOCUMENT),
        ),
        Recipe(
            name="pair_score",
            roles=("sentence1", "sentence2"),
            role_labels=("sentence1", "sentence2"),
            target="score",
            losses=("CoSENTLoss", "AnglELoss", "CosineSimilarityLoss"),
            evaluator="embedding_similarity",
            primary_metric="spearman",
            description="Two texts and a similarity score (any range, e.g. 0-5; scaled to 0-1).",
            defaults=Defaults(lr=1e-4, epochs=2, batch_size=16),
            fits=(Fit(2, "score"),),
            sides=(QUERY, QUERY),
        ),
        Recipe(
            name="pair_class",
            roles=("sentence1", "sentence2"),
            role_labels=("sentence1", "sentence2"),
            target="class",
            # OnlineContrastiveLoss won on MRPC (bench/results/trainer_defaults.md); more than two
            # classes fall back to SoftmaxLoss (default_loss)
            losses=("OnlineContrastiveLoss", "ContrastiveLoss", "SoftmaxLoss"),
            evaluator="binary_classification",
            primary_metric="average_precision",
            description="Two texts and a class label (e.g. 1 paraphrase / 0 not, or entailment/neutral/contradiction).",
            defaults=Defaults(lr=1e-4, epochs=2, batch_size=16),
            fits=(Fit(2, "class"),),
            sides=(QUERY, QUERY),
        ),
        Recipe(
            name="single_class",
            roles=("sentence1",),
            role_labels=("text",),
            target="class",
            # MNRL trains on pairs of texts of one label (core.data.prepare, label_pairs), batches never holding a
            # label twice; it won on Banking77 where BatchAllTripletLoss wrecked the model (README, Defaults)
            losses=(
                MNRL,
                "BatchAllTripletLoss",
                "BatchHardTripletLoss",
                "BatchSemiHardTripletLoss",
                "BatchHardSoftMarginTripletLoss",
            ),
            evaluator="label_neighbours",
            primary_metric="ndcg@10",
            description="One text and its class label (an intent, a topic); texts of a class are pulled together.",
            defaults=Defaults(lr=1e-4, epochs=1, batch_size=16),
            fits=(Fit(1, "class"),),
            sides=(QUERY,),
        ),
        Recipe(
            name="rerank",
            roles=("sentence1", "sentence2"),
            role_labels=("query", "document"),
            target=None,  # optional: a 0/1 label or a graded score (RELEVANCE)
            losses=("BinaryCrossEntropyLoss",),
            evaluator="reranking",
            primary_metric="ndcg@10",
            description="A reranker (CrossEncoder): a second model that reads each (query, document) pair and reorders "
            "the top results a search model found. Trains on queries with documents and a 0/1 label or a score, or on "
            "(query, positive) rows whose negatives are mined with the search model.",
            # WikiQA held out (bench/results/rerank_sweep_*.md): lr 1e-4 reranked to 0.634 ndcg@10, 2e-5 to 0.610
            # (search alone 0.714); a fresh one-logit head learns faster at the higher rate
            defaults=Defaults(lr=1e-4, epochs=1, batch_size=16),
            negatives=True,
            fits=(),  # a reranker is a second model, not a reading of the table: suggested only when asked
            split_by_query=True,
            sides=(QUERY, DOCUMENT),
            cross_encoder=True,
        ),
    )
}


def suggest_trainer_for(texts: int, target: str | None, long_documents: bool) -> Recipe:
    """The trainer type for a table of `texts` text columns and a target of kind `target` (see Fit)."""
    matches = [
        (fit.texts, -order, recipe)
        for order, recipe in enumerate(RECIPES.values())
        for fit in recipe.fits
        if texts >= fit.texts and fit.target == target and (fit.long_documents is None or fit.long_documents == long_documents)
    ]
    return max(matches, key=lambda m: m[:2])[2] if matches else next(iter(RECIPES.values()))


def trainer_for(texts: int, target: str | None) -> str:
    """The name of the trainer type for `texts` text columns and a `target` kind, for messages that point
    a person to another trainer type ("use trainer ... for text labels")."""
    return suggest_trainer_for(texts, target, False).name


def trainer_list(conjunction: str = "or") -> str:
    """`a, b, ... or f`: the trainer types for help texts."""
    names = list(RECIPES)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


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
