"""6. A repeated body is answered and not redone, whichever header signed it; an older
version never overwrites a newer one."""

import json

from escucha.signatures import sign_hex
from escucha.storage.store import Store
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
    assert len(api.recorder.ids_for("normalize")) == 1


def test_a_platform_retry_is_a_200_not_a_signature_failure(api):
    from escucha.channel_health import ChannelHealth

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
    late = api.signed("/webhooks/meta", add).json()  # a different body: taken, then left out
    assert late["superseded"] == ["a:facebook:777_888"]
    assert api.recorder.ids_for("normalize") == ["a:facebook:777_888"]  # published once
    from escucha.models import StagedMention

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
