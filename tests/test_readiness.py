"""Whether a run can work, decided before Start from the prepared data and the settings (core.training.readiness)."""

from __future__ import annotations

import pandas as pd

from core.config import TrainConfig
from core.data.prepare import Prepared
from core.recipes import get_recipe
from core.training.readiness import MAX_STEPS, MIN_TRAIN_ROWS, MIN_VALIDATION, readiness


def pairs(n: int, queries: int | None = None) -> pd.DataFrame:
    return pd.DataFrame({"sentence1": [f"q{i % (queries or n)}" for i in range(n)], "sentence2": [f"d{i}" for i in range(n)]})


def judged(trainer: str, train: pd.DataFrame, valid: pd.DataFrame, report: dict | None = None, **config):
    return readiness(TrainConfig(**config), get_recipe(trainer), Prepared(train, valid, report or {}))


def test_enough_rows_and_validation_queries_are_ready_without_a_word():
    ready = judged("pair", pairs(400), pairs(40))
    assert ready.ready and ready.warnings == []


def test_a_validation_of_one_query_cannot_judge_a_run_and_names_both_fixes():
    ready = judged("qa", pairs(300), pairs(6, queries=1))  # six answers of one question: one query
    assert not ready.ready
    assert f"only 1 validation queries; the metric needs at least {MIN_VALIDATION}" in ready.blockers[0]
    assert "(--data-path)" in ready.blockers[0] and "(--valid-split)" in ready.blockers[0]


def test_too_few_training_rows_are_refused_and_a_few_are_warned_about():
    assert not judged("pair", pairs(MIN_TRAIN_ROWS - 1), pairs(10)).ready
    few = judged("pair", pairs(50), pairs(10))
    assert few.ready and any("50 training rows is little" in w for w in few.warnings)
    assert any("10 validation queries: each one moves the metric by 0.10" in w for w in few.warnings)


def test_a_run_of_more_than_the_bound_of_steps_is_refused_naming_epochs():
    ready = judged("pair", pairs(320), pairs(40), epochs=1_000_000, batch_size=16)
    assert not ready.ready and "20,000,000 optimizer steps" in ready.blockers[0] and f"{MAX_STEPS:,}" in ready.blockers[0]
    assert judged("pair", pairs(320), pairs(40), epochs=100, batch_size=16).ready


def test_labelled_texts_need_two_classes_of_two_rows_and_thin_classes_are_warned_about():
    texts = pd.DataFrame({"sentence1": [f"t{i}" for i in range(200)], "sentence2": [f"u{i}" for i in range(200)]})
    one_each = {"labels": {"counts": {f"class {i}": 1 for i in range(50)} | {"big": 150}}}
    ready = judged("single_class", texts, pairs(40), one_each)
    assert not ready.ready and "only 1 class(es) with two or more rows" in ready.blockers[0]
    thin = {"labels": {"counts": {f"class {i}": 3 for i in range(40)} | {"big": 80}}}
    ready = judged("single_class", texts, pairs(40), thin)
    assert ready.ready and any("40 of 41 classes have fewer than 5 rows (from 3 to 80 per class)" in w for w in ready.warnings)
