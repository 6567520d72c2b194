"""The run configuration: its schema (`schema`), its text forms (`files`: YAML, AutoTrain's nested form,
CLI and form values) and the checks of its values (`checks`). Import from here."""

from core.config.files import IGNORED_KEYS, is_empty, load_config
from core.config.schema import (
    ADVANCED_GROUPS,
    BASIC,
    MINING_MARGIN,
    FieldType,
    TrainConfig,
    field_info,
    field_types,
    fields_in,
)

__all__ = [
    "ADVANCED_GROUPS",
    "BASIC",
    "IGNORED_KEYS",
    "MINING_MARGIN",
    "FieldType",
    "TrainConfig",
    "field_info",
    "field_types",
    "fields_in",
    "is_empty",
    "load_config",
]
