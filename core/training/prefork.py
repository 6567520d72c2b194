"""A warm process for the app's runs: the trainer imported once, each run forked from it.

A run's child spends its first seconds importing torch, transformers and sentence-transformers (about 6 s
of CPU on a 2-core machine). The app keeps one prefork process (core.training.prefork_server) that has done
those imports and waits; a run is forked from it, copy-on-write, and starts training about as soon as the
button is pressed. The forked run is what a cold child would be (the same command line, environment, session,
console log and lock hand-over); the prefork reports its exit status, a signal as a negative code as
subprocess does, so `Forked` answers what the supervisor asks of a `subprocess.Popen`.

A run is forked only when that is the same as starting it cold: the prefork has answered ready (its imports
done, and a test child forked from it could compute), its environment is the one the run gets apart from
the studio's own variables (read when used, never at import), and the command is `python -m <module> ...` with
this interpreter (the console script's, `child_command`).
Otherwise `spawn` returns None, the run starts cold as before, and a prefork with the app's present
environment is started for the next one. `SBERT_STUDIO_PREFORK=0` turns it off.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from core.training.prefork_server import MESSAGE, send

__all__ = ["PREFORK_ENV", "Forked", "spawn", "warm_up"]

PREFORK_ENV = "SBERT_STUDIO_PREFORK"  # "0": every run starts cold
ROOT = Path(__file__).resolve().parents[2]
READY_WAIT = 120.0  # seconds a run waits for a prefork that is still importing, before it starts cold
log = logging.getLogger("sbert_studio")


# what torch writes into the environment of a process that imports it (the app, once it has loaded a model), with
# the value it would give the prefork too: not a difference between them
SET_BY_LIBRARIES = ("TORCHINDUCTOR_CACHE_DIR",)


def run_scoped(key: str) -> bool:
    """Variables a run may have that its prefork did not: read when used, never when a module is imported."""
    return key.startswith("SBERT_STUDIO_") or key in ("SPACE_ID", "SPACE_AUTHOR_NAME", *SET_BY_LIBRARIES)


def _base(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not run_scoped(k)}


class Forked:
    """A run forked by the prefork, as the supervisor sees a child: pid, poll, wait, send_signal, kill."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(f"run process {self.pid}", timeout or 0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if not self._done.is_set():
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _exited(self, code: int | None) -> None:
        self.returncode = code
        self._done.set()

    def _lost(self) -> None:
        """The prefork died before it could report: wait until the process is gone; its exit code is unknown."""
        while not _gone(self.pid):
            time.sleep(0.5)
        self._exited(None)


def _gone(pid: int) -> bool:
    """The process has ended: it no longer exists, or it is a zombie nobody has reaped (Linux)."""
    if os.path.isdir("/proc/self"):
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


class Prefork:
    """The app's end of one prefork process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.ready = threading.Event()
        self.usable = False
        self.retired = False
        self._children: dict[int, Forked] = {}
        self._started: queue.Queue[Forked | None] = queue.Queue()
        self._send = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "core.training.prefork_server", str(theirs.fileno())],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), start_new_session=True,
            )  # fmt: skip
        finally:
            theirs.close()
        self.sock = ours
        threading.Thread(target=self._read, name="prefork", daemon=True).start()

    def fits(self, env: dict[str, str]) -> bool:
        return not self.retired and _base(env) == _base(self.env)

    def fork(self, module: str, argv: list[str], env: dict[str, str], log_path: Path, fd: int) -> Forked | None:
        """Fork `python -m module argv...` with this environment; None when the prefork cannot."""
        if not self.ready.wait(READY_WAIT) or not self.usable:
            return None
        request = {"module": module, "argv": [module, *argv], "env": env, "cwd": os.getcwd(), "log": str(log_path)}
        with self._send:
            try:
                send(self.sock, request, [fd])
            except OSError:
                return None
            return self._started.get()

    def retire(self) -> None:
        """No new runs from this prefork; it ends once the app is gone (its runs go on)."""
        self.retired = True
        if not self._children:
            self.close()

    def close(self) -> None:
        self.retired = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read(self) -> None:
        while True:
            try:
                payload = self.sock.recv(MESSAGE)
            except OSError:
                payload = b""
            if not payload:
                break
            message = json.loads(payload)
            if "ready" in message:
                self.usable = True
                self.ready.set()
            elif "refused" in message:
                log.info("runs start cold: %s", message["refused"])
                self.ready.set()
            elif "started" in message:
                child = self._children[message["started"]] = Forked(message["started"])
                self._started.put(child)
            elif "exit" in message:
                child = self._children.pop(message["exit"], None)
                if child is not None:
                    child._exited(message["code"])
                if self.retired and not self._children:
                    self.close()
        self.usable = False
        self.ready.set()
        self._started.put(None)
        for child in list(self._children.values()):
            threading.Thread(target=child._lost, daemon=True).start()
        self._children.clear()
        self.sock.close()
        if self.process.poll() is None:
            self.process.wait()


_current: Prefork | None = None
_guard = threading.Lock()


def enabled() -> bool:
    return os.environ.get(PREFORK_ENV, "1") != "0"


def warm_up(env: dict[str, str]) -> None:
    """Start a prefork with `env` (the app's environment for its runs) unless one that fits is there."""
    global _current
    if not enabled():
        return
    with _guard:
        if _current is not None and _current.fits(env) and _current.process.poll() is None:
            return
        if _current is not None:
            _current.retire()
        _current = Prefork({k: v for k, v in env.items() if not run_scoped(k)})


def spawn(command: list[str], env: dict[str, str], log_path: Path, fd: int) -> Forked | None:
    """The run `command` (`python -m cli train ...`) forked from the warm prefork; None: start it cold (a prefork
    fitting this environment is then started for the next run)."""
    if not enabled() or command[:2] != [sys.executable, "-m"]:
        return None
    with _guard:
        prefork = _current
    forked = None
    if prefork is not None and prefork.fits(env):
        forked = prefork.fork(command[2], command[3:], env, log_path, fd)
    if forked is None:
        warm_up(env)
    return forked
