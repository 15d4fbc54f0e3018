"""The stage runner and sweeper against real Redis, with dispatches recorded rather than sent."""

from escucha.core import keys
from escucha.core.outcomes import per_item
from escucha.nlp.normalize import normalize
from escucha.pipeline.batch import deliver, run_batch
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.replay import redrive
from escucha.pipeline.stages import STAGES
from escucha.pipeline.sweeper import sweep
from tests.factories import raw
from tests.pipeline_helpers import recording_context

NORMALIZE = STAGES["normalize"]
transform = per_item(normalize)


def accepted(ctx, n=4):
    return ingest(ctx, [Row(raw(i)) for i in range(n)]).accepted


def test_a_batch_moves_records_forward_and_a_rerun_changes_nothing(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    ids = accepted(ctx)
    first = run_batch(ctx, NORMALIZE, ids, transform)
    assert first.forward == ids and first.done == 4
    assert all(redis_client.exists(keys.staged("normalized", i)) for i in ids)
    assert not any(redis_client.exists(keys.staged("raw", i)) for i in ids)
    snapshot = {i: redis_client.get(keys.staged("normalized", i)) for i in ids}
    again = run_batch(ctx, NORMALIZE, ids, transform)  # a redelivery after the work was done
    assert again.done == 0 and again.forward == ids  # handed on again, not redone
    assert snapshot == {i: redis_client.get(keys.staged("normalized", i)) for i in ids}


def test_every_staged_record_carries_the_expiry(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)  # staged records live an hour here
    ids = accepted(ctx)
    run_batch(ctx, NORMALIZE, ids, transform)
    expiries = [redis_client.ttl(keys.staged("normalized", i)) for i in ids]
    assert all(3500 < seconds <= 3600 for seconds in expiries), expiries


def test_a_failing_record_is_dead_lettered_and_the_batch_goes_on(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    ids = accepted(ctx)

    def explode_on_second(mention):
        if mention.id == ids[1]:
            raise ValueError("cannot read this one")
        return normalize(mention)

    result = run_batch(ctx, NORMALIZE, ids, per_item(explode_on_second))
    assert result.forward == [ids[0], *ids[2:]]
    (letter,) = ctx.dead_letters.list("normalize")
    assert letter.mention_id == ids[1] and letter.reason == "ValueError: cannot read this one"
    assert ctx.ledger.pending_among([ids[1]]) == 0 and not redis_client.exists(
        keys.staged("raw", ids[1])
    )


def test_an_undecodable_staged_record_is_dead_lettered(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    ids = accepted(ctx, 2)
    redis_client.set(keys.staged("raw", ids[0]), b"\xff\xfe not json")
    result = run_batch(ctx, NORMALIZE, ids, transform)
    assert result.forward == [ids[1]]
    (letter,) = ctx.dead_letters.list("normalize")
    assert letter.reason.startswith("invalid StagedMention")


def test_a_batch_that_keeps_killing_its_worker_is_split_then_dead_lettered(
    redis_client, redis_server
):
    ctx, sent = recording_context(redis_server.url)
    ids = accepted(ctx, 2)
    for _ in range(3):  # three deliveries whose worker died: begun, never ended
        ctx.deliveries.begin("normalize", "b1")
    deliver(ctx, NORMALIZE, "b1", ids, transform, max_deliveries=3)
    assert sent.sent[-2:] == [("normalize", "b1.a", [ids[0]]), ("normalize", "b1.b", [ids[1]])]
    for _ in range(3):
        ctx.deliveries.begin("normalize", "b1.a")
    deliver(ctx, NORMALIZE, "b1.a", [ids[0]], transform, max_deliveries=3)
    (letter,) = ctx.dead_letters.list("normalize")
    assert letter.mention_id == ids[0] and "worker died 3 times" in letter.reason
    assert letter.attempts == 4 and letter.payload and ids[0].split(":")[1] in letter.payload
    assert ctx.stats.read()["redelivered"] == 2


def test_replay_sends_a_dead_letter_back_to_its_stage(redis_client, redis_server):
    ctx, sent = recording_context(redis_server.url)
    ids = accepted(ctx, 1)
    run_batch(ctx, NORMALIZE, ids, per_item(lambda m: 1 / 0))
    assert ctx.ledger.pending() == 0
    assert ctx.dead_letters.replay("normalize", lambda letter: redrive(ctx, letter)) == 1
    assert sent.sent[-1][0] == "normalize" and sent.sent[-1][2] == ids
    assert ctx.ledger.pending() == 1 and ctx.dead_letters.sizes() == {}
    assert run_batch(ctx, NORMALIZE, ids, transform).done == 1  # fixed code: it goes through


def test_sweeper_republishes_from_the_furthest_record_then_gives_up(redis_client, redis_server):
    ctx, sent = recording_context(redis_server.url)
    ids = accepted(ctx, 2)
    run_batch(ctx, NORMALIZE, ids[:1], transform)  # first is at 'normalized', second still 'raw'
    sent.sent.clear()
    report = sweep(ctx, deadline_s=0, max_sweeps=2)
    assert report.republished == 2
    assert sent.ids_for("analyze") == ids[:1] and sent.ids_for("normalize") == ids[1:]
    sweep(ctx, deadline_s=0, max_sweeps=2)
    final = sweep(ctx, deadline_s=0, max_sweeps=2)
    assert final.dead_lettered == 2 and ctx.ledger.pending() == 0
    assert {
        x.stage for x in ctx.dead_letters.list("analyze") + ctx.dead_letters.list("normalize")
    } == {"analyze", "normalize"}


def test_behind_a_backlog_the_sweeper_adds_no_work_and_never_gives_up(redis_client, redis_server):
    ctx, sent = recording_context(redis_server.url)
    ids = accepted(ctx, 3)
    busy = lambda: 4000  # noqa: E731 - messages still waiting in the stage queues
    for _ in range(5):
        report = sweep(ctx, deadline_s=0, max_sweeps=2, backlog=busy)
        assert (report.republished, report.deferred, report.dead_lettered) == (0, 3, 0)
    assert ctx.ledger.pending() == 3
    assert sweep(ctx, deadline_s=0, max_sweeps=2).republished == 3  # drained: now it acts
    sweep(ctx, deadline_s=0, max_sweeps=2)
    assert sweep(ctx, deadline_s=0, max_sweeps=2).dead_lettered == 3
    assert sent.ids_for("normalize") == ids * (1 + 2)  # accepted, then the counted sweeps


def test_a_sweep_of_thousands_costs_a_few_calls(redis_client, redis_server):
    """The furthest record of 3,000 overdue mentions is read in 3 script calls, not 3,000
    transactions (a 60 s sweep once starved the store worker)."""
    ctx, sent = recording_context(redis_server.url, batch_size=1000)
    accepted(ctx, 3000)
    redis_client.config_resetstat()
    assert sweep(ctx, deadline_s=0, max_sweeps=5).republished == 3000
    calls = {
        name: int(stats["calls"])
        for name, stats in redis_client.info("commandstats").items()
        if name.startswith("cmdstat_")
    }
    # The furthest records, 1,000 a call (one call more when Redis must first load the script).
    assert 1 <= calls.get("cmdstat_evalsha", 0) <= 4
    assert calls.get("cmdstat_exec", 0) <= 2, calls  # a transaction per id was 3,000
    assert len(set(sent.ids_for("normalize"))) == 3000


def test_the_stage_backlog_counts_waiting_stage_messages_only(redis_client):
    from escucha.pipeline.stages import queue_name, stage_backlog

    assert stage_backlog(redis_client) == 0
    redis_client.lpush(queue_name("analyze"), "m1", "m2")
    redis_client.lpush(queue_name("persist"), "m3")
    redis_client.lpush(queue_name("monitor"), "the sweep itself")
    assert stage_backlog(redis_client) == 3


def test_old_tombstones_are_forgotten(redis_client):
    import time as clock

    from escucha.core import keys
    from escucha.pipeline.deletion import Tombstones

    redis_client.zadd(keys.DELETED, {"a:x:old": clock.time() - 10_000, "a:x:new": clock.time()})
    assert Tombstones(redis_client).trim(older_than_s=3600) == 1
    assert redis_client.zrange(keys.DELETED, 0, -1) == [b"a:x:new"]
