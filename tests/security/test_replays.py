"""6. A repeated body is answered and not redone, whichever header signed it; an older
version never overwrites a newer one."""

import json

from escucha.channels.signatures import sign_hex
from escucha.store.store import Store
from tests import platform_payloads as p
from tests.factories import triaged


def test_a_captured_delivery_replayed_with_the_legacy_header_is_not_taken_again(api):
    body = json.dumps(p.meta_comment()).encode()
    modern = {"X-Hub-Signature-256": sign_hex(body, "meta-app-secret")}
    legacy = {"X-Hub-Signature": sign_hex(body, "meta-app-secret", "sha1")}
    assert api.client.post("/webhooks/meta", content=body, headers=modern).json()["accepted"] == 1
    again = api.client.post("/webhooks/meta", content=body, headers=legacy)
    assert again.status_code == 200 and again.json() | {"duplicate": True} == again.json()
    assert again.json()["accepted"] == 0
    assert len(api.recorder.entered()) == 1


def test_a_platform_retry_is_a_200_not_a_signature_failure(api):
    from escucha.channels.health import ChannelHealth

    for _ in range(5):  # Meta retries for 36 hours when an answer is lost
        assert api.signed("/webhooks/meta", p.meta_comment()).status_code == 200
    (endpoint,) = ChannelHealth(api.redis).report("*")
    assert endpoint.last_signature_failure is None and endpoint.consecutive_errors == 0


def test_an_old_add_after_an_edit_does_not_revert_the_text(api):
    """The platform's own times order versions: Meta's entry.time of each delivery."""
    add = p.meta_comment(message="Quiero mi reembolso ya")
    edited = p.meta_comment(verb="edited", message="Ya me devolvieron el dinero, gracias")
    add["entry"][0]["time"], edited["entry"][0]["time"] = 1763719201, 1763722801
    assert api.signed("/webhooks/meta", edited).json()["accepted"] == 1
    late = api.signed("/webhooks/meta", add).json()  # a different body: read, then left out
    assert late["superseded"] == ["a:facebook:777_888"] and late["ids"] == []
    assert api.recorder.entered() == ["a:facebook:777_888"]  # published once
    from escucha.core.models import StagedMention

    staged = StagedMention.model_validate_json(
        api.redis.get("escucha:staged:raw:a:facebook:777_888")
    )
    assert staged.text.startswith("Ya me devolvieron")  # the older one did not overwrite it
    # And in the store, whatever order the two reach it in:
    store = Store.from_url(api.database_url)
    newer = triaged(5, text="Ya me devolvieron el dinero", updated_at="2026-11-21T11:00:00Z")
    older = triaged(5, text="Quiero mi reembolso ya", updated_at="2026-11-21T10:00:00Z")
    store.save([newer])
    store.save([older])
    assert store.get("default:x:5").text == newer.text
    store.dispose()


def test_an_older_version_is_left_out_whatever_stage_the_newer_one_reached(
    redis_client, redis_server
):
    from escucha.core.outcomes import per_item
    from escucha.nlp.normalize import normalize
    from escucha.pipeline.batch import run_batch
    from escucha.pipeline.ingest import Row, ingest
    from escucha.pipeline.stages import STAGES
    from tests.factories import raw
    from tests.pipeline_helpers import recording_context

    ctx, sent = recording_context(redis_server.url)
    newer = raw(3, text="Ya me devolvieron el dinero", updated_at="2026-11-21T11:00:00Z")
    older = raw(3, text="Quiero mi reembolso ya", updated_at="2026-11-21T10:00:00Z")
    (mention_id,) = ingest(ctx, [Row(newer)]).accepted
    run_batch(ctx, STAGES["normalize"], [mention_id], per_item(normalize))  # now 'normalized'
    late = ingest(ctx, [Row(older)])
    assert (late.accepted, late.superseded) == ([], [mention_id])
    assert ctx.staging.load_raw("raw", [mention_id]) == [None]  # nothing older staged
    assert sent.ids_for("normalize") == [mention_id]  # published once, for the newer version


def test_in_one_request_the_newer_version_of_an_id_wins_whatever_its_place(api):
    base = {"id": "v1", "source": "web", "author": "ana", "created_at": "2026-11-20T10:00:00Z"}
    newer = base | {"text": "editado", "updated_at": "2026-11-20T12:00:00Z"}
    older = base | {"text": "original", "updated_at": "2026-11-20T11:00:00Z"}
    answer = api.client.post("/v1/mentions", json=[newer, older], headers={"X-API-Key": "key-a"})
    assert answer.json()["ids"] == ["a:web:v1"]
    from escucha.core.models import StagedMention

    staged = StagedMention.model_validate_json(api.redis.get("escucha:staged:raw:a:web:v1"))
    assert staged.text == "editado"
