"""Core errors become readable messages on the page; nothing ever shows a traceback or breaks a control.

Every event handler is wrapped in `friendly`. A StudioError (bad data, bad setting, busy GPU...)
carries a message that names the problem and the fix, by the setting's field name (what the API
and a YAML config use); the page shows it in its own words (ui.words: tabs and field labels, not
console flags). Any other exception is a bug: its traceback goes to the
server log, and the person gets one line saying what failed and that the app is still running.

How the message travels depends on who asked:
- the page (a browser): the message in the page's words, as a toast, and the event's outputs are
  left as they were (`gr.skip()`), so no control, plot or table enters gradio's error state (the
  red "Error" badges); a handler may name one output (`note=`) that shows the message inline too;
- the API (gradio_client, which marks its requests `x-gradio-user: api`, or a raw HTTP call): a
  `gr.Error`, so that a script's call raises with the message.
"""

from __future__ import annotations

import functools
import logging

import gradio as gr

from core.errors import NOT_READY, StudioError
from ui.words import on_page

__all__ = ["friendly", "from_page", "refused"]

logger = logging.getLogger("sbert_studio.ui")
PAGE_ROUTE = "/queue/join"  # the route a browser's events come through (gradio_client's too, marked as api)


def from_page() -> bool:
    """Whether the event being handled was sent by the page in a browser (not by the API, not a direct call)."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    if request is None:
        return False
    headers = getattr(request, "headers", None) or {}
    path = str(getattr(getattr(request, "url", None), "path", "") or "")
    return headers.get("x-gradio-user") != "api" and path.endswith(PAGE_ROUTE)


def refused(message: str, *, note: str | None = None):
    """A person's mistake, told once: on the page a toast (and `{note: message}` inline when a note output is
    named) with every other output kept; elsewhere a raised gr.Error."""
    if not from_page():
        raise gr.Error(message, print_exception=False)
    message = on_page(message)
    gr.Warning(message)
    if not note:
        return gr.skip()
    head, _, rest = message.partition(": ")  # a message that says what it is keeps its own heading
    return {note: f"**{head}:** {rest}" if head == NOT_READY else f"**Not done:** {message}"}


def friendly(fn=None, *, note: str | None = None):
    """Wrap a handler so that every failure reaches the person as one short message (see the module's doc).
    `note`: the output (of a handler returning named outputs, ui.outputs) that also shows it inline."""
    if fn is None:
        return functools.partial(friendly, note=note)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error as exc:
            return refused(str(exc.message), note=note)
        except StudioError as exc:
            return refused(str(exc), note=note)
        except Exception as exc:
            logger.exception("handler %s failed", fn.__name__)
            message = str(exc).splitlines()[0][:300] if str(exc) else ""
            return refused(
                f"Unexpected error in {fn.__name__.replace('_', ' ')}: {type(exc).__name__}: {message}. "
                "The app is still running; the server log has the details.",
                note=note,
            )

    return wrapper
