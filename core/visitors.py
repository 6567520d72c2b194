"""Who a visitor is, and what of the runs and uploads is theirs.

Off a Space (a laptop, a GPU box) whoever reaches the app owns every run and file: nothing here
refuses anything. On a Space visitors are strangers: a signed-in visitor is their Hub user name,
an anonymous one is their browser session (a hash of gradio's session id, so the id itself is
never written down). A run records the identity that started it (`owner` in status.json), and
every endpoint that reads or acts on a run asks `check_owner` first (core.runs.owner for a run
folder); lists show only the visitor's own runs (`may_see`). The Space's author and the names in $SBERT_STUDIO_ADMINS
(core.environment.space_admins), signed in, act as the owner of every run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.environment import on_space, space_admins
from core.errors import RunFolderError

__all__ = ["ANONYMOUS", "Visitor", "check_owner", "may_see"]

ANONYMOUS = "anonymous-"  # prefix of an anonymous visitor's identity


@dataclass(frozen=True)
class Visitor:
    """One visitor of the page or the API.

    Attributes:
        username: the Hub user name of a signed-in visitor, else None.
        session: gradio's session id of the page or API client (anonymous visitors are told apart by it).
    """

    username: str | None = None
    session: str | None = None

    @property
    def identity(self) -> str | None:
        """What a run records as its owner: the user name, else `anonymous-<hash of the session>`, else None."""
        if self.username:
            return self.username
        if self.session:
            return ANONYMOUS + hashlib.sha256(self.session.encode()).hexdigest()[:16]
        return None

    @property
    def owner(self) -> str | None:
        """What a run this visitor starts records as its owner: the identity on a Space; off a Space only a
        user name (everyone there owns every run, and a session id would only clutter messages)."""
        return self.identity if on_space() else self.username

    @property
    def folder(self) -> str:
        """A folder name for this visitor's uploads: `user-<name>`, `session-<hash>`, or `shared`."""
        identity = self.identity
        if identity is None:
            return "shared"
        if identity.startswith(ANONYMOUS):
            return "session-" + identity.removeprefix(ANONYMOUS)
        return "user-" + re.sub(r"[^\w.-]", "_", identity)

    @property
    def admin(self) -> bool:
        """True for a signed-in visitor who is the Space's author or named in $SBERT_STUDIO_ADMINS."""
        return bool(self.username) and self.username in space_admins()


def may_see(owner: str | None, visitor: Visitor | None) -> bool:
    """True when `visitor` may see a run (or upload) started by `owner`: always off a Space; on a Space only
    their own (a run with no recorded owner belongs to the Space's admins)."""
    if not on_space():
        return True
    if visitor is None:
        return False
    return visitor.admin or (owner is not None and owner == visitor.identity)


def check_owner(owner: str | None, visitor: Visitor | None, action: str) -> None:
    """Raise RunFolderError unless `visitor` may `action` ("stop", "push", "read") a run started by `owner`."""
    if not may_see(owner, visitor):
        raise RunFolderError(
            f"this run is not yours, so you cannot {action} it; on this Space you see and act on your own runs only "
            "(sign in to keep them across visits), or duplicate the Space to train your own"
        )
