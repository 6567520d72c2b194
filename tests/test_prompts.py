"""Prompts end to end: a base model's declared prompts reach the tokenizer in training, evaluation, mining
and search; a person can override or clear them; config.yaml, report.json and the saved model keep them."""

from __future__ import annotations

import inspect
import json

import pytest
import yaml
from tiny_model import build_tiny_model_with_prompts

from core import prompts
from core.config import TrainConfig
from core.recipes import LOSSES, RECIPES
from core.training.job import TrainingJob

QRY, DOC = "qry: ", "doc: "


@pytest.fixture(scope="module")
def prompted_model(tmp_path_factory) -> str:
    """A tiny model declaring a query and a document prompt."""
    return str(build_tiny_model_with_prompts(tmp_path_factory.mktemp("prompted"), {"query": QRY, "document": DOC}))


@pytest.fixture
def tokenized(monkeypatch):
    """Every text the tokenizer receives, with who asked: the trainer's collator, an evaluator, mining, or other."""
    from transformers.tokenization_utils_base import PreTrainedTokenizerBase

    seen: list[tuple[str, str]] = []
    original = PreTrainedTokenizerBase.__call__

    def spy(self, text=None, *args, **kwargs):
        files = [frame.filename for frame in inspect.stack()[1:40]]
        origin = next(
            (name for name, part in (("collator", "data_collator"), ("mining", "hard_negatives"), ("evaluator", "evaluation"),
                                 ("evaluator", "label_neighbours"))
             if any(part in f for f in files)),
            "other",
        )  # fmt: skip
        for item in text if isinstance(text, list | tuple) else [text]:
            for piece in item if isinstance(item, list | tuple) else [item]:
                if isinstance(piece, str):
                    seen.append((origin, piece))
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(PreTrainedTokenizerBase, "__call__", spy)
    return seen


def texts_from(seen, origin: str) -> list[str]:
    return [text for who, text in seen if who == origin]


class Declared:
    def __init__(self, prompts, default=None):
        self.prompts, self.default_prompt_name = prompts, default


def test_a_run_takes_the_model_s_own_prompts_by_side_unless_set_or_cleared():
    model = Declared({"query": "query: ", "passage": "passage: "})
    own = prompts.resolve(TrainConfig(model="e5"), model)
    assert (own.query, own.document, own.source) == ("query: ", "passage: ", {"query": "model", "document": "model"})
    assert not own.warnings
    mine = prompts.resolve(TrainConfig(model="e5", query_prompt="search: "), model)
    assert (mine.query, mine.document) == ("search: ", "passage: ")
    assert "differs from the one model 'e5' declares ('query: ')" in mine.warnings[0]
    assert mine.record()["declared"]["prompts"] == {"query": "query: ", "passage": "passage: "}  # both recorded
    cleared = prompts.resolve(TrainConfig(model="e5", model_prompts=False), model)
    assert (cleared.query, cleared.document) == ("", "")
    only_default = prompts.resolve(TrainConfig(), Declared({"retrieval": "task: search | "}, "retrieval"))
    assert only_default.query == only_default.document == "task: search | "  # encode() would put it before either side


def test_each_prepared_column_gets_its_role_s_side_as_the_recipe_table_says():
    run = prompts.Prompts(QRY, DOC, {"query": "model", "document": "model"})
    qa, mnrl = RECIPES["qa"], LOSSES["MultipleNegativesRankingLoss"]
    assert prompts.for_columns(run, qa, mnrl, ["sentence1", "sentence2", "negative_1"]) == {
        "sentence1": QRY,
        "sentence2": DOC,
        "negative_1": DOC,
    }
    assert prompts.for_columns(run, RECIPES["pair_score"], LOSSES["CoSENTLoss"], ["sentence1", "sentence2", "score"]) == {
        "sentence1": QRY,
        "sentence2": QRY,
    }
    # single_class with an in-batch loss trains on label pairs: the pair's second text reads the query prompt too
    single = RECIPES["single_class"]
    assert single.prepared(mnrl) == (("sentence1", "query"), ("sentence2", "query"), ("label", None))
    assert prompts.for_columns(run, single, mnrl, ["sentence1", "sentence2", "label"]) == {"sentence1": QRY, "sentence2": QRY}
    assert prompts.for_columns(prompts.Prompts("", "", {}), qa, mnrl, ["sentence1", "sentence2"]) == {}


@pytest.mark.heavy
def test_the_model_s_prompts_reach_the_tokenizer_in_training_evaluation_mining_and_the_saved_model(
    prompted_model, data_for, tmp_path, tokenized
):
    config = TrainConfig(
        data_path=data_for("qa", 60), model=prompted_model, trainer="qa", mine_negatives=True, num_negatives=1, epochs=1
    )
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]

    trained = texts_from(tokenized, "collator")
    assert trained and all(t.startswith((QRY, DOC)) for t in trained)
    assert any(t.startswith(QRY) for t in trained) and any(t.startswith(DOC) for t in trained)
    evaluated = texts_from(tokenized, "evaluator")
    assert any(t.startswith(QRY) for t in evaluated) and any(t.startswith(DOC) for t in evaluated)
    assert all(t.startswith((QRY, DOC)) for t in evaluated)
    mined = texts_from(tokenized, "mining")
    assert any(t.startswith(QRY) for t in mined) and any(t.startswith(DOC) for t in mined)

    recorded = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert (recorded["query_prompt"], recorded["document_prompt"]) == (QRY, DOC)
    report = json.loads((tmp_path / "run" / "data_report.json").read_text())
    assert report["prompts"]["source"] == {"query": "model", "document": "model"}

    from sentence_transformers import SentenceTransformer

    saved = SentenceTransformer(str(tmp_path / "run" / "model"))
    assert (saved.prompts["query"], saved.prompts["document"]) == (QRY, DOC)
    from core.hub.push import enrich_model_card

    assert "- Prompts: query 'qry: ' (the base model), document 'doc: ' (the base model)" in (
        enrich_model_card(tmp_path / "run").read_text()
    )


@pytest.mark.heavy
def test_single_class_label_pairs_reach_the_tokenizer_with_the_prompt_the_evaluator_uses(
    prompted_model, data_for, tmp_path, tokenized
):
    """Issue 23: the second text of each label pair was trained without a prompt and evaluated with the query one."""
    config = TrainConfig(data_path=data_for("single_class", 60), model=prompted_model, trainer="single_class", epochs=1)
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    trained = texts_from(tokenized, "collator")
    assert len(trained) >= 2 * 40 and all(t.startswith(QRY) for t in trained)  # both texts of every pair: the query prompt
    evaluated = texts_from(tokenized, "evaluator")  # the label-neighbours evaluator, at the baseline and the end
    assert evaluated and all(t.startswith(QRY) for t in evaluated)
    pairs = json.loads((tmp_path / "run" / "data_report.json").read_text())
    assert pairs["column_order"].endswith("sentence1, sentence2, label")


def test_search_reads_the_query_with_the_query_prompt_and_the_corpus_with_the_document_prompt(prompted_model, tokenized):
    from core.inference.models import load_model
    from core.inference.search import pair_similarity, search

    model = load_model(prompted_model)
    search("prompted", model, ["the cat sits.", "a dog runs."], "where is the cat", top_k=1)
    pair_similarity(model, "a red car.", "a blue car.")
    texts = texts_from(tokenized, "other")
    assert QRY + "where is the cat" in texts
    assert {DOC + "the cat sits.", DOC + "a dog runs."} <= set(texts)
    assert {QRY + "a red car.", QRY + "a blue car."} <= set(texts)  # similarity: texts of one kind, the query side


@pytest.mark.heavy
def test_a_prompt_set_against_the_model_s_own_warns_records_both_and_the_saved_model_encodes_with_it(
    prompted_model, data_for, tmp_path, tokenized
):
    config = TrainConfig(data_path=data_for("qa", 40), model=prompted_model, trainer="qa", query_prompt="ask: ", epochs=1)
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]
    assert any(t.startswith("ask: ") for t in texts_from(tokenized, "collator"))
    assert not any(t.startswith(QRY) for t in texts_from(tokenized, "collator") + texts_from(tokenized, "evaluator"))
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "warning: the query prompt 'ask: ' differs from the one model" in log
    report = json.loads((tmp_path / "run" / "data_report.json").read_text())["prompts"]
    assert report["query"] == "ask: " and report["declared"]["prompts"]["query"] == QRY
    from sentence_transformers import SentenceTransformer

    assert SentenceTransformer(str(tmp_path / "run" / "model")).prompts["query"] == "ask: "


@pytest.mark.heavy
def test_prompts_cleared_reach_nothing_and_a_one_sided_trainer_uses_the_query_prompt_everywhere(
    prompted_model, data_for, tmp_path, tokenized
):
    cleared = TrainConfig(data_path=data_for("pair_score", 40), model=prompted_model, model_prompts=False, epochs=1)
    assert TrainingJob(cleared, run_dir=str(tmp_path / "plain")).run()["state"] == "finished"
    assert not any(t.startswith((QRY, DOC)) for _, t in tokenized)

    tokenized.clear()
    scored = TrainConfig(data_path=data_for("pair_score", 40), model=prompted_model, epochs=1)
    assert TrainingJob(scored, run_dir=str(tmp_path / "scored")).run()["state"] == "finished"
    for origin in ("collator", "evaluator"):  # both texts of a scored pair are queries
        texts = texts_from(tokenized, origin)
        assert texts and all(t.startswith(QRY) for t in texts), origin
    from sentence_transformers import SentenceTransformer

    saved = SentenceTransformer(str(tmp_path / "scored" / "model"))
    assert saved.default_prompt_name == "query"  # a plain encode() reads the prompt it was trained with
