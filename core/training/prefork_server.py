"""The prefork process: imports the trainer once, then forks each run the app asks for (see core.training.prefork).

`python -m core.training.prefork_server FD` with FD one end of a SOCK_SEQPACKET socket pair. Messages are JSON:

    prefork -> app   {"ready": pid} | {"refused": why} | {"started": pid} | {"exit": pid, "code": n}
    app -> prefork   {"module": "cli", "argv": [...], "env": {...}, "cwd": ..., "log": ...} with the lock's descriptor

A forked run is what a cold child would be: its own session, the run's environment and working folder, its
console in the run folder's process.txt, default signal handlers, fresh random seeds, the console script run as
`python -m cli` runs it (`runpy`, as `__main__`), the interpreter's exit handlers at its end. The prefork never
computes (an OpenMP pool used before a fork hangs the child), checks once that a forked child can, and exits
when the app is gone, leaving the runs it started alone: they hold the machine's lock, and a restarted app
re-attaches to them; an app closed while this still imports ends it at once.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import random
import runpy
import select
import signal
import socket
import sys
import threading
import traceback

# what a run's child imports before it trains: sentence-transformers alone takes seconds
PRELOAD = ("torch", "transformers", "sentence_transformers", "datasets", "core.training.job", "core.training.rerank")
MESSAGE = 1 << 20  # bytes: an environment and a command line fit many times over
PROBE_SECONDS = 30.0  # a forked child that cannot finish a small matrix product in this long is stuck


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    payload = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [payload], fds)
    else:
        sock.send(payload)


def serve(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app's Ctrl-C is for the app; this ends when the app is gone
    imported = threading.Event()
    watcher = threading.Thread(target=_exit_if_app_leaves, args=(sock, imported), daemon=True)
    watcher.start()
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    except Exception as exc:  # whatever fails here, runs start cold (and show it there)
        send(sock, {"refused": f"importing the trainer failed: {exc!r}"})
        return
    finally:
        imported.set()
        watcher.join()  # no thread of ours is left when the process forks
    why = _fork_probe()
    if why:
        send(sock, {"refused": why})
        return
    send(sock, {"ready": os.getpid()})
    children: set[int] = set()
    while True:
        readable, _, _ = select.select([sock], [], [], 0.2)
        _report_exits(sock, children)
        if not readable:
            continue
        try:
            payload, fds, _, _ = socket.recv_fds(sock, MESSAGE, 4)
        except OSError:
            return
        if not payload:  # the app is gone
            return
        try:
            children.add(_fork_run(sock, json.loads(payload), fds))
        finally:
            for passed in fds:  # the run holds the lock now; this process must not (or the lock outlives the run)
                with contextlib.suppress(OSError):
                    os.close(passed)


def _exit_if_app_leaves(sock: socket.socket, imported: threading.Event) -> None:
    """While the trainer is imported (seconds of CPU): an app closed meanwhile ends this process at once."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLHUP | getattr(select, "POLLRDHUP", 0))
    while not imported.is_set():
        if poller.poll(200):
            os._exit(0)


def _fork_probe() -> str | None:
    """Why forking is not safe here, or None: a forked child must finish a small multi-threaded product, and on a
    GPU one on the GPU (CUDA cannot be used in a child forked after its parent initialised it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            import torch

            devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
            for device in devices:
                x = torch.ones(256, 256, device=device)
                if float((x @ x).sum()) != 256.0**3:
                    os._exit(1)
            os._exit(0)
        except BaseException:
            os._exit(1)
    signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
    signal.setitimer(signal.ITIMER_REAL, PROBE_SECONDS)
    _, status = os.waitpid(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    code = os.waitstatus_to_exitcode(status)
    return None if code == 0 else f"a forked child could not compute (exit {code}); runs start cold"


def _fork_run(sock: socket.socket, request: dict, fds: list[int]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _become_run(sock, request, fds)  # never returns
    send(sock, {"started": pid})
    return pid


def _report_exits(sock: socket.socket, children: set[int]) -> None:
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            children.discard(pid)
            with contextlib.suppress(OSError):
                send(sock, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _become_run(sock: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the run's process (as `python -m cli train ...` started cold), run it, exit."""
    code: int = 1
    try:
        sock.close()
        os.setsid()
        for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.environ.clear()
        os.environ.update(request["env"])
        if fds:
            from core.runs.lock import FD_ENV

            os.environ[FD_ENV] = str(fds[0])  # the lock's descriptor, under its number in this process
        os.chdir(request["cwd"])
        sys.argv = list(request["argv"])
        _reseed()
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)  # what `python -m cli` does
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # what Python prints for an uncaught exception, and its exit code
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()  # what a normal interpreter exit runs (logging's flush among them)
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reseed() -> None:
    """Fresh random states, as a new interpreter has (the fork copied the prefork's)."""
    random.seed()
    with contextlib.suppress(ImportError):
        import numpy

        numpy.random.seed()
    with contextlib.suppress(ImportError):
        import torch

        torch.seed()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
