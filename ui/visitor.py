"""The visitor behind an event: their Hub login (on a Space with sign-in) or their browser session.

gradio fills a handler's `gr.Request` and `gr.OAuthProfile | None` parameters by their type hints;
handlers pass both here and hand the `Visitor` to core (core.runs.owner decides what is theirs).
"""

from __future__ import annotations

import gradio as gr

from core.runs.owner import Visitor

__all__ = ["visitor"]


def visitor(request: gr.Request | None = None, profile: gr.OAuthProfile | None = None) -> Visitor:
    """The visitor of this event: the signed-in user name, else the session of their page or API client."""
    username = getattr(profile, "username", None) or None
    session = getattr(request, "session_hash", None) or None
    return Visitor(username=username, session=session)
