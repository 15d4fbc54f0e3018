import json

from escucha.channels.imports import read_file


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_csv_broken_row_is_reported_with_its_line(tmp_path):
    path = write(
        tmp_path / "m.csv",
        (
            b"id,text,author,created_at,source\n"
            b"1,hola buen vuelo,ana,2026-11-20T10:00:00Z,x\n"
            b"2,una,fila,con,demasiados,campos\n"
            b'3,"texto con, coma",luis,2026-11-20T10:00:00Z,x\n'
        ),
    )
    rows = list(read_file(path))
    assert [r.location for r in rows] == ["m.csv line 2", "m.csv line 3", "m.csv line 4"]
    assert rows[1].problem == "expected 5 fields, found 6"
    assert rows[2].data["text"] == "texto con, coma" and rows[2].problem is None


def test_multiline_csv_records_keep_their_starting_line(tmp_path):
    path = write(
        tmp_path / "m.csv",
        b'id,text,author,created_at\n1,"dos\nlineas",a,2026-01-01\n2,x y z,b,2026-01-01\n',
    )
    rows = list(read_file(path, default_source="csv"))
    assert [r.location for r in rows] == ["m.csv line 2", "m.csv line 4"]
    assert rows[0].data["source"] == "csv"


def test_jsonl_bad_json_and_bad_utf8_are_rows_with_problems(tmp_path):
    good = json.dumps({"id": "1", "text": "hola", "author": "a", "created_at": "2026-01-01"})
    path = write(
        tmp_path / "m.jsonl",
        good.encode() + b"\n{not json\n" + b'{"id": "3", "text": "caf\xe9"}\n[1]\n',
    )
    rows = list(read_file(path))
    assert rows[0].problem is None
    assert rows[1].problem.startswith("not valid JSON") and rows[1].location == "m.jsonl line 2"
    assert "\udce9" in rows[2].data["text"]  # validation names it later
    assert rows[3].problem == "expected a JSON object"


def test_column_aliases(tmp_path):
    path = write(
        tmp_path / "m.csv", b"tweet_id,content,screen_name,tweet_created\n9,hola,ana,2026-01-01\n"
    )
    (row,) = read_file(path)
    assert row.data == {
        "id": "9",
        "text": "hola",
        "author": "ana",
        "created_at": "2026-01-01",
        "source": "import",
    }
