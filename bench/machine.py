"""What machine a benchmark ran on, and where its results go."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def describe() -> dict:
    """CPU model and cores, GPU name when there is one, and the versions that matter."""
    import sentence_transformers
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": gpu,
        "device": "cuda" if gpu else "cpu",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
    }


def write(name: str, data: dict, table: str, out: Path = RESULTS) -> tuple[Path, Path]:
    """Write `<name>.json` and `<name>.md` under `out`, and show the table and where it went."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{name}.json", out / f"{name}.md"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(table, encoding="utf-8")
    print(table)
    print(f"written: {json_path} {md_path}")
    return json_path, md_path
