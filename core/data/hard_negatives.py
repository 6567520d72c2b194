"""Data recipe: (anchor, positive) pairs into (anchor, positive, negative) triplets by hard-negative mining.

A hard negative is a text from the corpus that a model ranks close to the anchor but that is not
its positive; training on such triplets teaches finer distinctions than in-batch negatives alone.
Mining is core.data.mining's one call of sentence-transformers' `mine_hard_negatives` (its docs'
settings: a negative scores at least 5% below the positive, which keeps unlabelled positives out).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.data.mining import MINING_MARGIN, mine
from core.errors import DataError

__all__ = ["mine_triplets"]


def mine_triplets(
    df: pd.DataFrame,
    anchor: str,
    positive: str,
    model,
    *,
    num_negatives: int = 1,
    relative_margin: float = MINING_MARGIN,
    range_max: int = 50,
    batch_size: int = 32,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Mine `num_negatives` negatives per pair with `model` (a loaded SentenceTransformer).

    Returns a table with columns anchor, positive, negative (one row per negative), and a report.

    Raises:
        DataError: a column is missing, too few usable pairs to mine from, or no pair got a negative.
    """
    missing = [c for c in (anchor, positive) if c not in df.columns]
    if missing:
        raise DataError(
            f"hard-negative mining: column(s) {', '.join(map(repr, missing))} not in the table; columns found: "
            f"{', '.join(map(str, df.columns))}. Pick the anchor and positive columns"
        )
    if anchor == positive:
        raise DataError("hard-negative mining: anchor and positive are the same column; pick two different columns")
    if num_negatives < 1:
        raise DataError(f"hard-negative mining: number of negatives {num_negatives} must be 1 or more")
    pairs = pd.DataFrame({"anchor": df[anchor], "positive": df[positive]})
    pairs = pairs[pairs.map(lambda v: isinstance(v, str) and v.strip() != "").all(axis=1)].reset_index(drop=True)
    if len(pairs) < 3:
        raise DataError(f"hard-negative mining needs at least 3 pairs with both texts; found {len(pairs)}")
    if progress:
        progress(0.05, f"embedding {len(pairs)} anchors and {pairs['positive'].nunique()} candidate texts")
    mined = mine(
        pairs,
        model,
        num_negatives=num_negatives,
        output_format="triplet",
        margin=relative_margin,
        range_max=range_max,
        batch_size=batch_size,
        verbose=True,
    )
    out = mined.to_pandas()
    out.columns = ["anchor", "positive", "negative"]
    if out.empty:
        raise DataError(
            f"hard-negative mining found no negative for any of the {len(pairs)} pairs: every text the model ranked "
            f"near an anchor was one of its positives or scored within {relative_margin:.0%} of it (kept out as a "
            "possible unlabelled positive). Add pairs whose positives differ more, or pick a stronger base model"
        )
    if progress:
        progress(1.0, f"{len(out)} triplets")
    report = {
        "pairs": len(pairs),
        "rows_made": len(out),
        "negatives_per_pair": num_negatives,
        "anchors_without_negative": int((~pairs["anchor"].isin(out["anchor"])).sum()),
        "relative_margin": relative_margin,
        "made": "triplets (hard negatives)",
    }
    return out, report
