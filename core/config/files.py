"""A run's config as text: config.yaml (ours or AutoTrain's nested form), dashed CLI names, form values.

`from_mapping` builds a TrainConfig from any of them, coercing each value to its field's type
(`coerce`, one rule for "no value": `is_empty`); an unknown key is refused with the nearest known
name. The token is never written (`TrainConfig.to_dict` leaves it out).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from core.config.schema import TrainConfig, field_types
from core.errors import ConfigError

__all__ = ["IGNORED_KEYS", "coerce", "flatten_autotrain", "from_mapping", "is_empty", "load_config", "to_yaml"]

# AutoTrain keys that mean nothing to a local run; accepted so that its configs load unchanged.
IGNORED_KEYS = ("backend", "train")


def to_yaml(config: TrainConfig) -> str:
    return yaml.safe_dump(config.to_dict(), sort_keys=False)


def from_mapping(data: dict[str, Any]) -> TrainConfig:
    """Build from our flat keys, dashed CLI names or AutoTrain's nested YAML; values are coerced.

    Raises:
        ConfigError: an unknown key or a value of the wrong type.
    """
    flat = flatten_autotrain(dict(data))
    known = field_types()
    values, problems = {}, []
    for raw_key, value in flat.items():
        key = str(raw_key).replace("-", "_")
        if key in IGNORED_KEYS:
            continue
        if key not in known:
            hint = difflib.get_close_matches(key, list(known), n=1)
            problems.append(f"unknown setting '{raw_key}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            continue
        try:
            values[key] = coerce(key, value)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        raise ConfigError("; ".join(problems) + ".")
    return TrainConfig(**values)


def load_config(path: str | Path) -> TrainConfig:
    """Read a YAML config file (ours, or AutoTrain's nested form)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}' not found; check the path given to --config")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file '{path}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file '{path}' must hold a mapping of setting: value, not {type(data).__name__}")
    return TrainConfig.from_dict(data)


def flatten_autotrain(data: dict[str, Any]) -> dict[str, Any]:
    """Turn AutoTrain's nested YAML (task/base_model/data/params/hub) into our flat keys."""
    if not any(k in data for k in ("task", "base_model", "params", "hub")) and not isinstance(data.get("data"), dict):
        return data
    flat: dict[str, Any] = {}
    task = str(data.pop("task", ""))
    if ":" in task:
        flat["trainer"] = task.split(":", 1)[1]
    if "base_model" in data:
        flat["model"] = data.pop("base_model")
    section = data.pop("data", None) or {}
    if "path" in section:
        flat["data_path"] = section.pop("path")
    flat.update(section.pop("column_mapping", None) or {})
    flat.update(section)
    flat.update(data.pop("params", None) or {})
    flat.update(data.pop("hub", None) or {})
    flat.update(data)  # project_name, log, backend, ...
    return flat


def is_empty(value: Any) -> bool:
    """The one rule for "no value": None, or text that is empty or says none/null (after stripping)."""
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def coerce(name: str, value: Any) -> Any:
    """Coerce a YAML, CLI or form value to the field's type; ValueError names what was expected."""
    kind = field_types()[name]
    if name == "mixed_precision" and (is_empty(value) or str(value).lower() in ("no", "fp32", "false")):
        return "no"
    if is_empty(value):
        if kind.optional:
            return None
        if value is None or kind.base is not str:
            raise ValueError("a value is required")
    if kind.base is list:
        items = value if isinstance(value, list) else str(value).split(",")
        items = [str(v).strip() for v in items if str(v).strip()]
        if kind.item is int:
            try:
                return [int(v) for v in items]
            except ValueError:
                raise ValueError(f"'{value}' is not a comma-separated list of integers, e.g. 384,256,128,64") from None
        return items or None
    if kind.base is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"'{value}' is not true or false")
    if kind.base is int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a whole number") from None
        if not number.is_integer():
            raise ValueError(f"'{value}' is not a whole number")
        return int(number)
    if kind.base is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a number") from None
    return str(value)
