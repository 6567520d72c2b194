"""Errors a person can act on.

Every `StudioError` message names the problem (field, column, row, value) and the fix. The CLI
prints it without a traceback; the UI turns it into a `gr.Error`; a training run records it in
its status.
"""

from __future__ import annotations

__all__ = ["NOT_READY", "ConfigError", "DataError", "ExportError", "ModelError", "RunFolderError", "StudioError"]


NOT_READY = "Not ready to train"  # the heading of every refusal of a run whose data would not work (Start, the report)


class StudioError(Exception):
    """Base class for errors whose message is meant for the person running the studio."""


class ConfigError(StudioError):
    """A configuration value is unknown, out of range or inconsistent."""


class DataError(StudioError):
    """The data cannot be read or does not fit the chosen trainer type."""


class ModelError(StudioError):
    """The base model cannot be found or loaded."""


class RunFolderError(StudioError):
    """The run folder cannot be used (for example it already holds a run)."""


class ExportError(StudioError):
    """A model cannot be exported for serving (a missing package, a module the exporter cannot trace, a graph
    that does not match the trained model)."""
