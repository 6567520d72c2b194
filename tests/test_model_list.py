"""The model list: data in one place, facts from a model's own files where it is cached, LoRA advice by size."""

from __future__ import annotations

import pytest
from tiny_model import build_tiny_model_with_prompts

from core.catalog import CATALOG, CURATED_MODELS, DEFAULT_MODEL, lora_recommended
from core.inference.model_files import catalog_rows, facts_from_files

GB = 1024**3


@pytest.fixture(scope="module")
def prompted_model(tmp_path_factory) -> str:
    return str(build_tiny_model_with_prompts(tmp_path_factory.mktemp("listed"), {"query": "qry: ", "document": "doc: "}))


def test_the_list_offers_today_s_embedders_with_what_a_person_needs_to_choose_the_default_first():
    assert CURATED_MODELS[0] == DEFAULT_MODEL
    ids = {card.id for card in CATALOG}
    assert {"Qwen/Qwen3-Embedding-0.6B", "google/embeddinggemma-300m", "BAAI/bge-m3", "Alibaba-NLP/gte-modernbert-base"} <= ids
    assert len(ids) == len(CATALOG)  # each model once
    rows = catalog_rows()
    assert rows[0]["model"] == DEFAULT_MODEL and rows[0]["facts from"] == "model files (cached)"  # the bundled copy's files
    assert rows[0]["dim"] == 384 and rows[0]["parameters (M)"] == pytest.approx(22.7, abs=0.1)
    qwen = next(r for r in rows if r["model"] == "Qwen/Qwen3-Embedding-0.6B")
    assert qwen["facts from"] == "published"  # not in this machine's cache: no network needed to list it
    assert qwen["LoRA on 16 GB GPU"] == "yes" and qwen["Matryoshka dims"].startswith("512")
    assert "Instruct:" in qwen["prompts"]
    assert {"parameters (M)", "dim", "max tokens", "licence", "remote code", "LoRA on CPU"} <= set(qwen)


def test_lora_is_recommended_when_weights_gradients_and_optimizer_states_take_over_half_the_memory():
    assert lora_recommended(596_000_000, 16 * GB)  # Qwen3-Embedding-0.6B: ~9.5 GB of 16
    assert not lora_recommended(308_000_000, 16 * GB)  # EmbeddingGemma-300m: ~4.9 GB
    assert not lora_recommended(22_700_000, 8 * GB)
    assert lora_recommended(22_700_000, 512 * 1024**2)


def test_a_model_s_own_files_give_its_facts_without_loading_it(prompted_model):
    from core.inference.models import load_model

    facts = facts_from_files(prompted_model)
    model = load_model(prompted_model)
    assert facts["parameters"] == sum(p.numel() for p in model.parameters())
    assert facts["dimension"] == 32 and facts["max_length"] == model.max_seq_length
    assert (facts["query_prompt"], facts["document_prompt"]) == ("qry: ", "doc: ")
    assert facts["trust_remote_code"] is False
    assert facts_from_files("someone/not-in-the-cache")["found"] == []


def test_sharded_weights_are_counted_whole_and_the_licence_is_read_from_the_card(prompted_model, tmp_path):
    import shutil

    from core.inference.models import load_model

    folder = tmp_path / "sharded"
    shutil.copytree(prompted_model, folder)
    model = load_model(str(folder))
    (folder / "model.safetensors").unlink()
    model[0].auto_model.save_pretrained(folder, max_shard_size="30KB")  # model-0000k-of-0000n.safetensors + index
    assert len(list(folder.glob("model-*-of-*.safetensors"))) > 1
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nlibrary_name: sentence-transformers\n---\n# A model\n")
    facts = facts_from_files(str(folder))
    assert facts["parameters"] == sum(p.numel() for p in model.parameters())
    assert facts["licence"] == "apache-2.0"
    (folder / "README.md").write_text("# A card without metadata\n")
    assert facts_from_files(str(folder))["licence"] is None


def test_the_model_tab_shows_the_declared_prompts_and_whether_lora_suits_this_machine(prompted_model):
    from ui.model_tab import describe_lora, describe_model

    text = describe_model(prompted_model)
    assert "Prompts the model declares: query `'qry: '`, document `'doc: '`" in text
    assert "Full fine-tuning fits this machine" in text
    assert "LoRA recommended here" in describe_lora(40_000_000_000)
