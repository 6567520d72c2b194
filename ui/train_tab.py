"""Tab 3, Train: start and stop a run, watch it live, read the before/after at the end.

Reads: the whole form (start), the run shown (`run_dir` state). Writes: nothing on disk itself;
the job (core.training.registry) writes the run folder, and a `gr.Timer` re-reads it once a second while the
run trains (the timer is off when nothing runs). Loading the page re-attaches to the job that
trains, or shows the last one.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd
from gradio.components.plot import PlotData

from core.environment import on_space, runs_root
from core.paths import inside
from core.runs.folder import RunFolder
from core.runs.index import is_reranker_run
from core.runs.owner import check_run
from core.runs.progress import before_after, loss_series, metric_series, progress
from core.runs.state import TERMINAL_STATES
from core.training.admission import check_ready, confine
from core.training.registry import registry
from core.visitors import Visitor, check_owner, may_see
from ui.errors import friendly
from ui.form import Form
from ui.outputs import Outputs
from ui.plots import figure_json, loss_figure, metric_figure, metric_title, readable_metric
from ui.result_card import card_text, python_lines
from ui.visitor import visitor

__all__ = ["attach", "build", "poll", "render", "start", "stop"]

LOG_LINES = 30
ENDED_WITH_MODEL = ("finished", "stopped")
STATE_WORDS = {
    "queued": "queued",
    "preparing": "preparing the data and loading the model",
    "baseline": "measuring the base model (the baseline)",
    "training": "training",
    "saving": "saving the model",
    "finished": "finished",
    "stopped": "stopped (the model trained so far is saved)",
    "failed": "failed",
}


def _snapshot(run_dir: str) -> dict | None:
    job = registry.get(Path(run_dir).name)
    if job is not None and str(job.folder.path) == str(Path(run_dir)):
        return job.snapshot()
    return RunFolder(run_dir).read_status()


# what render names; the result card (card_box, card, card_code) shows once the run has ended with a saved model
CARD = ("card_box", "card", "card_code", "card_zip")
SHOWN = ("status", "progress", "loss_plot", "metric_plot", "log", "summary", "folder", "run_box", *CARD)
STEADY = ("loss_plot", "metric_plot", "log", "summary", "folder", "run_box", *CARD)  # change only with the run's files


def render(run_dir: str | None) -> dict:
    """Everything the Train tab shows for one run, by name (SHOWN): status, progress, plots, log tail,
    summary, folder.

    Status and progress are read fresh each time (cheap); the plots (already serialised to
    plotly JSON), log tail and summary are built once per change of the run's files and shared by
    every page that watches the run, so many sessions polling one run cost about as much as one.
    """
    return _render(run_dir)[1]


def _render(run_dir: str | None) -> tuple[tuple, dict]:
    """(version of the run's files, what render shows); the version changes when plots, log or summary may."""
    if not run_dir:
        empty = dict.fromkeys(SHOWN) | {"status": "No run yet: set up data and model, then press Start.", "progress": _bar(None)}
        return (None,), empty | {"log": "", "folder": "", "run_box": gr.Column(visible=False), **_card(None, None)}
    folder = RunFolder(run_dir)
    snap = _snapshot(run_dir) or {"state": "queued"}
    state = snap.get("state", "queued")
    status = f"**{snap.get('run', folder.name)}**: {STATE_WORDS.get(state, state)}"
    if snap.get("error"):
        status += f"\n\n**Error:** {snap['error']}"
    if snap.get("warning"):
        status += f"\n\n**Warning:** {snap['warning']}"
    elif snap.get("notice"):
        status += f"\n\n**Note:** {snap['notice']}"
    version = (str(folder.path), state, _size(folder.metrics_path), _size(folder.log_path))
    keys = (snap.get("primary_key"), snap.get("primary_metric"), snap.get("baseline"), is_reranker_run(snap))
    drawn = _drawn(*version, *keys)
    where = f"Run folder: `{folder.path.resolve()}`" + (
        f" · model in `{folder.model_dir.name}/`" if folder.model_dir.is_dir() else ""
    )
    shown = {"status": status, "progress": _bar(snap), **drawn, "folder": where, "run_box": gr.Column(visible=True)}
    return version, shown | _card(snap, folder)


def _ended_with_model(snap: dict | None, folder: RunFolder) -> bool:
    """The run has ended (finished, or stopped) with a saved model: what the result card and the Playground show."""
    return bool(snap) and snap.get("state") in ENDED_WITH_MODEL and folder.has_model


def _card(snap: dict | None, folder: RunFolder | None) -> dict:
    """The result card's outputs: shown once the run has ended with a saved model (ui.result_card)."""
    no_zip = gr.File(value=None, visible=False)  # a zip made for the run shown before is not this run's
    if folder is None or not _ended_with_model(snap, folder):
        return {"card_box": gr.Column(visible=False), "card": "", "card_code": "", "card_zip": no_zip}
    config = folder.read_config()  # a plain dict, {} when unreadable: the card then names no base model
    base, remote = config.get("model"), bool(config.get("trust_remote_code"))
    return {
        "card_box": gr.Column(visible=True),
        "card": card_text(snap, base),
        "card_code": python_lines(folder, remote_code=remote),
        "card_zip": no_zip,
    }


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


@functools.lru_cache(maxsize=32)
def _drawn(
    run_dir: str, state: str, metrics_size: int, log_size: int, primary_key, primary_metric, baseline, reranker: bool
) -> dict:
    """Plots, log tail and before/after table of a run, for one version of its files (the arguments are the key).
    The dict is shared by every page watching the run: read it, never change it."""
    folder = RunFolder(run_dir)
    events = folder.read_metrics()
    title = metric_title(primary_key, primary_metric)
    losses, metrics = loss_series(events), metric_series(events)
    loss_plot = _serialised(loss_figure(losses)) if losses["step"] else None
    baseline_name = "search alone" if reranker else "before training"  # a reranker's baseline: its search model's order
    metric_plot = _serialised(metric_figure(metrics, title, baseline, baseline_name)) if metrics["step"] else None
    log = folder.log_tail(LOG_LINES)
    table = None
    if state in TERMINAL_STATES:
        rows = [  # readable names; the main metric (first) is marked
            row | {"metric": readable_metric(row["metric"]) + (" ★ main" if row["metric"] == primary_key else "")}
            for row in before_after(events, primary_key)
        ]
        table = pd.DataFrame(rows).round(4) if rows else None
    return {"loss_plot": loss_plot, "metric_plot": metric_plot, "log": log, "summary": table}


def _serialised(figure: dict) -> PlotData:
    """A figure as gr.Plot sends it, so that its JSON is made once per change of the run, not once per poll."""
    return PlotData(type="plotly", plot=figure_json(figure))


def _bar(snap: dict | None) -> str:
    """The progress bar as HTML: a filled track and `step/total · epoch · elapsed · ETA`."""
    if not snap:
        return (
            '<div class="studio-progress"><div class="track"><div class="fill" style="width:0%"></div></div><span>–</span></div>'
        )
    info = progress(snap)
    percent = 100.0 if snap.get("state") == "finished" else info["fraction"] * 100
    return (
        f'<div class="studio-progress" data-state="{html.escape(str(snap.get("state")))}" data-step="{info["step"]}" '
        f'data-max-steps="{info["max_steps"] or ""}"><div class="track">'
        f'<div class="fill" style="width:{percent:.1f}%"></div></div>'
        f"<span>{html.escape(info['text'])}</span></div>"
    )


@friendly(note="status")
def start(form: Form, values: dict, who: Visitor | None = None) -> dict:
    """Start a run from the form, owned by `who`. Refused, with the reason in the status line, when the data is
    not ready (the data report's blockers, core.training.readiness) or while another run trains (naming it)."""
    config = check_ready(confine(form.config(values), space=on_space(), visitor=who))
    job = registry.start(config, owner=who.owner if who else None)
    gr.Info(f"Run {job.folder.name} started")
    return {"run_dir": str(job.folder.path), "timer": gr.Timer(active=True), **render(str(job.folder.path))}


@friendly
def stop(run_dir: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """Stop the run shown; on a Space only the person who started it may."""
    job = registry.get(Path(run_dir).name) if run_dir else None
    if job is None or job.state.state in TERMINAL_STATES:
        gr.Warning("No run is training; nothing to stop.")
        return render(run_dir)["status"]
    check_owner(job.snapshot().get("owner"), visitor(request, profile), "stop")
    job.stop()
    return f"**{job.folder.name}**: stop requested; the model trained so far will be saved"


@friendly
def start_from_yaml(config_yaml: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """API: start a run from a YAML config (config.yaml of a run, or "Show config & command"); returns its run folder."""
    import yaml

    from core.config import TrainConfig
    from core.errors import ConfigError

    try:
        data = yaml.safe_load(config_yaml or "") or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"the config is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping of setting: value, as config.yaml holds")
    config = TrainConfig.from_dict(data)
    if config.push_to_hub:  # a token must never travel in a YAML text; the Hub tab and the push API take it apart
        raise ConfigError(
            "push_to_hub: start_run does not push; leave push_to_hub out (or false), wait for the run to finish "
            "(run_status), then push it with the push API or from the Hub tab"
        )
    who = visitor(request, profile)
    config = check_ready(confine(config, space=on_space(), visitor=who))
    return str(registry.start(config, owner=who.owner).folder.path)


@friendly
def run_status(run_dir: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """API: the status of a run (state, step, max_steps, baseline, final, error, ...) by its folder.
    On a Space the folder must be one of the visitor's own runs under the runs root."""
    from core.errors import RunFolderError

    if run_dir and on_space():
        folder = RunFolder(inside(run_dir, [runs_root()], "run folder", "pass the folder that start_run returned"))
        run_dir = str(check_run(folder, visitor(request, profile), "read").path)
    snap = _snapshot(run_dir) if run_dir else None
    if snap is None:
        raise RunFolderError(f"no run in '{run_dir}'; pass the folder that start_run returned")
    return snap


def poll(run_dir: str | None, seen: tuple | None = None) -> dict:
    """One timer tick: the run as it is now; the timer switches itself off once the run has ended.

    `seen` is the version of the run's files this page last got: while it holds, only the status
    and progress bar are sent again (plots, log, summary and the version itself are left out), and
    the timer is sent only to switch it off, so a tick costs the server little (bench/load.py: a
    `gr.Timer` built on every tick was about 6% of the server's time with 20 pages open).
    """
    try:
        version, shown = _render(run_dir)
        snap = _snapshot(run_dir) if run_dir else None
    except Exception:  # a half-written file must not kill the timer's page; next tick reads again
        return {}  # every output keeps what it shows, and the timer keeps ticking
    ended = snap is None or snap.get("state") in TERMINAL_STATES
    fresh = seen is None or tuple(seen) != version
    out = shown if fresh else {name: value for name, value in shown.items() if name not in STEADY}
    if fresh:
        out = {**out, "seen": version}
    if ended:
        out = {**out, "timer": gr.Timer(active=False)}
        folder = RunFolder(run_dir) if run_dir else None
        if folder is not None and _ended_with_model(snap, folder):
            out["ended"] = str(folder.model_dir)  # the Playground follows it (ui.layout)
    return out


def attach(request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """Page load: show the job that trains (and poll it), else the last run of this server; on a Space only
    when that run is the visitor's own."""
    job = registry.current()
    if job is not None and not may_see(job.snapshot().get("owner"), visitor(request, profile)):
        job = None
    run_dir = str(job.folder.path) if job else None
    running = job is not None and job.state.state not in TERMINAL_STATES
    return {"run_dir": run_dir, "timer": gr.Timer(active=running), **render(run_dir)}


def build(form: Form) -> SimpleNamespace:
    ui = SimpleNamespace()
    ui.run_dir = gr.State(None)
    ui.seen = gr.State(None)  # the version of the run's files this page shows (see poll)
    ui.ended = gr.State(None)  # the model of the run this page saw end (poll), for the Playground to pick
    ui.timer = gr.Timer(1.0, active=False)
    with gr.Row():
        ui.start = gr.Button("Start training", variant="primary", elem_id="train-start")
        ui.stop = gr.Button("Stop", variant="stop", elem_id="train-stop")
    ui.status = gr.Markdown("No run yet: set up data and model, then press Start.", elem_id="train-status")
    ui.progress = gr.HTML(_bar(None), elem_id="train-progress")
    with gr.Column(visible=False, elem_id="train-card") as ui.card_box:  # the result card: shown when a run has ended
        ui.card = gr.Markdown(elem_id="train-card-text")
        with gr.Row():
            ui.card_try = gr.Button("Try it in the Playground", variant="primary", elem_id="card-try")
            ui.card_download = gr.Button("Download the model (zip)", elem_id="card-download")
            ui.card_push = gr.Button("Push to the Hub", elem_id="card-push")
        ui.card_zip = gr.File(label="Model zip", visible=False, interactive=False, elem_id="card-zip")
        ui.card_code = gr.Code(language="python", label="Use it in Python", interactive=False, elem_id="card-code")
    with gr.Column(visible=False, elem_id="train-run") as ui.run_box:  # plots, table, folder and log: shown with a run
        with gr.Row():
            ui.loss_plot = gr.Plot(label="Training loss", elem_id="loss-plot")
            ui.metric_plot = gr.Plot(label="Validation metric", elem_id="metric-plot")
        ui.summary = gr.Dataframe(label="Before → after (validation)", interactive=False, elem_id="train-summary")
        ui.folder = gr.Markdown(elem_id="train-folder")
        # as tall as the tail it shows, so the newest line (the run's end) is always in sight
        ui.log = gr.Textbox(
            label="Log (last lines)", lines=8, max_lines=LOG_LINES, interactive=False, elem_id="train-log", autoscroll=True
        )
    return ui


def outputs(ui: SimpleNamespace) -> Outputs:
    """The Train tab's outputs by name: the run folder, the timer, the version seen, the model of a run seen to
    end, and what `render` shows. Their order is the order the API returns them in (states are not returned)."""
    return Outputs(
        run_dir=ui.run_dir, timer=ui.timer, seen=ui.seen, ended=ui.ended, **{name: getattr(ui, name) for name in SHOWN}
    )
