"""Reading tables as they are found: formats by content, headers, encodings, and unreadable files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import write_csv, write_jsonl

from core.data.tables import read_file, read_source
from core.errors import DataError

ROWS = [["A man plays a guitar.", "Someone plays music.", 4.5], ["A dog runs.", "A cat sleeps.", 0.5]]


def test_csv_with_a_header(tmp_path):
    df, info = read_file(write_csv(tmp_path / "d.csv", ["sentence1", "sentence2", "score"], ROWS))
    assert list(df.columns) == ["sentence1", "sentence2", "score"]
    assert info.header == "found" and info.format == "csv" and len(df) == 2
    assert df["score"].dtype.kind == "f"


def test_a_file_without_a_header_gets_numbered_columns_and_the_report_says_so(tmp_path):
    df, info = read_file(write_csv(tmp_path / "d.csv", None, ROWS))
    assert list(df.columns) == ["column_1", "column_2", "column_3"]
    assert len(df) == 2 and info.header.startswith("absent")


def test_tsv_is_found_by_content_whatever_the_extension(tmp_path):
    df, info = read_file(write_csv(tmp_path / "d.txt", ["anchor", "positive"], [r[:2] for r in ROWS], delimiter="\t"))
    assert info.format == "tsv" and list(df.columns) == ["anchor", "positive"]


def test_json_array_json_columns_and_jsonl(tmp_path):
    records = [{"sentence1": r[0], "sentence2": r[1], "score": r[2]} for r in ROWS]
    (tmp_path / "a.json").write_text(json.dumps(records))
    (tmp_path / "c.json").write_text(json.dumps({k: [r[k] for r in records] for k in records[0]}))
    write_jsonl(tmp_path / "l.jsonl", records)
    for name, fmt in (("a.json", "json"), ("c.json", "json"), ("l.jsonl", "jsonl")):
        df, info = read_file(tmp_path / name)
        assert info.format == fmt and list(df.columns) == ["sentence1", "sentence2", "score"] and len(df) == 2


def test_jsonl_saved_as_json_is_still_read(tmp_path):
    write_jsonl(tmp_path / "wrong.json", [{"a": "x", "b": "y"}, {"a": "z", "b": "w"}])
    df, info = read_file(tmp_path / "wrong.json")
    assert info.format == "jsonl" and len(df) == 2


def test_parquet_by_its_magic_bytes(tmp_path):
    pd.DataFrame({"sentence1": ["a b", "c d"], "sentence2": ["e f", "g h"]}).to_parquet(tmp_path / "d.bin")
    df, info = read_file(tmp_path / "d.bin")
    assert info.format == "parquet" and len(df) == 2


def test_a_folder_of_splits(tmp_path):
    write_csv(tmp_path / "train.csv", ["sentence1", "sentence2"], [r[:2] for r in ROWS])
    write_jsonl(tmp_path / "valid.jsonl", [{"sentence1": "x y", "sentence2": "z w"}])
    assert len(read_source(str(tmp_path), "train")[0]) == 2
    assert len(read_source(str(tmp_path), "valid")[0]) == 1
    with pytest.raises(DataError, match="no file for split 'test'.*train.csv, valid.jsonl"):
        read_source(str(tmp_path), "test")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_non_utf8_text_is_detected_and_read(tmp_path, encoding):
    path = tmp_path / "d.csv"
    text = "sentence1,sentence2\n" + "".join(
        f"Le café numéro {i} est très élégant,Un thé glacé à Zürich {i}\n" for i in range(20)
    )
    path.write_bytes(text.encode(encoding))
    df, info = read_file(path)
    assert df["sentence1"][0] == "Le café numéro 0 est très élégant"
    assert info.encoding and info.encoding.lower() != "utf-8"


def test_utf16_with_a_bom_is_read(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("sentence1,sentence2\nÜber alles,naïve façade\nzwei drei,vier fünf\n".encode("utf-16"))
    df, info = read_file(path)
    assert df["sentence1"][0] == "Über alles" and info.encoding == "utf-16"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"sentence1,sentence2,score\n", "only a header row"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is binary, not a table"),
        (b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml", "zip archive.*save the sheet as CSV"),
        (b'{"a": 1}', "one JSON object"),
        (b"[1, 2, 3]", "must be a list of objects"),
        (b'[{"a": 1}, {"a": ', "not valid JSON"),
        (b'a,b\n"x","y"\n"z","w","extra"\n', "row 3 has 3 fields where the first row has 2"),
    ],
)
def test_unreadable_content_names_the_problem_and_the_fix(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_file(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="data file .*nope.csv' not found"):
        read_source(str(tmp_path / "nope.csv"), "train")


def test_real_stsb_has_no_header_and_numeric_scores(shared_data):
    df, info = read_file(shared_data / "stsb" / "stsb-en-train.csv")
    assert info.header.startswith("absent") and len(df) == 5749
    assert df["column_3"].between(0, 5).all()


def test_real_mrpc_with_a_bom_and_unescaped_quotes(shared_data):
    df, info = read_file(shared_data / "pairs" / "msr_paraphrase_train.txt")
    assert info.encoding == "utf-8-sig" and info.format == "tsv" and len(df) == 4076
    assert list(df.columns) == ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]
    assert '"the witness"' in df["#1 String"][0]


def test_real_snli_jsonl_and_triplets(shared_data):
    assert len(read_file(shared_data / "nli" / "snli_1.0_dev.jsonl")[0]) == 9842
    df, _ = read_file(shared_data / "nli" / "snli_dev_triplets.csv")
    assert list(df.columns) == ["anchor", "positive", "negative"] and len(df) == 2943


def test_a_hub_dataset_id_offline_fails_at_once_naming_the_dataset():
    import time

    start = time.monotonic()
    with pytest.raises(DataError, match="dataset 'sentence-transformers/stsb' is not on this machine and HF_HUB_OFFLINE is set"):
        read_source("sentence-transformers/stsb:default:validation", "train")
    assert time.monotonic() - start < 5


def test_a_file_is_parsed_once_until_it_changes(tmp_path, monkeypatch):
    from core.data import tables

    path = tmp_path / "pairs.csv"
    path.write_text("sentence1,sentence2\na b,c d\ne f,g h\n", encoding="utf-8")
    parsed = []
    real = tables._parse_file
    monkeypatch.setattr(tables, "_parse_file", lambda p: parsed.append(p) or real(p))
    first, _ = tables.read_file(path)
    first.loc[0, "sentence1"] = "changed by a caller"
    again, _ = tables.read_file(path)  # a role change in the Data tab reads the file again
    assert len(parsed) == 1 and again.loc[0, "sentence1"] == "a b"  # kept, and untouched by the caller's change
    path.write_text("sentence1,sentence2\nx y,z w\n", encoding="utf-8")
    changed, _ = tables.read_file(path)
    assert len(parsed) == 2 and list(changed["sentence1"]) == ["x y"]
