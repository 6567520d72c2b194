"""Do no harm: the verdict on a run, a pure function of its baseline and the trained model's score.

A run never hands out a model worse than the one the person had: when the trained weights score below
the base model on the validation data (or the score is not a number), the base model is saved instead.
A run that does not beat its baseline says so (`no_gain_warning`), and every tab that shows it repeats it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Verdict", "judge", "no_gain_warning"]


@dataclass(frozen=True)
class Verdict:
    keep_base: bool  # the trained weights lost to the base model: the base model is saved
    gained: bool  # the trained weights beat the base model
    judged: bool  # there were a baseline and a final score to compare (a stopped run may have neither)

    @property
    def no_gain(self) -> bool:
        """Judged, and the trained weights did not beat the base model (equal, or worse)."""
        return self.judged and not self.gained


def judge(
    baseline: float | None, final: float | None, greater_is_better: bool = True, *, base_is_a_model: bool = True
) -> Verdict:
    """Compare the trained model's `final` score with the base model's `baseline` on the same validation data.

    `base_is_a_model`: False for a reranker, whose baseline is the search model's own ranking: there is no base
    reranker to keep, so the trained one is saved and the warning says it would only add latency."""
    if baseline is None or final is None:
        return Verdict(keep_base=False, gained=False, judged=False)
    if math.isnan(final):
        return Verdict(keep_base=base_is_a_model, gained=False, judged=True)
    worse = final < baseline if greater_is_better else final > baseline
    better = final > baseline if greater_is_better else final < baseline
    return Verdict(keep_base=worse and base_is_a_model, gained=better, judged=True)


def no_gain_warning(
    metric: str, baseline: float, final: float, *, keep_base: bool, lr: float, negatives_tip: bool, reranker: bool = False
) -> str:
    """What the run says when training did not beat the base model (a reranker: the search model's own ranking),
    with what to try next."""
    if reranker:
        return (
            f"the reranker did not beat the search model's own ranking on your validation data: {metric} {baseline:.4f} "
            f"by search alone, {final:.4f} reranked; the trained reranker is saved, but reranking with it would only add "
            f"latency. Try more rows with hard negatives (a 0/1 label column or negative columns), a reranker that is "
            f"already trained as one as the base model, or a different learning rate (--lr {lr / 5:g} or {lr * 5:g})"
        )
    kept = "the saved model is the base model, unchanged" if keep_base else "the saved model scores the same as the base model"
    tips = [f"a lower learning rate (--lr {lr / 5:g})", "fewer epochs", "more or cleaner rows"]
    if negatives_tip:
        tips.insert(1, "hard negatives (a 0/1 label column, negative columns, or --mine-negatives)")
    return (
        f"training did not beat the base model on your validation data: {metric} {baseline:.4f} before, "
        f"{final:.4f} after; {kept}. Try {', '.join(tips[:-1])} or {tips[-1]}"
    )
