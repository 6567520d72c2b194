"""Whether a run can work, decided before it starts, from the prepared data and the settings.

The app's Start refuses a run with a `blocker` (it could not train or could not be judged); the data
report shows blockers and `warnings` before Start. The bounds, documented in the README:

- fewer than MIN_TRAIN_ROWS training rows: nothing to learn from (warning below FEW_TRAIN_ROWS);
- fewer than MIN_VALIDATION validation queries (retrieval: distinct queries; otherwise rows): one
  more right answer moves the metric by a third or more, so it cannot tell better from worse, and
  do-no-harm would act on noise (warning below FEW_VALIDATION);
- class trainer types: fewer than two classes with two or more training rows (a refusal), or most
  classes with fewer than THIN_CLASS rows (a warning);
- more than MAX_STEPS optimizer steps (epochs × batches): days of training, usually a typo;
- a reranker (rerank) whose rows have no negatives: they are mined with the search model (a warning that says
  so), unless the table has fewer than `num_negatives` + 2 distinct documents to mine from (a refusal: nothing
  to rank a query's document against).

A pure function of its inputs; messages name settings by their console flags, which the page shows
as its own labels (ui.words).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from core.config import TrainConfig
from core.data.prepare import Prepared
from core.recipes import Recipe

__all__ = ["MAX_STEPS", "MIN_TRAIN_ROWS", "MIN_VALIDATION", "Readiness", "readiness"]

MIN_TRAIN_ROWS, FEW_TRAIN_ROWS = 8, 100
MIN_VALIDATION, FEW_VALIDATION = 3, 30
THIN_CLASS = 5
MAX_STEPS = 200_000
ADD_ROWS = "add rows to the table (--data-path)"


@dataclass
class Readiness:
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers


def _validation_items(recipe: Recipe, valid: pd.DataFrame) -> tuple[int, str]:
    """How many things the validation metric averages over, and what they are called."""
    if recipe.evaluator in ("information_retrieval", "reranking"):
        return int(valid["sentence1"].nunique()), "validation queries"
    return len(valid), "validation rows"


def readiness(config: TrainConfig, recipe: Recipe, prepared: Prepared) -> Readiness:
    """Blockers and warnings for training `config` on the `prepared` data (core.data.prepare) as `recipe`."""
    out = Readiness()
    train, valid = prepared.train, prepared.valid
    rows = len(train)
    more_valid = ("add rows to" if config.valid_split else "give") + " a separate validation file (--valid-split)"
    if rows < MIN_TRAIN_ROWS:
        out.blockers.append(
            f"only {rows} training row(s) after cleaning and hold-out; a run needs at least {MIN_TRAIN_ROWS}: {ADD_ROWS}"
        )
    elif rows < FEW_TRAIN_ROWS:
        out.warnings.append(
            f"{rows} training rows is little: expect a small or noisy change; a few hundred rows or more train well"
        )
    items, what = _validation_items(recipe, valid)
    if items < MIN_VALIDATION:
        out.blockers.append(
            f"only {items} {what}; the metric needs at least {MIN_VALIDATION} to tell a better model from a worse one: "
            f"{ADD_ROWS}, or {more_valid}"
        )
    elif items < FEW_VALIDATION:
        out.warnings.append(f"{items} {what}: each one moves the metric by {1 / items:.2f}, so small changes are noise")
    if recipe.cross_encoder:
        _rerank(out, config, train)
    counts = prepared.report.get("labels", {}).get("counts")
    if recipe.target == "class" and counts:
        _classes(out, recipe, pd.Series(counts))
    batch = (config.batch_size or recipe.defaults.batch_size) * max(1, config.gradient_accumulation or 1)
    epochs = config.epochs if config.epochs is not None else recipe.defaults.epochs
    steps = math.ceil(epochs * math.ceil(max(rows, 1) / batch))
    if steps > MAX_STEPS:
        out.blockers.append(
            f"epochs: {epochs:g} epochs of {math.ceil(max(rows, 1) / batch):,} steps is {steps:,} optimizer steps, more than the "
            f"{MAX_STEPS:,} the studio starts (days of training); lower the epochs (--epochs) or set fewer rows (--max-samples)"
        )
    return out


def _rerank(out: Readiness, config: TrainConfig, train: pd.DataFrame) -> None:
    """A reranker learns to rank a query's relevant document above others: rows without negatives get mined ones."""
    from core.data.negatives import documents
    from core.data.rerank import needs_mining

    if not needs_mining(train):
        return
    found, wanted = len(documents(train)), config.num_negatives
    search = config.retriever or "the base model (or the default model when the base is a reranker)"
    if found < wanted + 2:
        out.blockers.append(
            f"rerank: no query has a document marked as not relevant, and the table's {found} distinct document(s) are "
            f"too few to mine {wanted} negative(s) per query from (at least {wanted + 2}): a reranker needs documents to "
            "rank against each query's own. Add rows with other documents, a negative column (--sentence3-column), or a "
            "0/1 label column marking the documents that do not answer their query (--target-column)"
        )
    else:
        out.warnings.append(
            f"rerank: the table gives no negatives (no 0/1 label column, no negative column), so {wanted} per query "
            f"will be mined from its {found:,} documents with the search model, {search}"
        )


def _classes(out: Readiness, recipe: Recipe, counts: pd.Series) -> None:
    """Rows per class (`counts`, by label, before the hold-out): too few classes to learn, or most of them thin."""
    usable = int((counts >= 2).sum())
    if len(recipe.roles) == 1 and usable < 2:  # labelled single texts: a text's positive is another of its label
        out.blockers.append(
            f"only {usable} class(es) with two or more rows; {recipe.name} needs at least two such classes: "
            f"{ADD_ROWS} (two or more texts per label)"
        )
    thin = int((counts < THIN_CLASS).sum())
    if len(counts) > 1 and thin > len(counts) / 2:
        out.warnings.append(
            f"{thin} of {len(counts)} classes have fewer than {THIN_CLASS} rows "
            f"(from {int(counts.min())} to {int(counts.max())} per class): too few for a class to be learnt; "
            "merge rare labels or add rows"
        )
