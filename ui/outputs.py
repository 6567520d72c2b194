"""Named outputs: a handler returns {name: value}, gradio receives {component: value}.

Handlers stay free of component objects (tests call them and read `out["summary"]`), and adding an
output to an event cannot shift the others: each value goes to the component of its name, and an
output the handler leaves out keeps what it shows. A name may stand for several components (the
four role dropdowns); its value is then a dict keyed by the same names the components were given.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["Outputs"]


class Outputs:
    """The outputs of one or more events, by name."""

    def __init__(self, **components: Any) -> None:
        self.components = components

    def extended(self, **more: Any) -> Outputs:
        """These outputs and `more` (an event that shows one thing besides)."""
        return Outputs(**self.components, **more)

    @property
    def targets(self) -> list:
        """Every component, in the order given (the `outputs=` of the event, and of its API)."""
        out = []
        for target in self.components.values():
            out += list(target.values()) if isinstance(target, dict) else [target]
        return out

    def resolve(self, named: dict[str, Any]) -> dict:
        """{component: value} for a handler's {name: value}; an unknown name is a bug and raises KeyError.
        `gr.skip()` (a refused action, ui.errors) passes through: every output keeps what it shows."""
        if named.get("__type__") == "update":
            return named
        out = {}
        for name, value in named.items():
            target = self.components[name]
            if isinstance(target, dict):
                out.update({target[key]: part for key, part in value.items()})
            else:
                out[target] = value
        return out

    def __call__(self, handler):
        """`handler` as an event function: it returns names, the event gets components. The signature is kept,
        so gradio still passes a login profile or a progress tracker to the handler that asks for one."""

        @functools.wraps(handler)
        def event(*args, **kwargs):
            return self.resolve(handler(*args, **kwargs))

        return event
