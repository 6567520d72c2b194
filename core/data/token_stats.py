"""Token lengths of the training texts against the model's max_seq_length.

Texts longer than max_seq_length are cut; a person should know how many, before training.
"""

from __future__ import annotations

import numpy as np

__all__ = ["token_lengths"]

SAMPLE = 2000  # texts measured at most (evenly spaced); enough for stable percentiles


def token_lengths(texts: list[str], tokenizer, max_seq_length: int) -> dict:
    """Percentiles of token counts (special tokens included) and how many texts will be truncated."""
    texts = [t for t in texts if isinstance(t, str)]
    if not texts:
        return {"texts": 0}
    if len(texts) > SAMPLE:
        step = len(texts) / SAMPLE
        texts = [texts[int(i * step)] for i in range(SAMPLE)]
    lengths = np.array([len(ids) for ids in tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]])
    over = int((lengths > max_seq_length).sum())
    return {
        "texts": len(texts),
        "max_seq_length": int(max_seq_length),
        **{f"p{q}": int(np.percentile(lengths, q)) for q in (50, 90, 95, 99)},
        "max": int(lengths.max()),
        "truncated": over,
        "truncated_fraction": round(over / len(lengths), 4),
    }
