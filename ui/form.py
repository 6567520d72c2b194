"""The run settings on the page: one component per TrainConfig field, and the way back to a TrainConfig.

The tabs create the components (roles on the Data tab, model and parameters on the Model tab)
and register them here under the field's name. A handler that needs the whole config takes
`form.inputs` (a set, so gradio passes one dict) and calls `form.config(values)`; loading a
YAML file calls `form.updates(config)`. Defaults are TrainConfig's, so the form, the YAML file
and the CLI never disagree.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from core.config import ADVANCED_GROUPS, BASIC, TrainConfig, field_info, field_types, fields_in

__all__ = ["NONE", "Form", "advanced_rows", "basic_row", "param_component"]

NONE = ""  # a role dropdown's "no column" value (an empty value: TrainConfig reads it as None)
_DEFAULTS = TrainConfig()


def basic_row() -> tuple[str, ...]:
    """The parameters always shown (TrainConfig fields of the `basic` group)."""
    return fields_in(BASIC)


def advanced_rows() -> list[tuple[str, ...]]:
    """One row of the "Advanced parameters" accordion per group of the schema, in its order."""
    return [fields_in(group) for group in ADVANCED_GROUPS]


def _shown(name: str, value: Any) -> Any:
    """A config value as its component shows it."""
    if field_types()[name].base is list:
        return ",".join(map(str, value)) if value else ""
    if value is None:
        return ""
    return value


def param_component(name: str) -> gr.components.Component:
    """The component for one parameter: TrainConfig's default, its label and help, a stable elem_id `param-<name>`."""
    info, kind = field_info(name), field_types()[name]
    common = {"label": info["label"], "elem_id": f"param-{name.replace('_', '-')}"}
    value = _shown(name, getattr(_DEFAULTS, name))
    if kind.base is bool:
        return gr.Checkbox(value=bool(value), **common)
    if info["choices"]:
        return gr.Dropdown(list(info["choices"]), value=value, allow_custom_value=True, **common)
    if kind.base in (int, float) and not kind.optional:  # optional numbers are text boxes: empty means None
        return gr.Number(value=value, precision=0 if kind.base is int else None, **common)
    return gr.Textbox(value=value, **common)


class Form:
    """TrainConfig field name -> the component that edits it (plus the data source states)."""

    def __init__(self) -> None:
        self.components: dict[str, gr.components.Component] = {}

    def add(self, name: str, component):
        if name not in field_types():
            raise KeyError(f"{name} is not a TrainConfig field")
        self.components[name] = component
        return component

    @property
    def inputs(self) -> set:
        return set(self.components.values())

    def values(self, by_component: dict) -> dict[str, Any]:
        """{field: value} from the dict gradio passes for `inputs`."""
        return {name: by_component[c] for name, c in self.components.items() if c in by_component}

    def config(self, by_component: dict) -> TrainConfig:
        """The TrainConfig the form describes (an empty box is None: TrainConfig's one rule). Raises ConfigError
        naming each bad field."""
        raw = {name: value.strip() if isinstance(value, str) else value for name, value in self.values(by_component).items()}
        return TrainConfig.from_dict(raw)

    def updates(self, config: TrainConfig) -> dict:
        """Component updates that show `config` in the form (role choices keep the given column)."""
        out = {}
        for name, component in self.components.items():
            value = _shown(name, getattr(config, name))
            if isinstance(component, gr.Dropdown) and name.endswith("_column"):
                out[component] = gr.update(value=value or NONE)
            else:
                out[component] = value
        return out
