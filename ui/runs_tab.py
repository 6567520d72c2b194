"""Tab 5, Runs: every run in the runs folder; compare curves; reuse a config; open, download or delete a run.

Reads the runs folder (core.runs.index). Writes: the form (a run's config loaded back), the
playground's pickers, a zip of a model in a temporary folder, and, after confirmation, deletes a
run folder (never one that is still working).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import gradio as gr
import pandas as pd
import plotly.graph_objects as go

from core.config import load_config
from core.errors import RunFolderError
from core.runs.index import delete_run, is_reranker_run, list_runs, resume_checkpoint, zip_model
from core.runs.owner import own_run
from core.runs.progress import format_seconds, metric_series
from core.visitors import Visitor
from ui.errors import friendly
from ui.form import Form
from ui.outputs import Outputs
from ui.plots import BASE_KEPT_STAR, LAYOUT, SAVED_STAR, metric_range, metric_title
from ui.visitor import visitor

__all__ = ["build", "curves", "delete", "download", "export_onnx", "open_in_playground", "runs_table"]

NO_RUNS = (
    "No runs yet. Start one on the **3 · Train** tab: it is listed here with its curves, and you can load its "
    "settings again, open it in the Playground, download, resume or delete it."
)
COLUMNS = ["run", "trainer", "base model", "state", "metric", "before", "after", "saved model", "duration", "started"]


def runs_table(who: Visitor | None = None) -> pd.DataFrame:
    """One row per run the visitor may see, newest first."""
    rows = [
        {
            "run": r["run"],
            "trainer": r["trainer"],
            "base model": r["model"],
            "state": r["state"],
            "metric": r["metric"],
            "before": None if r["baseline"] is None else round(r["baseline"], 4),
            "after": None if r["final"] is None else round(r["final"], 4),  # the saved model's figure
            "saved model": r["saved"],
            "duration": format_seconds(r["seconds"]),
            "started": datetime.fromtimestamp(r["started_at"]).strftime("%Y-%m-%d %H:%M") if r["started_at"] else "",
        }
        for r in list_runs(viewer=who)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def refresh(current: str | None = None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> tuple:
    """The table of runs and the two pickers; the picked run stays picked while it is there, else the newest is."""
    table = runs_table(visitor(request, profile))
    names = table["run"].tolist()
    picked = current if current in names else (names[0] if names else None)
    return table, gr.update(choices=names), gr.update(choices=names, value=picked)


def shown_if_any(table: pd.DataFrame | None) -> tuple:
    """The list and its actions when there is a run to show, else the line that says how one gets there."""
    empty = table is None or len(table) == 0
    return gr.Markdown(visible=empty), gr.Column(visible=not empty)


def disk_note() -> str:
    """What runs and uploads take and what is free; on a Space, the pruning rule (core.runs.disk)."""
    from core.environment import on_space
    from core.runs.disk import keep_days, quota_bytes, usage

    line = f"Disk: {usage().describe()}."
    if on_space():
        line += (
            f" On this Space runs and uploads are kept {keep_days():g} days and up to {quota_bytes() / 1e9:g} GB "
            "together; older ones go first."
        )
    return line


COLOURS = ("#4f46e5", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2")  # one per run, its star the same


@friendly
def curves(names: list[str] | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> go.Figure | None:
    """The primary metric of each selected run over its steps, overlaid (step 0 is each baseline), and each saved
    model's figure (a star: the base model's when do no harm kept it)."""
    if not names:
        return None
    from plotly.subplots import make_subplots

    who = visitor(request, profile)
    folders = [own_run(name, who, "read") for name in names]
    statuses = [folder.read_status() or {} for folder in folders]
    metrics = [metric_title(status.get("primary_key"), status.get("primary_metric")) for status in statuses]
    axes = list(dict.fromkeys(metrics))  # one plot per metric: Spearman and ndcg@10 never share an axis
    titles = axes if len(axes) > 1 else None  # one metric: its y axis names it
    fig = make_subplots(rows=len(axes), cols=1, subplot_titles=titles, vertical_spacing=0.18 if len(axes) > 1 else 0.1)
    fig.update_layout(**(LAYOUT | {"height": LAYOUT["height"] * len(axes)}), title="Validation metric by step")
    values: dict[str, list[float]] = {metric: [] for metric in axes}
    for index, (name, folder, metric) in enumerate(zip(names, folders, metrics, strict=True)):
        row, colour = axes.index(metric) + 1, COLOURS[index % len(COLOURS)]
        series = metric_series(folder.read_metrics())
        fig.add_scatter(
            x=series["step"], y=series["value"], mode="lines+markers", name=name, line={"color": colour}, row=row, col=1
        )
        if series["final"]:  # the saved model's figure, as on the Train tab: a star in the run's colour
            step, value = series["final"]
            saved = BASE_KEPT_STAR if series["kept_base"] else "saved model"
            marker = {**SAVED_STAR, "color": colour}
            fig.add_scatter(x=[step], y=[value], mode="markers", marker=marker, name=f"{name}: {saved}", row=row, col=1)
        values[metric] += [*series["value"], *([series["final"][1]] if series["final"] else [])]
    for row, metric in enumerate(axes, start=1):
        fig.update_yaxes(title_text=metric, range=metric_range(values[metric], None), row=row, col=1)
    fig.update_xaxes(title_text="optimizer step")
    return fig


@friendly
def load_into_form(form: Form, name: str, who: Visitor | None = None) -> dict:
    """The run's config.yaml back in the form, to train again or change it."""
    config = load_config(own_run(name, who, "read").config_path)
    gr.Info(f"The settings of {name} are in the form; check the Data and Model tabs, then train.")
    return form.updates(config.replace(project_name=None))  # a new run gets a new folder


@friendly
def open_in_playground(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """The Playground with the run picked: {model, base, tabs}; a reranker run as the reranker, its panel opened
    ({reranker, rerank_panel, tabs})."""
    folder = own_run(name, visitor(request, profile), "open")
    if not folder.has_model:
        raise RunFolderError(f"run '{name}' has no saved model; only an ended run can be opened in the playground")
    model, tab = str(folder.model_dir), gr.Tabs(selected="playground")
    if is_reranker_run(folder.read_status() or {}):
        return {"reranker": gr.update(value=model, choices=None), "rerank_panel": gr.Accordion(open=True), "tabs": tab}
    base = load_config(folder.config_path).model
    return {"model": gr.update(value=model, choices=None), "base": gr.update(value=base), "tabs": tab}


def playground_outputs(playground, tabs) -> Outputs:
    """Where `open_in_playground` puts the run."""
    return Outputs(
        model=playground.model,
        base=playground.base,
        reranker=playground.reranker,
        rerank_panel=playground.rerank_panel,
        tabs=tabs,
    )


@friendly
def download(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """The run's model folder as a zip, one file per run replaced on each download (core.runs.index.zip_dir);
    gradio serves a copy from its cache, which it clears itself (ui.layout: delete_cache)."""
    if not name:
        raise RunFolderError("pick a run to download")
    own_run(name, visitor(request, profile), "download")
    return str(zip_model(name))


@friendly
def delete(name: str, confirmed: bool, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> tuple:
    """Delete a run after the confirmation box is ticked; the list is refreshed. On a Space, only its owner may."""
    from core.inference.cache import forget

    if not name:
        raise RunFolderError("pick a run to delete")
    if not confirmed:
        raise RunFolderError(f"tick “Yes, delete it” to delete run '{name}' (its model and metrics are removed for good)")
    path = own_run(name, visitor(request, profile), "delete").path
    delete_run(name)
    forget(str(path))
    gr.Info(f"Run {name} deleted.")
    return refresh(None, request, profile)


@friendly
def resume(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """Continue a stopped or interrupted run from its newest checkpoint, in a child process; the Train tab shows it.
    A run without a checkpoint says so and points to a fresh start with the same settings."""
    from core.training.registry import registry
    from ui.train_tab import render

    if not name:
        raise RunFolderError("pick a run to resume")
    who = visitor(request, profile)
    folder = own_run(name, who, "resume")
    resume_checkpoint(folder, "press “Load its config into the form”, then Start on the Train tab")
    job = registry.resume(folder.path, owner=who.owner)
    gr.Info(f"Run {name} resumes from its newest checkpoint.")
    return {
        "run_dir": str(job.folder.path),
        "timer": gr.Timer(active=True),
        "tabs": gr.Tabs(selected="train"),
        **render(str(job.folder.path)),
    }


@friendly
def export_onnx(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """The run's model as ONNX for serving (fp32 and int8), each checked against the trained model
    (core.export.run); the answer gives the figures. The model zip includes the export afterwards."""
    from core.export.run import export_run

    if not name:
        raise RunFolderError("pick a run to export")
    folder = own_run(name, visitor(request, profile), "export")
    gr.Info(f"Exporting {name} to ONNX: the graph is checked against the trained model (a few seconds to a minute).")
    record = export_run(folder.path, int8=True, log=lambda line: None)
    return export_note(name, record)


def export_note(name: str, record: dict) -> str:
    fp32, int8 = record["fp32"], record["int8"]
    metric = (
        f"; validation {int8['metric']} {int8['metric_pytorch']:.4f} with PyTorch → {int8['metric_int8']:.4f} int8"
        if int8.get("metric")
        else ""
    )
    return (
        f"**{name}** exported to `model/onnx/`: `model.onnx` (fp32, {fp32['megabytes']} MB, same embeddings as the "
        f"trained model: cosine ≥ {fp32['min_cosine']:.5f}) and `model_int8.onnx` ({int8['megabytes']} MB, cosine ≥ "
        f"{int8['min_cosine']:.4f}{metric}). Its README shows how to serve it with onnxruntime; the model zip "
        "includes it."
    )


def wire_zip(button, picker, file, box, **api) -> None:
    """`button` zips the run `picker` names into `file`, whose `box` appears with it (a refused download shows
    nothing: both outputs are kept, ui.errors); another pick hides the zip, which is not that run's. `api`: the
    event's api_name (its API returns the zip's path alone: a layout is no API output) or visibility."""
    zipped = Outputs(zip=file, box=box)

    @zipped
    @friendly
    def shown(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        return {"zip": download.__wrapped__(name, request, profile), "box": gr.Column(visible=True)}

    button.click(shown, picker, zipped.targets, **(api or {"api_visibility": "undocumented"}))
    picker.change(lambda: (None, gr.Column(visible=False)), None, [file, box], api_visibility="undocumented")


def build() -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Row():
        ui.refresh = gr.Button("Refresh", elem_id="runs-refresh")
    table = runs_table()
    names = table["run"].tolist()
    ui.empty = gr.Markdown(NO_RUNS, visible=not names, elem_id="runs-empty")
    with gr.Column(visible=bool(names), elem_id="runs-body") as ui.body:  # hidden while there is no run (ui.empty)
        _build_body(ui, table, names)
    ui.disk = gr.Markdown(disk_note(), elem_id="runs-disk")
    return ui


def _build_body(ui: SimpleNamespace, table: pd.DataFrame, names: list[str]) -> None:
    ui.table = gr.Dataframe(table, label="Runs (newest first)", interactive=False, elem_id="runs-table", wrap=True)
    # run pickers take any name (API scripts name runs made after the page was built): the owner check guards them
    ui.compare = gr.Dropdown(
        names, multiselect=True, label="Compare the curves of", elem_id="runs-compare", allow_custom_value=True
    )
    with gr.Column(visible=False) as ui.curves_box:  # shown once runs are picked to compare
        ui.curves = gr.Plot(label="Validation metric", elem_id="runs-curves")
    with gr.Row():
        ui.pick = gr.Dropdown(
            names, value=names[0] if names else None, label="Run", elem_id="runs-pick", scale=3, allow_custom_value=True
        )
        ui.load = gr.Button("Load its config into the form", elem_id="runs-load-config")
        ui.open = gr.Button("Open in the playground", elem_id="runs-open")
        ui.download = gr.Button("Download the model (zip)", elem_id="runs-download")
        ui.resume = gr.Button("Resume (stopped or interrupted runs)", elem_id="runs-resume")
        ui.export = gr.Button("Export for serving (ONNX, int8)", elem_id="runs-export")
    ui.export_note = gr.Markdown(elem_id="runs-export-note")
    with gr.Row():
        ui.confirm = gr.Checkbox(False, label="Yes, delete it", elem_id="runs-delete-confirm")
        ui.delete = gr.Button("Delete run", variant="stop", elem_id="runs-delete")
    with gr.Column(visible=False) as ui.zip_box:  # shown with the first zip
        ui.zip = gr.File(label="Model zip", elem_id="runs-zip", height=80)


def listed(ui: SimpleNamespace, event) -> None:
    """After the list was read again: the empty-state line or the list, and the disk's figures."""
    event.then(shown_if_any, ui.table, [ui.empty, ui.body], api_visibility="undocumented").then(
        disk_note, None, ui.disk, api_visibility="undocumented"
    )


def wire(ui: SimpleNamespace, form: Form, playground, tabs: gr.Tabs, train) -> None:
    listing = [ui.table, ui.compare, ui.pick]
    listed(ui, ui.refresh.click(refresh, ui.pick, listing, api_name="runs"))
    drawn = Outputs(curves=ui.curves, box=ui.curves_box)

    @drawn
    def compared(names: list[str] | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        figure = curves(names, request, profile)
        return figure if isinstance(figure, dict) else {"curves": figure, "box": gr.Column(visible=figure is not None)}

    ui.compare.change(compared, ui.compare, drawn.targets, api_visibility="undocumented")

    def load_config_of(name: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        return load_into_form(form, name, visitor(request, profile))

    ui.load.click(load_config_of, ui.pick, list(form.components.values()), api_visibility="undocumented")
    opened = playground_outputs(playground, tabs)
    ui.open.click(opened(open_in_playground), ui.pick, opened.targets, api_visibility="undocumented")
    wire_zip(ui.download, ui.pick, ui.zip, ui.zip_box, api_name="download_model")
    ui.export.click(export_onnx, ui.pick, ui.export_note, api_name="export_onnx")
    ui.pick.change(lambda: "", None, ui.export_note, api_visibility="undocumented")  # it spoke of another run
    from ui.train_tab import outputs

    resumed = outputs(train).extended(tabs=tabs)
    ui.resume.click(resumed(resume), ui.pick, resumed.targets, api_name="resume_run")
    # a refused delete must not leave the list under an error overlay: the message is the toast
    deleted = ui.delete.click(delete, [ui.pick, ui.confirm], listing, api_name="delete_run", show_progress="hidden")
    listed(ui, deleted.success(lambda: False, None, ui.confirm, api_visibility="undocumented"))
