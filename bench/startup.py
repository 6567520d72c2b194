"""Start-up time: `python app.py` against a bare Gradio hello-world, until each serves its page.

Each run is a fresh process, the two alternating; the clock runs from spawning the process to
the first HTTP 200 on "/". The figure of merit is the ratio of the medians, app / hello-world
(goal <= 1.5): the app imports torch and sentence-transformers only on first use, so it should
cost little more than Gradio itself.

    python bench/startup.py                  # 5 runs each
    python bench/startup.py --repeats 1 --out DIR   # smoke test
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import RESULTS, describe, write  # noqa: E402

GOAL = 1.5
HELLO = """
import os
import gradio as gr

demo = gr.Interface(lambda name: "Hello " + name, "text", "text")
demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_page(command: list[str], timeout: float = 180) -> float:
    """Seconds from spawning `command` to the first 200 on its "/", then the process is ended."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"{command} exited with {proc.returncode} before serving its page")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"{command} served no page within {timeout} s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        commands = {"hello_world": [sys.executable, str(hello)], "app": [sys.executable, "app.py"]}
        time_to_page(commands["hello_world"])  # warm the file cache once, for both (same imports)
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, command in commands.items():
                runs[name].append(round(time_to_page(command), 3))

    medians = {name: statistics.median(values) for name, values in runs.items()}
    ratio = medians["app"] / medians["hello_world"]
    data = {"machine": describe(), "runs": runs, "medians": medians, "ratio": round(ratio, 3), "goal": GOAL}
    table = (
        "# Start-up time: seconds from process start to the page served\n\n"
        f"Machine: {data['machine']['cpu']}, {data['machine']['cores']} cores, {data['machine']['gpu'] or 'no GPU'}\n\n"
        "| | median s | runs |\n|---|---|---|\n"
        + "".join(f"| {name} | {medians[name]:.2f} | {', '.join(f'{v:.2f}' for v in runs[name])} |\n" for name in runs)
        + f"\n**app / hello-world: {ratio:.2f}** (goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'})\n"
    )
    write("startup", data, table, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
