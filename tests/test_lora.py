"""LoRA: a run trains an adapter on the base model, merges it, and saves a folder that loads without peft."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
import yaml
from conftest import HANG_GUARD

from core.config import TrainConfig
from core.errors import ConfigError
from core.inference.models import load_model
from core.training import lora
from core.training.defaults import resolve_defaults
from core.training.job import TrainingJob
from core.training.machine import check_machine

QUERY = "0.model.encoder.layer.0.attention.self.query.weight"
KEY = "0.model.encoder.layer.0.attention.self.key.weight"
NO_PEFT = "import sys; sys.modules['peft'] = None\nfrom sentence_transformers import SentenceTransformer\n"


@pytest.mark.heavy
def test_a_lora_run_trains_only_the_adapter_and_saves_a_merged_model_that_loads_without_peft(tiny_model, data_for, tmp_path):
    config = TrainConfig(data_path=data_for("pair_score", 60), model=tiny_model, lora=True, lora_rank=4, epochs=2, lr=1e-3)
    final = TrainingJob(config, run_dir=str(tmp_path / "run")).run()
    assert final["state"] == "finished", final["error"]

    report = json.loads((tmp_path / "run" / "data_report.json").read_text())["lora"]
    assert report["targets"] == ["query", "value"]  # BERT's attention projections
    assert 0 < report["trainable_parameters"] < report["parameters"] / 5
    assert yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["lora"] is True
    assert "LoRA rank 4, alpha 32 on query, value" in (tmp_path / "run" / "log.txt").read_text()

    folder = tmp_path / "run" / "model"
    assert not list(folder.rglob("adapter_config.json"))  # merged: a plain model folder
    subprocess.run(
        [sys.executable, "-c", NO_PEFT + f"SentenceTransformer({str(folder)!r}).encode(['a'])"], check=True, timeout=120
    )

    # the checkpoints hold the trained adapter, and load back into a model that carries one (best model, resume)
    checkpoint = max((tmp_path / "run" / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    fresh = load_model(tiny_model)
    lora.add_adapter(fresh, rank=4, alpha=32, dropout=0.1, targets=None)
    lora.load_checkpoint(fresh, str(checkpoint))
    assert any(name.endswith("lora_B.default.weight") and value.abs().sum() > 0 for name, value in fresh.state_dict().items())

    from core.hub.push import enrich_model_card

    card = enrich_model_card(tmp_path / "run").read_text()
    assert "- LoRA: rank 4, alpha 32, dropout 0.1 on query, value" in card and "merged into the base weights" in card


def test_merging_folds_the_adapter_into_the_targeted_weights_and_changes_no_embedding(tiny_model):
    base = load_model(tiny_model)
    model = load_model(tiny_model)
    lora.add_adapter(model, rank=4, alpha=8, dropout=0.0, targets=None)
    assert {n for n, p in model.named_parameters() if p.requires_grad} == {
        n for n in dict(model.named_parameters()) if ".lora_" in n
    }  # only the adapter trains
    with torch.no_grad():
        for name, value in model.named_parameters():
            if "lora_B" in name:
                value.normal_(0, 0.5)  # what training does to the adapter
    texts = ["the cat sits.", "a dog runs quickly."]
    before = model.encode(texts, convert_to_tensor=True)
    lora.merge_adapter(model)
    assert torch.allclose(model.encode(texts, convert_to_tensor=True), before, atol=1e-5)
    merged = model.state_dict()
    assert not any(".lora_" in name or "base_layer" in name for name in merged)
    assert not torch.equal(merged[QUERY], base.state_dict()[QUERY])
    assert torch.equal(merged[KEY], base.state_dict()[KEY])  # a layer LoRA did not target is the base model's


def test_a_lora_run_s_unset_learning_rate_is_ten_times_the_trainer_type_s_and_a_set_one_wins():
    from core.recipes import RECIPES

    own = RECIPES["pair_score"].defaults.lr
    assert resolve_defaults(TrainConfig(lora=True), "pair_score", "CoSENTLoss").lr == pytest.approx(10 * own)
    assert resolve_defaults(TrainConfig(), "pair_score", "CoSENTLoss").lr == own
    assert resolve_defaults(TrainConfig(lora=True, lr=3e-5), "pair_score", "CoSENTLoss").lr == 3e-5


def test_lora_on_an_architecture_it_cannot_target_names_the_modules_it_found(tiny_model):
    model = load_model(tiny_model)
    found = r"Its linear layers are named: dense, key, query, value"
    with pytest.raises(ConfigError, match=r"target module\(s\) q_proj not found in architecture 'bert'\. " + found):
        lora.add_adapter(model, rank=4, alpha=8, dropout=0.0, targets=["q_proj"])
    model.transformers_model.config.model_type = "my-custom-arch"
    with pytest.raises(ConfigError, match=r"no default target modules for architecture 'my-custom-arch'.*--lora-targets"):
        lora.add_adapter(model, rank=4, alpha=8, dropout=0.0, targets=None)


def test_lora_without_peft_says_which_package_to_install_before_anything_loads(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a))
    with pytest.raises(ConfigError, match=r"lora: LoRA needs the peft package.*pip install peft"):
        check_machine(TrainConfig(data_path="x.csv", model="a-model-never-loaded", lora=True).check())
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="lora_rank: 0 must be 1 or more"):
        TrainConfig(data_path="x.csv", lora=True, lora_rank=0).check()


@pytest.mark.heavy
def test_a_stopped_lora_run_resumes_from_its_checkpoint_with_the_adapter_and_finishes(tiny_model, data_for, tmp_path):
    import time

    run = tmp_path / "run"
    config = TrainConfig(data_path=data_for("pair", 120), model=tiny_model, lora=True, epochs=3, batch_size=8, eval_steps=10)
    job = TrainingJob(config, run_dir=str(run)).start()
    deadline = time.monotonic() + HANG_GUARD  # a hang guard only
    while job.snapshot().get("step", 0) < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    job.stop()
    assert job.wait(HANG_GUARD) and job.snapshot()["state"] == "stopped"
    stopped_at = job.snapshot()["step"]

    again = TrainingJob(TrainConfig.from_dict(yaml.safe_load((run / "config.yaml").read_text())), run_dir=str(run), resume=True)
    final = again.run()
    assert final["state"] == "finished", final["error"]
    assert f"resuming from checkpoint-{stopped_at} (step {stopped_at})" in (run / "log.txt").read_text()
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines() if '"loss"' in line]
    assert steps == sorted(set(steps)) and max(steps) > stopped_at
    assert not list((run / "model").rglob("adapter_config.json"))
    load_model(str(run / "model")).encode(["a"])
