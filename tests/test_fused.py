"""The fused stage against real Redis, dispatches recorded: what split makes, in one delivery."""

from escucha.care.triage import triage
from escucha.core import keys
from escucha.core.models import AnalyzedMention, NormalizedMention
from escucha.core.outcomes import per_item
from escucha.core.tenant import Tenant
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_mentions
from escucha.nlp.normalize import normalize
from escucha.pipeline.batch import Step, deliver_steps, run_batch, run_steps
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.near_duplicates import assign_clusters
from escucha.pipeline.replay import redrive
from escucha.pipeline.stages import FUSED, STAGES
from escucha.pipeline.sweeper import sweep
from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE, raw
from tests.pipeline_helpers import recording_context

TEXTS = (
    "@aerosol mi vuelo {n} lleva horas de retraso y nadie informa",
    "Lost my bag on flight {n} and nobody answers. Worst airline ever",
    "Gracias por el vuelo {n}, la tripulación fue encantadora",
    "@aerosol mi vuelo {n} lleva horas de retraso y nadie informa",  # a near-duplicate
    QUOTE_SERVICE,
    QUOTE_LUGGAGE,
)
ANALYZER = Analyzer()


def steps(ctx, analyze_one=None, triage_one=None):
    """The three stages' transforms, as tasks/normalize.py, analyze.py and triage.py build
    them from the domain (the workers' resources aside)."""

    def normalize_batch(records):
        outcomes = per_item(normalize)(records)
        assign_clusters(ctx.redis, [o for o in outcomes if isinstance(o, NormalizedMention)])
        return outcomes

    def analyze_batch(mentions):
        if analyze_one is not None:
            return per_item(analyze_one)(mentions)
        return analyze_mentions(ANALYZER, mentions)

    transforms = {
        "normalize": normalize_batch,
        "analyze": analyze_batch,
        "triage": per_item(triage_one or (lambda m: triage(m, Tenant()))),
    }
    return [Step(STAGES[name], transforms[name]) for name in FUSED.steps]


def accepted(ctx, n=24):
    rows = [Row(raw(i, text=TEXTS[i % len(TEXTS)].format(n=i), author=f"c{i % 5}"))
            for i in range(n)]  # fmt: skip
    return ingest(ctx, rows).accepted


def staged(client, kind, ids):
    return [client.get(keys.staged(kind, i)) for i in ids]


def test_fused_yields_exactly_the_records_split_yields(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url)
    ids = accepted(ctx)
    raw_records = staged(redis_client, "raw", ids)
    for step in steps(ctx):  # split: one stage at a time, each through Redis
        assert run_batch(ctx, step.stage, ids, step.transform).forward == ids
    split = staged(redis_client, "triaged", ids)

    # The same raw records again, from a clean near-duplicate index, through the fused stage.
    redis_client.delete(*redis_client.keys(f"{keys.PREFIX}:simhash:*"), *(
        keys.staged("triaged", i) for i in ids))  # fmt: skip
    for mention_id, record in zip(ids, raw_records, strict=True):
        redis_client.set(keys.staged("raw", mention_id), record)
    result = run_steps(ctx, FUSED, ids, steps(ctx))
    assert result.forward == ids and result.done == len(ids)
    assert staged(redis_client, "triaged", ids) == split  # byte for byte
    assert not any(redis_client.exists(keys.staged(k, i)) for k in ("raw", "normalized",
               "analyzed") for i in ids)  # fmt: skip
    assert len({AnalyzedMention.model_validate_json(r).cluster_id for r in split}) < len(ids)


def test_each_steps_failures_are_lettered_under_its_stage_with_the_record_it_read(
    redis_client, redis_server
):
    ctx, sent = recording_context(redis_server.url, topology="fused")
    ids = accepted(ctx, 5)
    redis_client.set(keys.staged("raw", ids[0]), b"\xff\xfe not json")

    def analyze_one(mention):
        if mention.id == ids[1]:
            raise ValueError("cannot analyze this one")
        return analyze_mentions(ANALYZER, [mention])[0]

    def triage_one(mention):
        if mention.id == ids[2]:
            raise ValueError("cannot triage this one")
        return triage(mention, Tenant())

    result = run_steps(ctx, FUSED, ids, steps(ctx, analyze_one, triage_one))
    assert result.forward == ids[3:] and len(result.dead) == 3
    (bad,) = ctx.dead_letters.list("normalize")
    (unanalyzed,) = ctx.dead_letters.list("analyze")
    (untriaged,) = ctx.dead_letters.list("triage")
    assert bad.mention_id == ids[0] and bad.reason.startswith("invalid StagedMention")
    assert unanalyzed.reason == "ValueError: cannot analyze this one"
    assert NormalizedMention.model_validate_json(unanalyzed.payload or "").id == ids[1]
    assert untriaged.reason == "ValueError: cannot triage this one"
    assert AnalyzedMention.model_validate_json(untriaged.payload or "").id == ids[2]
    assert ctx.ledger.pending_among(ids[:3]) == 0
    assert not any(redis_client.exists(keys.staged("raw", i)) for i in ids)

    # Replayed, a letter goes back to its own stage (the fused worker takes its queue too).
    assert ctx.dead_letters.replay("analyze", lambda letter: redrive(ctx, letter)) == 1
    assert sent.sent[-1][0] == "analyze" and sent.sent[-1][2] == [ids[1]]
    assert redis_client.exists(keys.staged("normalized", ids[1]))


def test_a_fused_rerun_only_hands_on_again(redis_client, redis_server):
    ctx, _ = recording_context(redis_server.url, topology="fused")
    ids = accepted(ctx, 4)
    run_steps(ctx, FUSED, ids, steps(ctx))
    snapshot = staged(redis_client, "triaged", ids)
    again = run_steps(ctx, FUSED, ids, steps(ctx))  # a redelivery after the work was done
    assert again.done == 0 and again.forward == ids
    assert staged(redis_client, "triaged", ids) == snapshot


def test_a_fused_batch_that_keeps_killing_its_worker_is_split_then_dead_lettered(
    redis_client, redis_server
):
    ctx, sent = recording_context(redis_server.url, topology="fused")
    ids = accepted(ctx, 2)
    for _ in range(3):  # three deliveries whose worker died: begun, never ended
        ctx.deliveries.begin("fused", "b1")
    deliver_steps(ctx, FUSED, "b1", ids, steps(ctx), max_deliveries=3)
    assert sent.sent[-2:] == [("fused", "b1.a", [ids[0]]), ("fused", "b1.b", [ids[1]])]
    for _ in range(3):
        ctx.deliveries.begin("fused", "b1.a")
    deliver_steps(ctx, FUSED, "b1.a", [ids[0]], steps(ctx), max_deliveries=3)
    # Filed under normalize, which reads the same raw record: a replay works in either topology.
    (letter,) = ctx.dead_letters.list("normalize")
    assert letter.mention_id == ids[0] and "worker died 3 times while fused" in letter.reason
    assert letter.attempts == 4 and letter.payload and '"external_id":"0"' in letter.payload
    delivered = deliver_steps(ctx, FUSED, "b1.b", [ids[1]], steps(ctx), max_deliveries=3)
    assert delivered.forward == [ids[1]] and sent.sent[-1] == ("persist", "b1.b", [ids[1]])


def test_raw_records_enter_the_topology_and_the_rest_go_to_their_stage(redis_client, redis_server):
    ctx, sent = recording_context(redis_server.url, topology="fused")
    ids = accepted(ctx, 2)
    assert sent.ids_for("fused") == ids and not sent.ids_for("normalize")
    run_batch(ctx, STAGES["normalize"], ids[:1], steps(ctx)[0].transform)  # left part way
    sent.sent.clear()
    assert sweep(ctx, deadline_s=0, max_sweeps=2).republished == 2
    assert sent.ids_for("analyze") == ids[:1] and sent.ids_for("fused") == ids[1:]


def test_the_fused_task_runs_the_stage_modules_transforms_in_the_registrys_order():
    import tasks.analyze
    import tasks.normalize
    import tasks.triage
    from tasks.fused import STEPS

    assert [s.stage.name for s in STEPS] == list(FUSED.steps) == ["normalize", "analyze", "triage"]
    assert [s.transform for s in STEPS] == [
        tasks.normalize.transform, tasks.analyze.transform, tasks.triage.transform]  # fmt: skip
