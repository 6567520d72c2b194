"""Tab 2, Model & trainer: base model, trainer type and loss, parameters, the config and its commands.

Reads and writes the form's model, trainer, loss and parameter fields. "Show config & command"
renders the run as YAML plus the console commands; a YAML file loads back into the whole form.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pandas as pd

from core.catalog import CURATED_MODELS, DEFAULT_MODEL
from core.config import load_config
from core.errors import ConfigError
from core.inference.model_files import catalog_rows
from core.recipes import RECIPES, default_loss
from core.runs.commands import commands
from ui.errors import friendly
from ui.form import Form, advanced_rows, basic_row, param_component

__all__ = ["TRAINER_DEFAULTS", "build", "defaults_update", "describe_model", "describe_trainer", "loss_update"]

TRAINER_DEFAULTS = ("lr", "epochs", "batch_size")  # fields each trainer type sets for itself (Recipe.defaults)


@friendly
def describe_model(ref: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """Load the model (kept in memory for reuse) and list its facts; on a Space only a Hub id or the visitor's own run."""
    from core.inference.cache import cached_model, model_facts
    from core.runs.owner import check_model_ref
    from ui.visitor import visitor

    ref = (ref or "").strip()
    if not ref:
        raise ConfigError("base model: missing; pick one from the list, or type a Hub id or a local folder")
    check_model_ref(ref, visitor(request, profile))
    facts = model_facts(cached_model(ref))
    limit = facts["token_limit"]
    return (
        f"**{ref}**: {facts['dimension']}-dimensional embeddings · max sequence length {facts['max_seq_length']} tokens"
        + (f" (the model takes at most {limit})" if limit else "")
        + f" · {facts['parameters'] / 1e6:.1f} M parameters · pooling {facts['pooling'] or 'none'}"
        + (" · normalised" if facts["normalized"] else "")
        + f"\n\nModules: {' → '.join(facts['modules'])}"
        + f"\n\n{describe_prompts(facts['prompts'], facts['default_prompt_name'])}"
        + f"\n\n{describe_lora(facts['parameters'])}"
    )


def describe_prompts(prompts: dict, default: str | None) -> str:
    """The prompts the model declares, which the run uses unless the Prompts row sets others."""
    shown = {name: text for name, text in prompts.items() if text}
    if not shown:
        return "Prompts: the model declares none (set a query or document prompt under Advanced parameters if it expects one)."
    listed = ", ".join(f"{name} `{text!r}`" for name, text in shown.items())
    extra = f"; default: {default}" if default else ""
    return (
        f"Prompts the model declares: {listed}{extra}. Training, evaluation, mining and the playground use its query and "
        "document prompts unless you set others under Advanced parameters (or turn 'Use the model's own prompts' off)."
    )


def describe_lora(parameters: int) -> str:
    """Whether this machine should train the model with LoRA (core.catalog.lora_recommended)."""
    from core.catalog import FULL_TUNE_BYTES_PER_PARAMETER, lora_recommended
    from core.inference.model_files import machine_memory

    kind, memory = machine_memory()
    need = parameters * FULL_TUNE_BYTES_PER_PARAMETER / 1024**3
    if lora_recommended(parameters, memory):
        return (
            f"**LoRA recommended here**: full fine-tuning needs about {need:.1f} GB for weights, gradients and optimizer "
            f"states, more than half of this machine's {memory / 1024**3:.0f} GB ({kind}). Turn on LoRA under Advanced "
            "parameters (lora)."
        )
    return (
        f"Full fine-tuning fits this machine ({kind}, {memory / 1024**3:.0f} GB; about {need:.1f} GB for weights, "
        "gradients and optimizer states)."
    )


def describe_trainer(trainer: str | None) -> str:
    recipe = RECIPES.get(trainer or "")
    if recipe is None:
        return "Pick a trainer type; loading a table suggests one."
    roles = ", ".join(
        f"{role} ({label})" if role != label else role for role, label in zip(recipe.roles, recipe.role_labels, strict=True)
    )
    target = f" + {recipe.target_words}" if recipe.target else ""
    optional = " Optional: a negative column and a 0/1 label (hard negatives)." if recipe.negatives else ""
    if recipe.cross_encoder:
        optional = (
            f" Optional: a negative column, and the {recipe.meaning('target')}; without negatives they are mined with "
            "the search model (Advanced parameters, negatives)."
        )
    d = recipe.defaults
    return (
        f"**{recipe.name}**: {recipe.description}\n\nColumns: {roles}{target}.{optional} Validation metric: "
        f"{recipe.primary_metric}. Defaults for {recipe.name} (measured, see README): learning rate {d.lr:g}, "
        f"{d.epochs:g} epochs, batch size {d.batch_size}."
    )


def defaults_update(trainer: str | None) -> dict:
    """{field: update}: the trainer type's own learning rate, epochs and batch size, shown in their empty boxes.

    They are placeholders, not values: an empty box means "the trainer type's default", so a value the
    person typed (or a loaded YAML file set) stays, and changing the trainer type never overwrites it.
    """
    recipe = RECIPES.get(trainer or "")
    shown = {}
    for name in TRAINER_DEFAULTS:
        text = f"{getattr(recipe.defaults, name):g} ({recipe.name}'s default)" if recipe else "the trainer type's default"
        shown[name] = gr.update(placeholder=text)
    return shown


def loss_update(trainer: str | None, loss: str | None, classes: int | None = None) -> dict:
    """Only the losses the trainer allows; the current one is kept when allowed, else the default
    (for a label column of `classes` classes: SoftmaxLoss when a two-class loss cannot take them)."""
    recipe = RECIPES.get(trainer or "")
    if recipe is None:
        return gr.update(choices=[], value=None)
    return gr.update(choices=list(recipe.losses), value=loss if loss in recipe.losses else default_loss(recipe, classes).name)


@friendly
def show_config(form: Form, values: dict) -> dict:
    """config.yaml and the console commands of the form's settings, by output name; their panes appear with them
    (a refused config shows nothing: every output is kept, ui.errors)."""
    config = form.config(values).check()
    out = commands(config)
    return {"yaml": out["yaml"], "command": out["train"], "torchrun": out["torchrun"], "config_box": gr.Column(visible=True)}


def build(form: Form) -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=3):
            ui.model = form.add(
                "model",
                gr.Dropdown(
                    list(CURATED_MODELS),
                    value=DEFAULT_MODEL,
                    label="Base model (pick one, or type a Hub id or a local folder)",
                    allow_custom_value=True,
                    elem_id="base-model",
                ),
            )
        ui.model_load = gr.Button("Load model facts", elem_id="model-load", scale=1)
    ui.model_facts = gr.Markdown(
        f"The default, {DEFAULT_MODEL}, ships with the studio and works offline; other Hub ids need a network.",
        elem_id="model-facts",
    )
    with gr.Accordion("Model list: what each base model brings", open=False, elem_id="model-list"):
        gr.Markdown(
            "Today's open embedders first, then the classic sentence-transformers models. Facts are read from the "
            "model's own files once it is cached (`facts from`), else they are the published ones. LoRA is recommended "
            "where full fine-tuning's weights, gradients and optimizer states (16 bytes a parameter) would take more "
            "than half the memory (CPU: a 16 GB laptop)."
        )
        ui.model_list = gr.Dataframe(pd.DataFrame(catalog_rows()), interactive=False, wrap=True, elem_id="model-list-table")
    with gr.Row():
        ui.trainer = form.add(
            "trainer",
            gr.Dropdown(list(RECIPES), value=None, label="Trainer type", elem_id="trainer-type", allow_custom_value=False),
        )
        # custom values pass, so that a loss the trainer does not offer gets the config check's message
        ui.loss = form.add("loss", gr.Dropdown([], value=None, label="Loss", elem_id="loss", allow_custom_value=True))
    ui.trainer_note = gr.Markdown(describe_trainer(None), elem_id="trainer-note")
    with gr.Row():
        ui.basic = [form.add(name, param_component(name)) for name in basic_row()]
    with gr.Accordion("Advanced parameters (same defaults as the CLI)", open=False, elem_id="advanced"):
        ui.advanced = []
        for row in advanced_rows():  # one row per group of the schema (core.config.ADVANCED_GROUPS)
            with gr.Row():
                ui.advanced += [form.add(name, param_component(name)) for name in row]
    with gr.Row():
        ui.show = gr.Button("Show config & command", elem_id="show-config")
        ui.yaml_file = gr.File(
            label="Load a YAML config", file_types=[".yaml", ".yml"], type="filepath", elem_id="config-file", height=100
        )
    with gr.Column(visible=False, elem_id="config-box") as ui.config_box:  # shown by "Show config & command"
        ui.yaml = gr.Code(label="config.yaml", language="yaml", elem_id="config-yaml")
        ui.command = gr.Code(label="Train from the console", language="shell", elem_id="config-command")
        ui.torchrun = gr.Code(label="… on every GPU of the machine (torchrun, DDP)", language="shell", elem_id="config-torchrun")
    return ui


@friendly
def load_yaml(form: Form, file_path: str | None) -> dict:
    """Fill the form from a YAML config (ours or AutoTrain's)."""
    if not file_path:
        return {}
    config = load_config(file_path)
    updates = form.updates(config)
    updates[form.components["loss"]] = loss_update(config.trainer, config.loss)
    return updates
