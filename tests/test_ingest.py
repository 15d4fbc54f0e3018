from escucha.core import keys
from escucha.pipeline.ingest import Row, ingest
from tests.factories import raw
from tests.pipeline_helpers import recording_context


def test_valid_rows_are_staged_recorded_and_published(redis_client, redis_server):
    ctx, sent = recording_context(redis_server.url, batch_size=2)
    report = ingest(ctx, [Row(raw(n)) for n in range(5)])
    assert report.accepted == [f"default:x:{n}" for n in range(5)] and report.batches == 3
    assert sent.ids_for("normalize") == report.accepted
    assert ctx.ledger.pending() == 5
    assert all(redis_client.exists(keys.staged("raw", i)) for i in report.accepted)


def test_invalid_rows_are_dead_lettered_and_the_rest_flow(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    rows = [
        Row(raw(1), "f.csv line 2"),
        Row(raw(2, text=""), "f.csv line 3"),
        Row({"line": "x"}, "f.csv line 4", "expected 5 fields, found 2"),
        Row(raw(3), "f.csv line 5"),
    ]
    report = ingest(ctx, rows)
    assert report.accepted == ["default:x:1", "default:x:3"]
    letters = ctx.dead_letters.list("ingest")
    assert [(x.location, x.reason) for x in letters] == [
        ("f.csv line 3", "text: String should have at least 1 character"),
        ("f.csv line 4", "expected 5 fields, found 2"),
    ]
    assert ctx.stats.read()["dead_lettered"] == 2


def test_duplicate_ids_are_one_mention_and_the_later_row_wins(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url, batch_size=2)
    rows = [Row(raw(1, text="primera"), "l1"), Row(raw(2), "l2"), Row(raw(1, text="editada"), "l3")]
    report = ingest(ctx, rows)
    assert report.duplicates == ["l3"]
    assert ctx.ledger.pending() == 2
    staged = redis_client.get(keys.staged("raw", "default:x:1"))
    assert b"editada" in staged


def test_a_waiting_import_resumes_when_the_pipeline_drains(redis_client, redis_server):
    import threading

    from escucha.pipeline.backpressure import wait_when_full

    ctx, _ = recording_context(redis_server.url, batch_size=2)
    ingest(ctx, [Row(raw(n)) for n in range(4)])  # 4 in flight, the mark is 4
    waits = []
    room = wait_when_full(ctx, 4, waits.append, poll_s=0.05)
    drain = threading.Timer(0.3, lambda: redis_client.delete("escucha:ledger"))
    drain.start()
    report = ingest(ctx, [Row(raw(n)) for n in range(10, 12)], room)
    drain.join()
    assert report.accepted == ["default:x:10", "default:x:11"]
    assert waits and "over the high-water mark of 4" in str(waits[0])


def test_the_ledger_counts_each_tenants_mentions_once(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    ingest(ctx, [Row(raw(n, tenant="a")) for n in range(3)] + [Row(raw(9, tenant="b"))])
    ingest(ctx, [Row(raw(0, tenant="a", text="editado"))])  # a new version: the same mention
    assert ctx.ledger.pending_by_tenant(["a", "b", "c"]) == {"a": 3, "b": 1, "c": 0}
    for _ in range(2):  # resolving twice (a redelivered persist) takes it off once
        with redis_client.pipeline(transaction=True) as pipe:
            ctx.ledger.resolve(["a:x:0", "b:x:9"], pipe)
            pipe.execute()
    assert ctx.ledger.pending_by_tenant(["a", "b"]) == {"a": 2, "b": 0}
    assert ctx.ledger.pending() == 2
