"""The page's words for a message the core writes for the console (one message, two renderings).

Core messages name a setting by its TrainConfig field (`lr: 0 must be greater than 0`) or by its
console flag (`(--data-path)`, `--lr 2e-05`). On the page a person sees tabs and field labels, so
`on_page` renders both as the label and its tab: “Learning rate” (Model & trainer tab); a flag in
parentheses after a problem that names its field already is left out. Plain words
that happen to be field names (model, loss, seed) are rewritten only where a message names the
field, at the start of one of its problems (`model: missing`), never inside a sentence.
"""

from __future__ import annotations

import functools
import re

__all__ = ["field_words", "on_page"]

DATA, MODEL = "Data", "Model & trainer"
# where the page's label differs from the schema's (core.config.schema), or the field is not a form box
PAGE_LABELS = {
    "data_path": (DATA, "Table"),
    "train_split": (DATA, "Table"),
    "valid_split": (DATA, "Validation file"),
    "sentence1_column": (DATA, "Roles: first text (anchor / question)"),
    "sentence2_column": (DATA, "Roles: second text (positive / answer)"),
    "sentence3_column": (DATA, "Roles: third text (negative)"),
    "target_column": (DATA, "Roles: score or label"),
    "model": (MODEL, "Base model"),
    "trainer": (MODEL, "Trainer type"),
    "score_min": (MODEL, "Score min"),
    "score_max": (MODEL, "Score max"),
}


def field_words(name: str, value: str = "") -> str:
    """How the page names a setting (and a value for it): “its label” (the tab it is on)."""
    from core.config import field_info

    tab, label = PAGE_LABELS.get(name) or (MODEL, re.sub(r"\s*\(.*\)\s*$", "", field_info(name)["label"]))
    return f"“{label}”" + (f" {value}" if value else "") + f" ({tab} tab)"


@functools.cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    from core.config import field_types

    names = sorted(field_types(), key=len, reverse=True)  # score_min before a shorter name inside it
    out = []
    for name in names:
        words = field_words(name)
        flag = "--" + name.replace("_", "-")
        out.append((re.compile(rf"\s*\(\s*{re.escape(flag)}\s*\)"), ""))  # "(--data-path)": the problem names it already
        # "--lr 2e-05", "--mine-negatives": the flag and the value after it
        with_value = re.compile(rf"{re.escape(flag)}(?![\w-])(?:\s+(?!--)([^\s),;]+))?")
        out.append((with_value, lambda m, name=name: field_words(name, m.group(1) or "")))
        out.append((re.compile(rf"(^|;\s+|\n)(?:{re.escape(name)}):(?=\s)"), rf"\g<1>{words}:"))  # "lr: 0 must be ..."
        if "_" in name:  # a name no sentence uses as a word: "declare score_min/score_max"
            out.append((re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])"), words))
    return out


def on_page(message: str) -> str:
    """`message` with every field and console flag it names given as the page's label and tab."""
    for pattern, words in _patterns():
        message = pattern.sub(words, message)
    return message
