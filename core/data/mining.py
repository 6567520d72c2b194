"""sentence-transformers' `mine_hard_negatives` with the studio's settings: the one call both miners make.

The Data tab's recipe (core.data.hard_negatives: pairs into triplets) and a run's `--mine-negatives`
(core.data.negatives: a run's training pairs, with the run's prompts) both come here. The settings are
the ones sentence-transformers' docs recommend (NV-Retriever's TopK-PercPos): the closest texts that
are not a positive, each scoring at least `margin` (relative, `MINING_MARGIN` unless set) below the
positive, which keeps unlabelled positives out.
"""

from __future__ import annotations

import pandas as pd

from core.config import MINING_MARGIN

__all__ = ["MINING_MARGIN", "mine"]


def mine(
    pairs: pd.DataFrame,
    model,
    *,
    num_negatives: int,
    output_format: str,
    margin: float = MINING_MARGIN,
    range_max: int = 50,
    batch_size: int = 32,
    query_prompt: str | None = None,
    document_prompt: str | None = None,
    verbose: bool = False,
):
    """Mine negatives for the (anchor, positive) rows of `pairs` (its first two columns) with `model`.

    Returns sentence-transformers' Dataset in `output_format` ("triplet", "labeled-list", ...), its columns
    named as `pairs`' are. Queries are encoded with `query_prompt`, documents with `document_prompt`.
    """
    from datasets import Dataset
    from sentence_transformers.util import mine_hard_negatives

    anchor, positive = (str(c) for c in pairs.columns[:2])
    return mine_hard_negatives(
        Dataset.from_pandas(pairs[[anchor, positive]].reset_index(drop=True), preserve_index=False),
        model,
        anchor_column_name=anchor,
        positive_column_name=positive,
        num_negatives=num_negatives,
        relative_margin=margin,
        range_max=range_max,
        sampling_strategy="top",
        output_format=output_format,
        batch_size=batch_size,
        query_prompt=query_prompt,
        corpus_prompt=document_prompt,
        verbose=verbose,
    )
