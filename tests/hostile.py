"""Path-like values a hostile visitor sends, shared by the unit tests of the path rule and the Space test."""

from __future__ import annotations

# Each of these must be refused wherever a path, a split name, a run name or a model folder is accepted on a
# Space. `{outside}` is replaced by a real file outside every allowed root, `{link}` by a symlink inside the
# visitor's own uploads that points at it.
HOSTILE = (
    "/etc/passwd",
    "{outside}",
    "../../../../etc/passwd",
    "..",
    "train/../../secret",
    "~/.ssh/id_rsa",
    "~root",
    "secret\x00.csv",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e/secret",
    "..%252fsecret",
    "..\\..\\secret",
    "/proc/self/environ",
    "{link}",
)


def hostile_values(outside: str, link: str) -> list[str]:
    return [value.replace("{outside}", outside).replace("{link}", link) for value in HOSTILE]
