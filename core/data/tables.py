"""Read a table from a file, a folder of splits, or a Hub dataset, as found in the wild.

Formats are told by content first and extension second: Parquet (magic bytes), JSON (array,
records or columns), JSONL, and delimited text (comma, tab, semicolon or pipe, found by the
most consistent count per line). Text that is not UTF-8 is detected and decoded, and the
encoding reported. A delimited file without a header row gets columns `column_1, column_2, ...`.
Quotes are honoured as CSV quoting unless that breaks the rows, in which case they are read as
plain characters (MRPC's TSV has unescaped quotes). `ReadInfo` records all of it for the report.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from core.data.roles import SYNONYMS
from core.errors import DataError

__all__ = ["ReadInfo", "looks_like_hub_id", "read_file", "read_source"]

READ_KEEP = 4  # files kept parsed (read_file)
_READ: OrderedDict[tuple, tuple[pd.DataFrame, ReadInfo]] = OrderedDict()
_READ_LOCK = threading.Lock()
SPLIT_EXTENSIONS = (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".txt")
DELIMITERS = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
KNOWN_NAMES = {name for names in SYNONYMS.values() for name in names if len(name) > 2}
csv.field_size_limit(1 << 28)


@dataclass
class ReadInfo:
    """What reading found, for the data report."""

    source: str
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    header: str | None = None  # "found" | "absent: columns named column_1.." | None for JSON/Parquet
    quoting: str | None = None
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def read_source(data_path: str, split: str) -> tuple[pd.DataFrame, ReadInfo]:
    """Read one split from a file, a folder holding `{split}.<ext>`, or a Hub dataset id.

    Args:
        data_path: a file, a folder, or `owner/name[:config]` on the Hub.
        split: the split name; for a single file, `train` means the file itself, and any
            other value may be the path of a second file.
    """
    path = Path(data_path)
    if path.is_dir():
        candidates = [path / f"{split}{ext}" for ext in SPLIT_EXTENSIONS]
        found = [c for c in candidates if c.is_file()]
        if not found:
            files = sorted(p.name for p in path.iterdir() if p.is_file())
            raise DataError(
                f"folder '{data_path}' has no file for split '{split}' (looked for {split}.csv, .tsv, .jsonl, "
                f".json, .parquet); files found: {', '.join(files) or 'none'}. Name the file {split}.csv, "
                f"or point --data-path at the file itself"
            )
        return read_file(found[0])
    if path.is_file():
        if split == "train":
            return read_file(path)
        other = Path(split)
        if other.is_file():
            return read_file(other)
        raise DataError(
            f"split '{split}' was asked for, but '{data_path}' is a single file; give a folder holding "
            f"{split}.csv, or the path of the validation file"
        )
    if looks_like_hub_id(data_path):
        from core.data.hub_source import read_hub_split

        return read_hub_split(data_path, split)
    raise DataError(f"data file '{data_path}' not found; check the path (relative paths start at {Path.cwd()})")


def read_file(path: str | Path) -> tuple[pd.DataFrame, ReadInfo]:
    """Read one file, by content and extension. Raises DataError with the fix on anything unreadable.

    The last few files read are kept, keyed by path, size and modification time, so that the Data tab's
    report after each role change does not parse the whole upload again; a changed file is read anew.
    Callers get a copy (pandas copies on write), so nothing they do reaches the kept table.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file '{path}' not found; check the path")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _READ_LOCK:
        if key in _READ:
            _READ.move_to_end(key)
            df, info = _READ[key]
            return df.copy(), dataclasses.replace(info, notes=list(info.notes))
    df, info = _parse_file(path)
    with _READ_LOCK:
        _READ[key] = (df, info)
        while len(_READ) > READ_KEEP:
            _READ.popitem(last=False)
    return df.copy(), dataclasses.replace(info, notes=list(info.notes))


def _parse_file(path: Path) -> tuple[pd.DataFrame, ReadInfo]:
    info = ReadInfo(source=str(path))
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"data file '{path.name}' is empty; it needs a header row and at least one row of data")
    if raw[:4] == b"PAR1":
        info.format = "parquet"
        try:
            df = pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:  # pyarrow raises many types for a damaged file
            raise DataError(f"'{path.name}' looks like Parquet but cannot be read ({exc}); re-export it") from None
        return _finish(df, info, path)
    if raw[:4] == b"PK\x03\x04":
        raise DataError(
            f"'{path.name}' is a zip archive (an Excel workbook saved as .xlsx is one); "
            "save the sheet as CSV (File > Save as > CSV UTF-8) and upload that"
        )
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f"'{path.name}' is an Excel 97-2003 workbook (.xls); save the sheet as CSV (File > Save as > CSV UTF-8) "
            "and upload that"
        )
    text, info.encoding = _decode(raw, path.name)
    stripped = text.lstrip()
    if stripped[:5].lower() in ("<!doc", "<html", "<?xml") or stripped[:1] == "<":
        raise DataError(
            f"'{path.name}' is a web page or XML, not a table; export the data as CSV, TSV, JSON or Parquet and upload that"
        )
    if stripped[:1] in ("[", "{"):
        df = _read_json(stripped, info, path.name, path.suffix.lower())
    else:
        df = _read_delimited(text, info, path)
    return _finish(df, info, path)


# ---------------------------------------------------------------------- decoding
def _decode(raw: bytes, name: str) -> tuple[str, str]:
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, encoding in boms:
        if raw.startswith(bom):
            return raw.decode(encoding), encoding
    head = raw[:8192]
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
        raise DataError(
            f"'{name}' is binary, not a table; upload CSV, TSV, JSON, JSONL or Parquet (a spreadsheet must be saved as CSV first)"
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise DataError(
            f"'{name}' is not UTF-8 (byte {bad_at} is invalid) and its encoding could not be told; "
            "save it as UTF-8 and upload again"
        )
    return str(best), best.encoding


# ---------------------------------------------------------------------- JSON
def _read_json(text: str, info: ReadInfo, name: str, suffix: str) -> pd.DataFrame:
    try:
        data = json.loads(text)
        info.format = "json"
    except json.JSONDecodeError as exc:
        if text[:1] != "{" or "Extra data" not in str(exc):
            raise DataError(f"'{name}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        data = None
    if data is None:  # several objects: JSON Lines
        info.format = "jsonl"
        data = _json_lines(text, name)
    if isinstance(data, dict) and suffix in (".jsonl", ".ndjson") and not any(isinstance(v, list) for v in data.values()):
        info.format = "jsonl"  # a JSONL file of one row
        data = [data]
    if isinstance(data, dict):
        lists = {k: v for k, v in data.items() if isinstance(v, list)}
        if lists and len(lists) == len(data) and len({len(v) for v in lists.values()}) == 1:
            info.notes.append("JSON object of columns")
            return pd.DataFrame(lists)
        records = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        if len(records) == 1:
            key = next(k for k, v in data.items() if v is records[0])
            info.notes.append(f"rows read from the list under key '{key}'")
            data = records[0]
        else:
            raise DataError(
                f'\'{name}\' holds one JSON object; expected a list of rows like [{{"sentence1": ..., "sentence2": ...}}] '
                "or one object per line (JSONL)"
            )
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError(f'\'{name}\' must be a list of objects (rows), e.g. [{{"sentence1": "a", "sentence2": "b"}}]')
    if not data:
        raise DataError(f"'{name}' holds no rows")
    return pd.DataFrame.from_records(data)


def _json_lines(text: str, name: str) -> list[dict]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(
                f"'{name}' line {number} is not valid JSON ({err.msg}); each line of JSONL holds one object"
            ) from None
        if not isinstance(record, dict):
            raise DataError(f"'{name}' line {number} holds {type(record).__name__}, not an object like {{\"sentence1\": ...}}")
        records.append(record)
    return records


# ---------------------------------------------------------------------- delimited text
def _read_delimited(text: str, info: ReadInfo, path: Path) -> pd.DataFrame:
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    delimiter = _sniff_delimiter(lines, path.suffix.lower())
    info.format = "tsv" if delimiter == "\t" else "csv"
    info.delimiter = DELIMITERS.get(delimiter, delimiter)
    rows, info.quoting = _parse_rows(text, delimiter, path.name)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError(f"'{path.name}' holds no rows")
    width = len(rows[0])
    if len(rows) == 1:
        raise DataError(f"'{path.name}' holds only a header row ({', '.join(rows[0])}); add rows of data below it")
    if _looks_like_header(rows[0], rows[1:]):
        names = [cell.strip() or f"column_{i + 1}" for i, cell in enumerate(rows[0])]
        names = _dedupe(names, info)
        body = rows[1:]
        info.header = "found"
    else:
        names = [f"column_{i + 1}" for i in range(width)]
        body = rows
        info.header = f"absent: no header row, columns named column_1..column_{width}"
    df = pd.DataFrame(body, columns=names, dtype=object)
    for column in df.columns:
        df[column] = _maybe_numeric(df[column])
    return df


def _sniff_delimiter(lines: list[str], suffix: str) -> str:
    """The delimiter whose count per line is most consistent (ties: the extension's, then tab).

    Only delimiters found in the first line compete when any is: texts may hold commas, a header
    rarely does (a semicolon-separated file of sentences with commas stays semicolon-separated).
    """
    best, best_score = None, 0.0
    preferred = "\t" if suffix in (".tsv", ".tab", ".txt") else ","
    in_first = [d for d in DELIMITERS if lines and lines[0].count(d)]
    for delim in sorted(in_first or DELIMITERS, key=lambda d: (d != preferred, d != "\t")):
        counts = [line.count(delim) for line in lines]
        mode, hits = Counter(counts).most_common(1)[0]
        if mode == 0:
            continue
        score = hits / len(counts)
        if score > best_score + 0.05:
            best, best_score = delim, score
    if best is None:
        return preferred  # one column
    return best


def _parse_rows(text: str, delimiter: str, name: str) -> tuple[list[list[str]], str]:
    """Parse with CSV quoting; fall back to quotes-as-text when quoting breaks the rows."""
    quoted = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    plain = list(csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_NONE))
    quoted_bad, plain_bad = _first_ragged(quoted), _first_ragged(plain)
    if quoted_bad is None and (plain_bad is not None or len(plain) == len(quoted)):
        return quoted, "csv quoting"
    if plain_bad is None:
        return plain, "quotes read as text (they do not delimit fields in this file)"
    index, width, got = quoted_bad
    raise DataError(
        f"'{name}' row {index + 1} has {got} fields where the first row has {width}; "
        "check the delimiter and quoting of that row (a text holding the delimiter must be quoted)"
    )


def _first_ragged(rows: list[list[str]]) -> tuple[int, int, int] | None:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return None
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            return index, width, len(row)
    return None


NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _is_number(cell: str) -> bool:
    return bool(NUMBER.match(cell.strip()))


def _looks_like_header(first: list[str], body: list[list[str]]) -> bool:
    """True when the first row names the columns rather than holding data."""
    sample = body[:200]
    for j, cell in enumerate(first):
        values = [r[j].strip() for r in sample if r[j].strip()]
        if values and sum(map(_is_number, values)) >= 0.9 * len(values) and cell.strip() and not _is_number(cell):
            return True  # a numeric column whose first cell is a word
    cells = [c.strip() for c in first]
    if not all(cells) or len(set(cells)) != len(cells) or any(_is_number(c) for c in cells):
        return False
    if any(len(c) > 40 or re.search(r"[.?!]$", c) for c in cells):
        return False
    if any(re.sub(r"[^a-z0-9]", "", c.lower()) in KNOWN_NAMES for c in cells):
        return True  # sentence1, anchor, question, score, label, ...
    head_len = sum(map(len, cells)) / len(cells)
    body_cells = [c.strip() for r in sample for c in r if c.strip()]
    body_len = sum(map(len, body_cells)) / max(1, len(body_cells))
    identifiers = all(re.fullmatch(r"[\w#-]+", c) for c in cells)  # names rarely hold spaces; texts do
    return head_len * (1.5 if identifiers else 2) <= body_len


def _maybe_numeric(series: pd.Series) -> pd.Series:
    """Numbers stay numbers when every non-empty cell is one; empty cells become missing."""
    values = series.astype(str).str.strip()
    non_empty = values[values != ""]
    if len(non_empty) and non_empty.map(_is_number).all():
        return pd.to_numeric(values.replace("", None), errors="coerce")
    return series


def _dedupe(names: list[str], info: ReadInfo) -> list[str]:
    seen: Counter = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    if out != names:
        renamed = [n for n, o in zip(out, names, strict=True) if n != o]
        info.notes.append("duplicate column names were numbered: " + ", ".join(renamed))
    return out


def _finish(df: pd.DataFrame, info: ReadInfo, path: Path) -> tuple[pd.DataFrame, ReadInfo]:
    df.columns = [str(c) for c in df.columns]
    if len(df) == 0:
        raise DataError(f"'{path.name}' holds no rows of data")
    info.rows = len(df)
    info.columns = list(df.columns)
    return df, info


def looks_like_hub_id(value: str) -> bool:
    """True for `owner/name[:config[:split]]`, which is read from the Hub rather than the disk."""
    repo = value.split(":", 1)[0]
    return bool(re.fullmatch(r"[\w.-]+/[\w.-]+", repo)) and not value.startswith((".", "/"))
