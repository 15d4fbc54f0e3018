"""Dead-letter lists stay bounded: refused payloads kept in part, lists capped, overflow kept."""

import json

from escucha.core.models import DeadLetter
from escucha.pipeline.deadletter import DeadLetters
from escucha.pipeline.ingest import Row, ingest
from tests.factories import raw
from tests.pipeline_helpers import recording_context


def test_a_refused_row_keeps_only_part_of_a_huge_payload(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    huge = raw(1, text="x" * 210_000)  # over the text limit: refused
    before = redis_client.info("memory")["used_memory"]
    for _ in range(23):
        ingest(ctx, [Row(huge, "request item 0")])
    grown = redis_client.info("memory")["used_memory"] - before
    (letter, *_) = ctx.dead_letters.list("ingest")
    assert letter.payload_truncated and letter.payload_bytes > 210_000
    assert len(letter.payload.encode()) <= 4 * 1024 and len(letter.payload_sha256) == 64
    assert grown < 2_000_000  # 23 letters of 210 kB each once added 4.8 MB


def test_a_full_list_moves_its_oldest_letters_to_a_file(redis_client, redis_server, tmp_path):
    ctx, _ = recording_context(redis_server.url)
    letters = DeadLetters(redis_client, ctx.ledger, ctx.stats, max_letters=10, spill_dir=tmp_path)
    letters.push([DeadLetter(stage="normalize", reason=f"r{n}", payload="p") for n in range(25)])
    kept = letters.list("normalize", 100)
    assert [x.reason for x in kept] == [f"r{n}" for n in range(15, 25)]  # the newest ten
    spilled = [json.loads(line) for line in (tmp_path / "normalize.jsonl").read_text().splitlines()]
    assert [x["reason"] for x in spilled] == [f"r{n}" for n in range(15)]  # nothing lost
    assert ctx.stats.read()["dead_letters_spilled"] == 15


def test_without_a_file_overflow_is_counted_as_dropped(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    letters = DeadLetters(redis_client, ctx.ledger, ctx.stats, max_letters=10)
    letters.push([DeadLetter(stage="ingest", reason="bad") for _ in range(12)])
    assert len(letters.list("ingest", 100)) == 10
    assert ctx.stats.read()["dead_letters_dropped"] == 2


def test_the_spill_file_is_bounded_too(redis_client, redis_server, tmp_path):
    ctx, _ = recording_context(redis_server.url)
    letters = DeadLetters(
        redis_client, ctx.ledger, ctx.stats, max_letters=10, spill_dir=tmp_path,
        max_spill_bytes=2000,
    )  # fmt: skip
    letters.push([DeadLetter(stage="ingest", reason="x" * 100) for _ in range(60)])
    assert (tmp_path / "ingest.jsonl").stat().st_size <= 2000
    stats = ctx.stats.read()
    assert stats["dead_letters_spilled"] + stats["dead_letters_dropped"] == 50
    assert stats["dead_letters_dropped"] > 0
