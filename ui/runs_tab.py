"""Tab 5, Runs: every run in the runs folder; compare curves; reuse a config; open, download or delete a run.

Reads the runs folder (core.runs.index). Writes: the form (a run's config loaded back), the
playground's pickers, a zip of a model in a temporary folder, and, after confirmation, deletes a
run folder (never one that is still working).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd
import plotly.graph_objects as go

from core.config import load_config
from core.errors import RunFolderError
from core.runs.folder import RunFolder
from core.runs.index import delete_run, list_runs, resume_checkpoint, run_path, zip_model
from core.runs.owner import check_owner
from core.runs.progress import format_seconds, metric_series
from ui.errors import friendly
from ui.form import Form
from ui.plots import LAYOUT

__all__ = ["build", "curves", "delete", "download", "open_in_playground", "runs_table"]

COLUMNS = ["run", "trainer", "base model", "state", "metric", "before", "after", "duration", "started"]


def runs_table() -> pd.DataFrame:
    """One row per run, newest first."""
    rows = [
        {
            "run": r["run"],
            "trainer": r["trainer"],
            "base model": r["model"],
            "state": r["state"],
            "metric": r["metric"],
            "before": None if r["baseline"] is None else round(r["baseline"], 4),
            "after": None if r["final"] is None else round(r["final"], 4),
            "duration": format_seconds(r["seconds"]),
            "started": datetime.fromtimestamp(r["started_at"]).strftime("%Y-%m-%d %H:%M") if r["started_at"] else "",
        }
        for r in list_runs()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def refresh() -> tuple:
    table = runs_table()
    names = table["run"].tolist()
    return table, gr.update(choices=names), gr.update(choices=names, value=names[0] if names else None)


@friendly
def curves(names: list[str] | None) -> go.Figure | None:
    """The primary metric of each selected run over its steps, overlaid (step 0 is each baseline)."""
    if not names:
        return None
    fig = go.Figure(layout={**LAYOUT, "title": "Validation metric by step", "xaxis_title": "step"})
    for name in names:
        folder = RunFolder(run_path(name))
        series = metric_series(folder.read_metrics())
        metric = (folder.read_status() or {}).get("primary_metric") or "metric"
        fig.add_scatter(x=series["step"], y=series["value"], mode="lines+markers", name=f"{name} ({metric})")
    return fig


@friendly
def load_into_form(form: Form, name: str) -> dict:
    """The run's config.yaml back in the form, to train again or change it."""
    config = load_config(RunFolder(run_path(name)).config_path)
    gr.Info(f"The settings of {name} are in the form; check the Data and Model tabs, then train.")
    return form.updates(config.replace(project_name=None))  # a new run gets a new folder


@friendly
def open_in_playground(name: str) -> tuple:
    folder = RunFolder(run_path(name))
    if not folder.has_model:
        raise RunFolderError(f"run '{name}' has no saved model; only an ended run can be opened in the playground")
    base = load_config(folder.config_path).model
    model = str(folder.model_dir)
    return gr.update(value=model, choices=None), gr.update(value=base), gr.Tabs(selected="playground")


@friendly
def download(name: str) -> str:
    """The run's model folder as a zip in a fresh temporary folder (gradio serves it from its cache)."""
    if not name:
        raise RunFolderError("pick a run to download")
    return str(zip_model(name, Path(tempfile.mkdtemp(prefix="sbert-studio-zip-"))))


@friendly
def delete(name: str, confirmed: bool, profile: gr.OAuthProfile | None = None) -> tuple:
    """Delete a run after the confirmation box is ticked; the list is refreshed. On a Space, only its owner may."""
    from core.inference.cache import forget

    if not name:
        raise RunFolderError("pick a run to delete")
    if not confirmed:
        raise RunFolderError(f"tick “Yes, delete it” to delete run '{name}' (its model and metrics are removed for good)")
    path = run_path(name)
    check_owner((RunFolder(path).read_status() or {}).get("owner"), getattr(profile, "username", None), "delete")
    delete_run(name)
    forget(str(path))
    gr.Info(f"Run {name} deleted.")
    return refresh()


@friendly
def resume(name: str, profile: gr.OAuthProfile | None = None) -> dict:
    """Continue a stopped or interrupted run from its newest checkpoint, in a child process; the Train tab shows it.
    A run without a checkpoint says so and points to a fresh start with the same settings."""
    from core.training.jobs import registry
    from ui.train_tab import render

    if not name:
        raise RunFolderError("pick a run to resume")
    folder = RunFolder(run_path(name))
    resume_checkpoint(folder, "press “Load its config into the form”, then Start on the Train tab")
    check_owner((folder.read_status() or {}).get("owner"), getattr(profile, "username", None), "resume")
    job = registry.resume(folder.path, owner=getattr(profile, "username", None))
    gr.Info(f"Run {name} resumes from its newest checkpoint.")
    return {
        "run_dir": str(job.folder.path),
        "timer": gr.Timer(active=True),
        "tabs": gr.Tabs(selected="train"),
        **render(str(job.folder.path)),
    }


def build() -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Row():
        ui.refresh = gr.Button("Refresh", elem_id="runs-refresh")
    ui.table = gr.Dataframe(runs_table(), label="Runs (newest first)", interactive=False, elem_id="runs-table", wrap=True)
    names = runs_table()["run"].tolist()
    ui.compare = gr.Dropdown(names, multiselect=True, label="Compare the curves of", elem_id="runs-compare")
    ui.curves = gr.Plot(label="Validation metric", elem_id="runs-curves")
    with gr.Row():
        ui.pick = gr.Dropdown(names, value=names[0] if names else None, label="Run", elem_id="runs-pick", scale=3)
        ui.load = gr.Button("Load its config into the form", elem_id="runs-load-config")
        ui.open = gr.Button("Open in the playground", elem_id="runs-open")
        ui.download = gr.Button("Download the model (zip)", elem_id="runs-download")
        ui.resume = gr.Button("Resume (stopped or interrupted runs)", elem_id="runs-resume")
    with gr.Row():
        ui.confirm = gr.Checkbox(False, label="Yes, delete it", elem_id="runs-delete-confirm")
        ui.delete = gr.Button("Delete run", variant="stop", elem_id="runs-delete")
    ui.zip = gr.File(label="Model zip", elem_id="runs-zip", height=80)
    return ui


def wire(ui: SimpleNamespace, form: Form, playground, tabs: gr.Tabs, train) -> None:
    listing = [ui.table, ui.compare, ui.pick]
    ui.refresh.click(refresh, None, listing, api_name="runs")
    ui.compare.change(curves, ui.compare, ui.curves, api_visibility="undocumented")
    ui.load.click(lambda name: load_into_form(form, name), ui.pick, list(form.components.values()), api_visibility="undocumented")
    ui.open.click(open_in_playground, ui.pick, [playground.model, playground.base, tabs], api_visibility="undocumented")
    ui.download.click(download, ui.pick, ui.zip, api_name="download_model")
    from ui.train_tab import outputs

    resumed = outputs(train).extended(tabs=tabs)
    ui.resume.click(resumed(resume), ui.pick, resumed.targets, api_name="resume_run")
    # a refused delete must not leave the list under an error overlay: the message is the toast
    ui.delete.click(delete, [ui.pick, ui.confirm], listing, api_name="delete_run", show_progress="hidden").success(
        lambda: False, None, ui.confirm, api_visibility="undocumented"
    )
