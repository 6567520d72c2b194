"""Which token a push uses (core.hub.push.hub_token): on a Space the owner's HF_TOKEN is the owner's alone."""

from __future__ import annotations

import os

import pytest

from core.hub import push
from core.hub.push import HubError, hub_token

OWNER = "hf_OwnersSpaceSecret000"


@pytest.fixture
def space(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "owner/sbert-studio")
    monkeypatch.setenv("SPACE_AUTHOR_NAME", "owner")
    monkeypatch.setenv("HF_TOKEN", OWNER)
    monkeypatch.setattr(push, "_held", {})
    push.hold_space_token()
    yield
    push._held.clear()


def test_off_a_space_hf_token_works_as_it_always_did(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_mine")
    assert hub_token() == "hf_mine" and hub_token("  hf_typed ") == "hf_typed"


def test_on_a_space_the_owners_token_leaves_the_environment(space):
    assert "HF_TOKEN" not in os.environ  # huggingface_hub (downloads, child runs) can no longer pick it up


def test_on_a_space_a_visitor_gets_their_typed_token_or_their_sign_in_and_never_the_owners(space):
    assert hub_token() is None
    assert hub_token("", login_token=None, login_name="alice") is None
    assert hub_token("hf_alices_typed") == "hf_alices_typed"
    assert hub_token("", login_token="hf_alices_login", login_name="alice") == "hf_alices_login"
    assert hub_token("hf_typed", login_token="hf_login", login_name="alice") == "hf_typed"


def test_on_a_space_its_owner_and_named_admins_signed_in_may_use_the_spaces_token(space, monkeypatch):
    assert hub_token("", login_name="owner") == OWNER
    assert hub_token("", login_name="carol") is None
    monkeypatch.setenv("SBERT_STUDIO_ADMINS", "carol, dave")
    assert hub_token("", login_name="carol") == OWNER and hub_token("", login_name="dave") == OWNER


def test_on_a_space_a_push_or_user_name_without_a_token_asks_for_the_visitors_own(space, runs_root):
    with pytest.raises(HubError, match="paste your own token .* or sign in .* this Space's own token is for its owner only"):
        push.whoami(None)
