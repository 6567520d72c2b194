"""One run per machine: a lock file in the runs root, held by whichever process trains.

Every run holds it, whether the app started it (its child process) or the console script did
(rank 0 under torchrun). It names the process, the run folder and where the run came from, so
the app can refuse a second start naming the running run, show a console run live, stop it, and
re-attach to its own child after a restart. A lock whose process is gone is stale: the next run
takes it over and says so in its log.

The app reserves the lock before it starts its child (so two quick clicks cannot start two runs)
and passes the reservation's token in `TOKEN_ENV`; the child adopts the lock with its own pid.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from core.environment import runs_root
from core.errors import StudioError

__all__ = ["LOCK_FILE", "TOKEN_ENV", "BusyError", "LockInfo", "acquire", "busy", "held_by", "holder", "process_alive", "release"]

LOCK_FILE = ".training.lock"
TOKEN_ENV = "SBERT_STUDIO_LOCK_TOKEN"  # set by the app for its child: adopt the lock reserved under this token


class BusyError(StudioError):
    """A run is already training on this machine."""


@dataclass
class LockInfo:
    pid: int
    run_dir: str
    origin: str  # "app" (a child of the browser app) or "console" (sbert-studio train, torchrun)
    token: str
    host: str
    started_at: float

    path: str = ""  # the lock file this was read from or written to (runs root at the time)

    @property
    def run(self) -> str:
        return Path(self.run_dir).name

    def describe(self) -> str:
        where = "started in the app" if self.origin == "app" else "started from the console"
        return f"run '{self.run}' ({where}, process {self.pid})"

    def file(self) -> Path:
        """The lock file this was taken in (whatever the runs root is now)."""
        return Path(self.path) if self.path else _path(None)

    def payload(self) -> dict:
        """What the lock file holds (its own path is not written into it)."""
        return {k: v for k, v in asdict(self).items() if k != "path"}


def busy(info: LockInfo) -> BusyError:
    """The refusal a run meets while `info` holds the machine."""
    return BusyError(
        f"the machine is busy: {info.describe()} is still training; stop it (the app's Train tab, or Ctrl-C where it "
        "runs) or wait until it ends, then start again"
    )


def _path(root: Path | None) -> Path:
    return (root or runs_root()) / LOCK_FILE


def process_alive(pid) -> bool:
    """True while process `pid` exists (someone else's process counts)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except (OSError, TypeError, ValueError):
        return False
    return True


def _read(path: Path) -> LockInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(**{k: v for k, v in data.items() if k != "path"}, path=str(path))
    except (FileNotFoundError, json.JSONDecodeError, TypeError, ValueError):
        return None


def holder(root: Path | None = None) -> LockInfo | None:
    """The live holder of the lock, None when it is free or stale (its process gone)."""
    info = _read(_path(root))
    return info if info is not None and process_alive(info.pid) else None


def acquire(run_dir: str | Path, origin: str, *, pid: int | None = None, root: Path | None = None) -> tuple[LockInfo, str | None]:
    """Take the lock for `run_dir`; returns (the lock, a note when a stale lock was taken over, else None).

    A lock reserved for this process (its token in TOKEN_ENV) is adopted with this process's pid.

    Raises:
        BusyError: a live process holds it (the message names its run and where it came from).
    """
    path = _path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = LockInfo(
        pid=pid or os.getpid(),
        run_dir=str(Path(run_dir).resolve()),
        origin=origin,
        token=uuid.uuid4().hex,
        host=socket.gethostname(),
        started_at=time.time(),
        path=str(path),
    )
    token = os.environ.get(TOKEN_ENV)
    current = _read(path)
    if current is not None and token and current.token == token:  # reserved by the app for this child
        adopted = LockInfo(**(asdict(current) | {"pid": mine.pid, "run_dir": mine.run_dir, "path": str(path)}))
        _write(path, adopted)
        return adopted, None
    note = None
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            current = _read(path)
            if current is not None and process_alive(current.pid):
                raise busy(current) from None
            if current is not None:
                note = f"took over the lock of {current.describe()}: that process is gone (stale lock)"
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(mine.payload(), fh)
        return mine, note
    raise BusyError("the training lock is being taken by another process at this moment; start again")


def release(info: LockInfo | None) -> None:
    """Give the lock back, if it is still this reservation (a stale lock taken over by another run stays theirs).
    The app releases its child's lock this way when the child died without releasing it."""
    if info is None:
        return
    current = _read(info.file())
    if current is not None and current.token == info.token:
        info.file().unlink(missing_ok=True)


def held_by(info: LockInfo) -> bool:
    """True while the lock is still this reservation (its holder has not released it)."""
    current = _read(info.file())
    return current is not None and current.token == info.token and process_alive(current.pid)


def _write(path: Path, info: LockInfo) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info.payload()), encoding="utf-8")
    os.replace(tmp, path)
