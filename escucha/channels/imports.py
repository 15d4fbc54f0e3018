"""Reading mention files (CSV, JSONL) into rows for ingest, with a location on every row.

Files are decoded with surrogateescape so one line of broken UTF-8 becomes one rejected row
(validation names it) instead of stopping the whole import.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from escucha.core.models import post_ref
from escucha.pipeline.ingest import Row

csv.field_size_limit(4 * 1024 * 1024)

# Column names upstream exports use, mapped to escucha's.
ALIASES = {
    "external_id": "id", "tweet_id": "id", "id_str": "id", "post_id": "id",
    "content": "text", "body": "text", "message": "text", "full_text": "text",
    "user": "author", "screen_name": "author", "username": "author", "author_id": "author",
    "date": "created_at", "tweet_created": "created_at", "timestamp": "created_at",
    "published": "created_at",
    "followers": "author_followers", "followers_count": "author_followers",
}  # fmt: skip


# The "Customer Support on Twitter" (twcs) export: customer tweets and brand replies, linked.
TWCS_COLUMNS = {"tweet_id", "author_id", "inbound", "in_response_to_tweet_id"}
TWCS_SOURCE = "x"


def canonical(record: dict[str, Any], default_source: str) -> dict[str, Any]:
    mapped = {ALIASES.get(k, k): v for k, v in record.items() if k is not None}
    mapped.setdefault("source", default_source)
    if not mapped.get("source"):
        mapped["source"] = default_source
    return mapped


def twcs(record: dict[str, Any]) -> dict[str, Any]:
    """A twcs row: X tweets, `inbound` False for the brand's replies, reply links kept."""
    mapped = canonical(record, TWCS_SOURCE)
    parent = (mapped.pop("in_response_to_tweet_id", None) or "").strip()
    mapped.pop("response_tweet_id", None)  # the replies link back to this row themselves
    mapped["in_reply_to"] = post_ref(mapped["source"], parent) if parent else None
    return mapped


def read_jsonl(handle: TextIO, name: str, default_source: str) -> Iterator[Row]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        location = f"{name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Row(
                {"line": line.rstrip("\n")},
                location,
                f"not valid JSON: {error.msg} at column {error.colno}",
            )
            continue
        if not isinstance(record, dict):
            yield Row({"line": line.rstrip("\n")}, location, "expected a JSON object")
            continue
        yield Row(canonical(record, default_source), location)


def read_csv(handle: TextIO, name: str, default_source: str) -> Iterator[Row]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        return
    last_line = reader.line_num
    is_twcs = set(header) >= TWCS_COLUMNS
    while True:
        start = last_line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Row({}, f"{name} line {start}", f"broken CSV: {error}")
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        location = f"{name} line {start}"
        if not values:
            continue
        if len(values) != len(header):
            problem = f"expected {len(header)} fields, found {len(values)}"
            yield Row({"line": ",".join(values)}, location, problem)
            continue
        record = dict(zip(header, values, strict=True))
        yield Row(twcs(record) if is_twcs else canonical(record, default_source), location)


def read_file(path: Path, default_source: str = "import") -> Iterator[Row]:
    """Rows of a .csv, .jsonl or .ndjson file (by extension)."""
    readers = {".csv": read_csv, ".jsonl": read_jsonl, ".ndjson": read_jsonl, ".json": read_jsonl}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: unknown file type {path.suffix!r}; expected .csv or .jsonl")
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        yield from reader(handle, path.name, default_source)
