"""Do no harm's verdict (core.training.verdict): a pure function of the baseline and the trained model's score."""

from __future__ import annotations

import math

import pytest

from core.training.verdict import judge, no_gain_warning


@pytest.mark.parametrize(
    ("baseline", "final", "greater_is_better", "keep_base", "gained"),
    [
        (0.50, 0.60, True, False, True),  # better: the trained model is saved
        (0.50, 0.40, True, True, False),  # worse: the base model is saved
        (0.50, 0.50, True, False, False),  # the same: the trained model is saved, and the run says it did not gain
        (0.50, math.nan, True, True, False),  # a score that is not a number never wins
        (2.0, 1.5, False, False, True),  # a loss-like metric: lower is better
        (2.0, 2.5, False, True, False),
    ],
)
def test_the_base_model_is_kept_exactly_when_training_made_it_worse(baseline, final, greater_is_better, keep_base, gained):
    verdict = judge(baseline, final, greater_is_better)
    assert (verdict.keep_base, verdict.gained, verdict.judged) == (keep_base, gained, True)
    assert verdict.no_gain == (not gained)


@pytest.mark.parametrize(("baseline", "final"), [(None, 0.7), (0.5, None), (None, None)])
def test_without_a_baseline_or_a_final_score_there_is_no_verdict_and_the_trained_model_stays(baseline, final):
    verdict = judge(baseline, final)
    assert not verdict.judged and not verdict.keep_base and not verdict.no_gain


def test_the_warning_names_both_figures_what_was_saved_and_what_to_try():
    kept = no_gain_warning("spearman", 0.8, 0.7, keep_base=True, lr=5e-5, negatives_tip=False)
    assert "spearman 0.8000 before, 0.7000 after; the saved model is the base model, unchanged" in kept
    assert "--lr 1e-05" in kept and "hard negatives" not in kept
    same = no_gain_warning("ndcg@10", 0.5, 0.5, keep_base=False, lr=2e-5, negatives_tip=True)
    assert "the saved model scores the same as the base model" in same and "--mine-negatives" in same
