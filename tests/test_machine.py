"""What the machine must have for a run (core.training.machine): checked where a run starts, each named with its fix."""

from __future__ import annotations

import pytest

from core.config import TrainConfig
from core.errors import ConfigError
from core.training.machine import check_machine, resolve_precision


def test_auto_precision_is_bf16_on_a_gpu_that_has_it_and_fp32_on_cpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_precision("auto") == "no"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_precision("auto") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_precision("auto") == "no"
    assert resolve_precision("fp16") == "fp16"  # an explicit choice is kept


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_mixed_precision_on_a_cpu_only_machine_says_to_turn_it_off(precision):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError, match=f"'{precision}' needs a CUDA GPU.*--mixed-precision no"):
        check_machine(TrainConfig(data_path="x.csv", mixed_precision=precision))


@pytest.mark.parametrize("tracker", ["tensorboard", "wandb", "mlflow"])
def test_an_experiment_tracker_that_is_not_installed_is_named_with_the_fix(tracker, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == tracker else real(name, *a))
    with pytest.raises(ConfigError, match=f"log: '{tracker}' is not installed; run `pip install {tracker}` or use --log none"):
        check_machine(TrainConfig(data_path="x.csv", log=tracker))


def test_a_config_for_a_gpu_box_passes_its_value_checks_on_a_laptop():
    config = TrainConfig(data_path="x.csv", mixed_precision="bf16", log="wandb").check()  # values only
    assert config.mixed_precision == "bf16"
