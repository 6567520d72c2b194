"""Core errors become readable messages on the page; nothing ever shows a traceback.

Every event handler is wrapped in `friendly`: a StudioError (bad data, bad setting, busy GPU...)
becomes a `gr.Error` carrying its message, which already names the problem and the fix. Any
other exception is a bug: its traceback goes to the server log, and the page gets one line
saying what failed and that the app is still running.
"""

from __future__ import annotations

import functools
import logging

import gradio as gr

from core.errors import StudioError

__all__ = ["friendly"]

logger = logging.getLogger("sbert_studio.ui")


def friendly(fn):
    """Wrap a handler so that every failure reaches the page as a short `gr.Error`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except StudioError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:
            logger.exception("handler %s failed", fn.__name__)
            message = str(exc).splitlines()[0][:300] if str(exc) else ""
            raise gr.Error(
                f"Unexpected error in {fn.__name__.replace('_', ' ')}: {type(exc).__name__}: {message}. "
                "The app is still running; the server log has the details.",
                print_exception=False,
            ) from None

    return wrapper
