"""The bad-input corpus: malformed and hostile tables, written on the fly (no binary fixtures in git).

Each case is (name, file name, content, outcome): content is bytes, or a callable writing the
file; outcome is `None` when the studio should read the table and suggest a trainer, else a
fragment of the message a person must get (which names the problem and the fix). The README's
table of bad inputs is this list; tests/test_bad_inputs.py runs each through the data tab's
handler and through the console script.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

PAIRS = [(f"A man plays a guitar, take {i}.", f"Someone plays music, take {i}.", round(i % 6 * 0.9, 1)) for i in range(24)]


def _csv(rows, header=("sentence1", "sentence2", "score"), sep=",") -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=list(header)).to_csv(out, index=False, sep=sep)
    return out.getvalue().encode()


def _parquet(df: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    df.to_parquet(out)
    return out.getvalue()


def _scores(values) -> list:
    return [(f"first text {i}", f"second text {i}", v) for i, v in enumerate(values)]


LONG = "word " * 20_000  # 100,000 characters
CASES: list[tuple[str, str, bytes, str | None]] = [
    ("empty file", "empty.csv", b"", "is empty"),
    ("only blank lines", "blank.csv", b"\n\n  \n", "is empty"),
    ("header only", "header.csv", b"sentence1,sentence2,score\n", "only a header"),
    ("binary junk", "junk.csv", bytes(range(256)) * 8, "is binary, not a table"),
    ("an .xlsx workbook renamed .csv", "sheet.csv", b"PK\x03\x04" + b"\x00" * 200, "save the sheet as CSV"),
    ("an old .xls workbook renamed .csv", "old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "Excel 97-2003"),
    ("semicolon-separated .csv", "semi.csv", _csv(PAIRS, sep=";"), None),
    ("tab-separated .csv", "tabs.csv", _csv(PAIRS, sep="\t"), None),
    ("quoted newlines inside texts", "newlines.csv", _csv([("line one\nline two", "b c", i % 5) for i in range(20)]), None),
    ("CRLF line endings", "crlf.csv", _csv(PAIRS).replace(b"\n", b"\r\n"), None),
    ("UTF-8 with a BOM", "bom.csv", b"\xef\xbb\xbf" + _csv(PAIRS), None),
    (
        "latin-1 encoded",
        "latin1.csv",
        _csv([("café crème", "thé noir", i % 5) for i in range(20)]).decode().encode("latin-1"),
        None,
    ),
    ("UTF-16 encoded", "utf16.csv", _csv(PAIRS).decode().encode("utf-16"), None),
    ("ragged rows", "ragged.csv", _csv(PAIRS) + b"one,two,3,four,five\n", "row"),
    ("duplicate column names", "dupes.csv", b"text,text,score\n" + b"a b,c d,1\n" * 10 + b"e f,g h,4\n" * 10, None),
    (
        "column names with spaces and unicode",
        "names.csv",
        _csv(PAIRS, header=("première phrase", "zweiter Satz", "note 0-5")),
        None,
    ),
    (
        "mixed types in the score column",
        "mixed.csv",
        _csv(_scores([1.0, 2.5, 3.0] * 7 + [1.0, "high", 3.0])),
        "row 23 holds 'high'",
    ),
    ("NaN scores", "nan.csv", _csv(_scores([1.0, float("nan"), 3.0] * 8)), None),
    ("an infinite score", "inf.csv", _csv(_scores([1.0, 2.5, 3.0] * 7 + [float("inf"), 1.0, 3.0])), "holds 'inf'"),
    ("text labels", "labels.csv", _csv([("a b", "c d", "yes"), ("e f", "g h", "no")] * 12, header=("s1", "s2", "label")), None),
    ("one class only", "oneclass.csv", _csv([("a b", "c d", "yes")] * 24, header=("s1", "s2", "label")), "one class"),
    ("a single row", "onerow.csv", _csv(PAIRS[:1]), "only 1 usable training row"),
    ("texts of 100,000 characters", "long.csv", _csv([(LONG, "short text", i % 5) for i in range(20)]), None),
    (
        "a JSON array in a .jsonl file",
        "array.jsonl",
        json.dumps([dict(zip(("sentence1", "sentence2", "score"), r, strict=True)) for r in PAIRS]).encode(),
        None,
    ),
    (
        "JSON lines in a .json file",
        "lines.json",
        "".join(json.dumps(dict(zip(("sentence1", "sentence2", "score"), r, strict=True))) + "\n" for r in PAIRS).encode(),
        None,
    ),
    (
        "nested JSON values",
        "nested.jsonl",
        "".join(json.dumps({"sentence1": {"text": "a"}, "sentence2": ["b"], "score": 1}) + "\n" for _ in range(20)).encode(),
        "nested",
    ),
    ("a broken JSON line", "broken.jsonl", b'{"sentence1": "a", "sentence2": "b", "score": 1}\n{"sentence1": "a",\n' * 3, "line"),
    ("a JSON array of numbers", "scalar.json", b"[1, 2, 3]", "must be a list of objects"),
    ("a saved web page", "page.csv", b"<!DOCTYPE html><html><body><table><tr><td>a</td></tr></table></body></html>", "web page"),
    ("numbers only, no texts", "numbers.csv", b"a,b,c\n" + b"1,2,3\n" * 20, "2 text column(s)"),
    ("a single text column, no target", "single.csv", b"text\n" + b"just one text here\n" * 20, "2 text column(s)"),
    ("every text empty", "emptytexts.csv", b"sentence1,sentence2,score\n" + b",,1\n" * 20, "every training row was dropped"),
    ("half the texts empty", "halfempty.csv", _csv(PAIRS) + b",,1\n" * 10, None),
    (
        "the header repeated mid-file",
        "repeat.csv",
        _csv(PAIRS) + b"sentence1,sentence2,score\n" + _csv(PAIRS).split(b"\n", 1)[1],
        "'score'",
    ),
    ("a damaged Parquet file", "broken.parquet", b"PAR1" + b"\x00" * 64, "Parquet"),
    (
        "Parquet with a list column",
        "lists.parquet",
        _parquet(pd.DataFrame({"sentence1": [["a", "b"]] * 20, "sentence2": ["c d"] * 20})),
        "nested",
    ),
    ("NUL bytes inside a text", "nul.csv", _csv(PAIRS).replace(b"take 3", b"take\x003"), "binary"),
    (
        "a very wide table",
        "wide.csv",
        _csv([tuple(f"cell {i} {j}" for j in range(300)) for i in range(20)], header=tuple(f"c{j}" for j in range(300))),
        None,
    ),
    ("a file name climbing out with ../", "../../escape.csv", _csv(PAIRS), None),
    ("a file name with spaces and unicode", "mes données (v2).csv", _csv(PAIRS), None),
    ("only a header and blank rows", "blankrows.csv", b"sentence1,sentence2,score\n,,\n,,\n", "only a header"),
    ("a score column of words", "words.csv", _csv(_scores(["high", "low"] * 12)), None),
]


def write_case(folder: Path, name: str) -> Path:
    """Write the case's file into `folder` (a name with ../ is kept inside it) and return its path."""
    _, file_name, content, _ = next(c for c in CASES if c[0] == name)
    path = folder / Path(file_name).name
    path.write_bytes(content)
    return path
