"""Tab 6, Hub: push a finished run's model to the Hugging Face Hub, or take it away as a zip.

Reads: the run picked (the visitor's own, on a Space), the token (core.hub.push.hub_token: the
password box, else the visitor's sign-in, else $HF_TOKEN, which on a Space only the Space's
admins get), the repo id, the private toggle, the commit message. Writes: the model card section
of the run's model (core.hub.push) and the Hub repo. The token is used for the call and dropped: it
is never written, logged or sent back to the page; a failed push can be retried at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from core.environment import on_space
from core.errors import StudioError
from core.hub.push import HubError, default_repo_id, hub_token, push_run, whoami
from core.runs.index import list_runs, run_warning
from core.runs.owner import own_run
from core.visitors import Visitor
from ui import runs_tab
from ui.errors import friendly
from ui.visitor import visitor

__all__ = ["build", "fill_repo_id", "push", "wire"]


NO_RUNS = "No finished run yet: train one on the **3 · Train** tab, then pick it here."


def _runs(who: Visitor | None = None) -> list[str]:
    return [r["run"] for r in list_runs(viewer=who) if r["has_model"] and r["state"] in ("finished", "stopped")]


def _token(token: str | None, oauth, profile) -> str | None:
    """The token for this visitor (core.hub.push.hub_token: typed, sign-in, then $HF_TOKEN where allowed)."""
    return hub_token(token, login_token=getattr(oauth, "token", None), login_name=getattr(profile, "username", None))


@friendly
def fill_repo_id(
    run: str | None,
    token: str | None,
    oauth: gr.OAuthToken | None = None,
    profile: gr.OAuthProfile | None = None,
    request: gr.Request = None,
) -> str:
    """`<user>/<run name>`, the user read from the visitor's own token (never the Space's, for anyone else)."""
    if not run:
        raise HubError("pick a run first")
    path = own_run(run, visitor(request, profile), "push").path
    return default_repo_id(path, whoami(_token(token, oauth, profile)))


@friendly
def push(
    run: str | None,
    token: str | None,
    repo_id: str,
    private: bool,
    exist_ok: bool,
    message: str,
    include_onnx: bool = False,
    oauth: gr.OAuthToken | None = None,
    profile: gr.OAuthProfile | None = None,
    request: gr.Request = None,
) -> str:
    """Push the visitor's run with its enriched card, with the visitor's own token; the answer links the repo."""
    if not run:
        raise HubError("pick a run to push")
    path = own_run(run, visitor(request, profile), "push").path
    url = push_run(
        path, repo_id, _token(token, oauth, profile), private=private, exist_ok=exist_ok, commit_message=message or None,
        include_onnx=bool(include_onnx),
    )  # fmt: skip
    return f"Pushed **{repo_id}** ({'private' if private else 'public'}): [{url}]({url})"


def refresh(current: str | None = None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """The runs there are to push; the picked one stays picked while it is there, else the newest is picked."""
    runs = _runs(visitor(request, profile))
    return gr.update(choices=runs, value=current if current in runs else (runs[0] if runs else None))


def pick(run_dir: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> tuple:
    """The result card's "Push to the Hub": the Hub tab opens with that run picked."""
    return refresh(Path(run_dir).name if run_dir else None, request, profile), gr.Tabs(selected="hub")


def build() -> SimpleNamespace:
    ui = SimpleNamespace()
    gr.Markdown(
        "Push a finished run's model to the Hugging Face Hub. Its model card (written by sentence-transformers at "
        "training) gains what the studio knows: data, trainer, loss, parameters, and the metric before and after. "
        "The token is used for this push only: it is never saved, logged or shown."
    )
    runs = _runs()
    with gr.Row():
        ui.run = gr.Dropdown(
            runs, value=runs[0] if runs else None, label="Run", elem_id="hub-run", scale=3, allow_custom_value=True
        )  # any name, for API scripts: the owner check guards it
        ui.refresh = gr.Button("Refresh", elem_id="hub-refresh", scale=1)
    ui.run_note = gr.Markdown("" if runs else NO_RUNS, elem_id="hub-run-note")
    with gr.Row():
        ui.token = gr.Textbox(
            label="Hub token (write access; empty: " + ("your sign-in" if on_space() else "HF_TOKEN") + ")",
            type="password", elem_id="hub-token", scale=3,
        )  # fmt: skip
        if on_space() and os.environ.get("OAUTH_CLIENT_ID"):  # the Space declares `hf_oauth: true`
            ui.login = gr.LoginButton(elem_id="hub-login")
    with gr.Row():
        ui.repo = gr.Textbox(label="Repo id (user/name)", elem_id="hub-repo", scale=3)
        ui.fill = gr.Button("Use my user name", elem_id="hub-fill", scale=1)
    with gr.Row():
        ui.private = gr.Checkbox(True, label="Private", elem_id="hub-private")
        ui.exist_ok = gr.Checkbox(False, label="Push to an existing repo (a new commit)", elem_id="hub-exist-ok")
        ui.message = gr.Textbox(label="Commit message (optional)", elem_id="hub-message")
    ui.include_onnx = gr.Checkbox(
        False, label="Include the ONNX export for serving (onnx/: fp32 and int8, made now if the run has none)",
        elem_id="hub-include-onnx",
    )  # fmt: skip
    ui.push = gr.Button("Push to the Hub", variant="primary", elem_id="hub-push")
    ui.result = gr.Markdown(elem_id="hub-result")
    with gr.Row():
        ui.zip_button = gr.Button("Download the model (zip)", elem_id="hub-zip-run")
        with gr.Column(visible=False) as ui.zip_box:  # shown with the first zip
            ui.zip = gr.File(label="Model zip", elem_id="hub-zip", height=80)
    return ui


def run_note(run: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """The picked run's warning (training did not beat its base model), else nothing; with no run, how to get one."""
    if not run:
        return NO_RUNS
    try:
        warning = run_warning(str(own_run(run, visitor(request, profile), "read").path))
    except StudioError:
        return ""
    return f"**Warning:** {warning}" if warning else ""


def wire(ui: SimpleNamespace) -> None:
    ui.refresh.click(refresh, ui.run, ui.run, api_visibility="undocumented").then(
        run_note, ui.run, ui.run_note, api_visibility="undocumented"
    )
    ui.run.change(run_note, ui.run, ui.run_note, api_visibility="undocumented")
    ui.fill.click(fill_repo_id, [ui.run, ui.token], ui.repo, api_visibility="undocumented")
    pushed = [ui.run, ui.token, ui.repo, ui.private, ui.exist_ok, ui.message, ui.include_onnx]
    ui.push.click(push, pushed, ui.result, api_name="push")
    runs_tab.wire_zip(ui.zip_button, ui.run, ui.zip, ui.zip_box)  # the Runs tab's zip
