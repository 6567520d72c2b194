"""One run per machine: an OS-level lock in the runs root, held by whichever process trains.

The lock is `fcntl.flock` on `.training.lock` (a file that is never removed): the kernel releases it
when its holder's last file descriptor closes, so a run that dies (SIGKILL, a crash, a container
restart) can never leave the machine locked, and a recycled process id means nothing. Beside it,
`.training.lock.json` only says who holds it (process, run folder, where the run came from); it is
believed only while the lock is held, and written only by the holder.

Every run holds it, whether the app started it (its child process) or the console script did
(rank 0 under torchrun). The app reserves the lock before it starts its child (so two quick clicks
cannot start two runs) and hands the locked file descriptor to the child (`FD_ENV`, with the
reservation's token in `TOKEN_ENV`); the app then closes its own copy, so the child alone holds it.
A holder's info left behind by a dead run is stale: the next run takes the lock and says so in its log.
Linux and macOS (flock); the studio does not run on Windows.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.environment import runs_root
from core.errors import StudioError

__all__ = [
    "FD_ENV",
    "INFO_FILE",
    "LOCK_FILE",
    "TOKEN_ENV",
    "BusyError",
    "LockInfo",
    "acquire",
    "busy",
    "close_copy",
    "hand_over",
    "held_by",
    "holder",
    "release",
    "working",
]

LOCK_FILE = ".training.lock"  # flock'ed; never removed (removing a locked file would let a second lock in)
INFO_FILE = ".training.lock.json"  # who holds it; meaningful only while LOCK_FILE is locked
TOKEN_ENV = "SBERT_STUDIO_LOCK_TOKEN"  # set by the app for its child: adopt the lock reserved under this token
FD_ENV = "SBERT_STUDIO_LOCK_FD"  # the locked file descriptor the child inherited
TAKE_TRIES = 40  # a reader's brief shared lock (holder) can stand in the way; try for about a second


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

    path: str = ""  # the info file this was read from or written to (runs root at the time)
    fd: int | None = field(default=None, repr=False, compare=False)  # the locked descriptor, in its holder only

    @property
    def run(self) -> str:
        return Path(self.run_dir).name

    def describe(self) -> str:
        where = "started in the app" if self.origin == "app" else "started from the console"
        return f"run '{self.run}' ({where}, process {self.pid})"

    def file(self) -> Path:
        """The info file of the lock this was taken in (whatever the runs root is now)."""
        return Path(self.path) if self.path else _info_path(None)

    def payload(self) -> dict:
        """What the info file holds (not its own path, not the descriptor)."""
        return {k: v for k, v in asdict(self).items() if k not in ("path", "fd")}


def busy(info: LockInfo) -> BusyError:
    """The refusal a run meets while `info` holds the machine."""
    return BusyError(
        f"the machine is busy: {info.describe()} is still training; stop it (the app's Train tab, or Ctrl-C where it "
        "runs) or wait until it ends, then start again"
    )


def _info_path(root: Path | None) -> Path:
    return (root or runs_root()) / INFO_FILE


def _open(info_file: Path) -> int:
    info_file.parent.mkdir(parents=True, exist_ok=True)
    return os.open(info_file.with_name(LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)


def _locked(info_file: Path) -> bool:
    """True while some process holds the lock (this one included, through another descriptor)."""
    if not info_file.with_name(LOCK_FILE).exists():
        return False
    fd = _open(info_file)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the shared lock, if it was taken
    return False


def _take(info_file: Path, tries: int = TAKE_TRIES) -> int | None:
    """A descriptor holding the lock, or None when another process holds it."""
    fd = _open(info_file)
    for _ in range(tries):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            time.sleep(0.025)
    os.close(fd)
    return None


def working(run_dir: str | Path, held: LockInfo | None) -> bool:
    """The one answer to "is this run alive": its run folder holds the machine's lock (`held`: `holder()`, asked
    by the caller, once per listing). The kernel releases the lock when its holder's process ends however it
    ends, so neither a pid in status.json (which may be reused) nor a process handle is asked."""
    return held is not None and bool(held.run_dir) and Path(held.run_dir).resolve() == Path(run_dir).resolve()


def _read(path: Path) -> LockInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(**{k: v for k, v in data.items() if k not in ("path", "fd")}, path=str(path))
    except (FileNotFoundError, json.JSONDecodeError, TypeError, ValueError):
        return None


def holder(root: Path | None = None) -> LockInfo | None:
    """Who holds the lock, None when nobody does (whatever a stale info file says)."""
    path = _info_path(root)
    if not _locked(path):
        return None
    info = _read(path)
    if info is None:  # held, but the holder has not written its name yet
        return LockInfo(pid=0, run_dir="", origin="console", token="", host=socket.gethostname(), started_at=0.0, path=str(path))
    return info


def acquire(run_dir: str | Path, origin: str, *, pid: int | None = None, root: Path | None = None) -> tuple[LockInfo, str | None]:
    """Take the lock for `run_dir`; returns (the lock, a note when a dead run's info was found, else None).

    A lock reserved for this process (its token in TOKEN_ENV, its descriptor in FD_ENV) is adopted
    with this process's pid.

    Raises:
        BusyError: another process holds it (the message names its run and where it came from).
    """
    path = _info_path(root)
    mine = LockInfo(
        pid=pid or os.getpid(),
        run_dir=str(Path(run_dir).resolve()),
        origin=origin,
        token=uuid.uuid4().hex,
        host=socket.gethostname(),
        started_at=time.time(),
        path=str(path),
    )
    adopted = _adopt(path, mine)
    if adopted is not None:
        return adopted, None
    fd = _take(path)
    if fd is None:
        current = holder(root)
        if current is not None and current.pid:
            raise busy(current)
        raise BusyError("the training lock is being taken by another process at this moment; start again")
    stale = _read(path)
    note = f"took over the lock of {stale.describe()}: that process is gone (stale lock)" if stale else None
    mine.fd = fd
    _write(path, mine)
    return mine, note


def _adopt(path: Path, mine: LockInfo) -> LockInfo | None:
    """The lock the app reserved for this child, now in this child's name; None when there is none to adopt."""
    token, fd = os.environ.get(TOKEN_ENV), os.environ.get(FD_ENV)
    current = _read(path)
    if not token or not fd or current is None or current.token != token:
        return None
    try:
        same = os.fstat(int(fd)).st_ino == os.stat(path.with_name(LOCK_FILE)).st_ino
    except (OSError, ValueError):
        return None
    if not same:
        return None
    adopted = LockInfo(**(current.payload() | {"pid": mine.pid, "run_dir": mine.run_dir}), path=str(path), fd=int(fd))
    _write(path, adopted)
    os.environ.pop(FD_ENV, None)  # adopted once: a second run in this process takes the lock anew
    return adopted


def hand_over(info: LockInfo) -> dict[str, str]:
    """The environment that lets a child adopt the lock `info` holds: pass `info.fd` in Popen's pass_fds, then
    `close_copy(info)` once the child has started, so that the child alone holds the lock."""
    return {TOKEN_ENV: info.token, FD_ENV: str(info.fd)}


def close_copy(info: LockInfo) -> None:
    """Close this process's descriptor of a lock handed to a child (the child's copy keeps it locked)."""
    if info.fd is not None:
        with contextlib.suppress(OSError):
            os.close(info.fd)
        info.fd = None


def release(info: LockInfo | None) -> None:
    """Give the lock back: remove the info file, close the descriptor (the kernel then releases the lock).

    Called without a descriptor (the app, once its child has ended), it removes the info file the child
    left if that child died without giving the lock back and nobody has taken it since.
    """
    if info is None:
        return
    path = info.file()
    fd = info.fd if info.fd is not None else _take(path, tries=1)
    if fd is None:
        return
    try:
        current = _read(path)
        if current is not None and current.token == info.token:
            path.unlink(missing_ok=True)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
        info.fd = None


def held_by(info: LockInfo) -> bool:
    """True while the lock is held under this reservation (its holder has not released it)."""
    current = holder(Path(info.file()).parent)
    return current is not None and current.token == info.token


def _write(path: Path, info: LockInfo) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info.payload()), encoding="utf-8")
    os.replace(tmp, path)
