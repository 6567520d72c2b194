"""The trainer-type table is the one place that knows trainer types: everything else reads it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.recipes import EVALUATOR_KINDS, LOSSES, RECIPES, TARGETS, Fit, suggest_trainer_for, trainer_list

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [*sorted((ROOT / "core").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py")), ROOT / "app.py", ROOT / "cli.py"]
# A string equal to a trainer name that means something else: sentence-transformers' own keyword value.
NOT_A_TRAINER = {("core/data/hard_negatives.py", "triplet")}  # mine_hard_negatives(output_format="triplet")


def _string_constants(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_no_trainer_name_is_written_outside_the_table():
    found = []
    for path in PRODUCT:
        rel = path.relative_to(ROOT).as_posix()
        if rel == "core/recipes.py":
            continue
        found += [(rel, s) for s in _string_constants(path) & set(RECIPES) if (rel, s) not in NOT_A_TRAINER]
    assert found == [], "name trainer types through core.recipes (a Recipe's fields), not as literals"


def test_the_literal_check_would_see_a_trainer_name(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('if recipe.name == "qa":\n    pass\n', encoding="utf-8")
    assert "qa" in _string_constants(sample) & set(RECIPES)


def test_every_recipe_names_an_evaluator_that_is_built_and_losses_sentence_transformers_has():
    from sentence_transformers.cross_encoder import losses as cross_encoder_losses
    from sentence_transformers.sentence_transformer import losses

    from core.training.evaluation import EVALUATORS

    assert set(EVALUATORS) == set(EVALUATOR_KINDS)
    for recipe in RECIPES.values():
        assert recipe.evaluator in EVALUATORS, recipe.name
        assert recipe.target in (None, *TARGETS), recipe.name
        assert set(recipe.losses) <= set(LOSSES), recipe.name
    for spec in LOSSES.values():  # a reranker's losses are CrossEncoder losses, and only a reranker takes them
        assert hasattr(cross_encoder_losses if spec.cross_encoder else losses, spec.name), spec.name
    for recipe in RECIPES.values():
        assert all(LOSSES[name].cross_encoder == recipe.cross_encoder for name in recipe.losses), recipe.name


def test_batch_samplers_are_sentence_transformers_own_values():
    from sentence_transformers.base.sampler import BatchSamplers

    assert LOSSES["MultipleNegativesRankingLoss"].batch_sampler is BatchSamplers.NO_DUPLICATES
    assert LOSSES["BatchAllTripletLoss"].batch_sampler is BatchSamplers.GROUP_BY_LABEL
    assert LOSSES["CoSENTLoss"].batch_sampler is BatchSamplers.BATCH_SAMPLER


@pytest.mark.parametrize("recipe", list(RECIPES.values()), ids=list(RECIPES))
def test_each_trainer_type_is_suggested_for_the_shapes_it_declares(recipe):
    """...unless an earlier row declares the same shape (then the later one is picked by hand, as is a row
    without fits)."""
    rows = list(RECIPES.values())
    earlier = rows[: rows.index(recipe)]
    for fit in recipe.fits:
        suggested = suggest_trainer_for(fit.texts, fit.target, bool(fit.long_documents))
        assert suggested is recipe or (fit in suggested.fits and suggested in earlier)


def test_every_table_shape_the_suggestion_tells_apart_has_a_trainer_type():
    for texts, target in [(2, None), (2, "relevance"), (3, None), (2, "score"), (2, "class"), (1, "class")]:
        suggested = suggest_trainer_for(texts, target, False)
        assert any(f.target == target and f.texts <= texts for f in suggested.fits), (texts, target)


def test_the_fit_naming_more_text_columns_wins_and_an_unknown_shape_gets_the_first_trainer_type():
    three_texts = suggest_trainer_for(3, None, False)
    assert Fit(3, None) in three_texts.fits
    assert suggest_trainer_for(0, None, False) is next(iter(RECIPES.values()))


def test_help_texts_list_every_trainer_type():
    from cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert all(name in text for name in RECIPES)
    assert trainer_list().count(",") == len(RECIPES) - 2
