"""The one rule for path-like values that arrive from outside (the page, the API, a YAML file).

A value is refused before anything reads it when it carries a trick (a NUL byte, `~`, a `..`
part, a URL-encoded separator or dot) or, resolved with its symlinks followed, lies outside
every allowed root. Each refusal names the field, the value (shortened) and the fix. Callers
choose the roots: on a Space a visitor's own uploads, the bundled examples and their own runs;
off a Space the person owns the machine and most fields are not confined (see
core.training.admission.confine and core.data.workspace.confine_data).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from core.errors import ConfigError

__all__ = ["PathRefused", "check_text", "inside", "is_plain_name", "shorten"]

# %2f %5c (separators), %2e (a dot: %2e%2e is ..), %00 (NUL), in any case; double-encoded forms (%252f) too
_ENCODED = re.compile(r"%(25)*(2f|5c|2e|00)", re.IGNORECASE)
_PLAIN_NAME = re.compile(r"^[\w][\w.+-]*$")


class PathRefused(ConfigError):
    """A path-like value was refused: outside the allowed folders, or written to escape them."""


def shorten(value: object, limit: int = 60) -> str:
    """The value as a message may quote it: printable, at most `limit` characters."""
    text = repr(str(value))[1:-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_text(value: str, field: str, fix: str = "") -> None:
    """Refuse the tricks a path can carry, whatever the roots: NUL, `~`, `..`, encoded separators.

    Raises:
        PathRefused: naming the field, the value and why.
    """
    why = None
    if "\x00" in value:
        why = "it holds a NUL byte"
    elif value.startswith("~"):
        why = "it starts with '~' (a home folder)"
    elif _ENCODED.search(value):
        why = "it holds a URL-encoded separator or dot (%2f, %5c, %2e, %00)"
    elif ".." in re.split(r"[\\/]", value):
        why = "it climbs out of its folder with '..'"
    elif "\\" in value:
        why = "it holds a backslash"
    if why:
        raise PathRefused(f"{field}: '{shorten(value)}' is refused: {why}; " + (fix or "pick from the lists or upload the file"))


def inside(value: str | os.PathLike, roots: Iterable[str | os.PathLike], field: str, fix: str = "") -> Path:
    """`value` resolved (symlinks followed), which must lie inside one of `roots`.

    Args:
        value: the path as it arrived; a relative one is taken from the current folder.
        roots: the folders it may lie in (each resolved too).
        field: the setting or input it came from, for the message.
        fix: what to do instead, for the message.

    Raises:
        PathRefused: a trick (check_text) or a place outside every root.
    """
    text = os.fspath(value)
    check_text(text, field, fix)
    resolved = Path(text).resolve()
    roots = [Path(r).resolve() for r in roots]
    if any(resolved == r or resolved.is_relative_to(r) for r in roots):
        return resolved
    where = ", ".join(str(r) for r in roots) or "no folder"
    raise PathRefused(
        f"{field}: '{shorten(text)}' lies outside the folders this app may read ({where}); "
        + (fix or "upload the file on the Data tab, or pick one from the lists")
    )


def is_plain_name(value: str) -> bool:
    """True for a name with no path in it (a run name, a split name): letters, digits, `_ . + -`."""
    return bool(_PLAIN_NAME.match(value)) and value not in (".", "..")
