"""Upstream formats become rows, deletes and ignores; signatures are checked the platforms' way."""

import base64
import hashlib
import hmac
import io

import pytest

from escucha.channels import signatures
from escucha.channels.imports import read_csv
from escucha.channels.sources import mastodon, meta, x
from escucha.channels.sources.html_text import to_text
from escucha.core.models import StagedMention
from escucha.pipeline.ingest import validate
from tests import platform_payloads as p

ACCOUNTS = {
    f"meta:{p.PAGE_ID}": "sol",
    f"meta:{p.IG_ACCOUNT_ID}": "sol",
    f"x:{p.X_OWNER_ID}": "sol",
    "mastodon:mastodon.social": "sol",
}


def tenant_for(account: str) -> str | None:
    return ACCOUNTS.get(account)


def staged(changes, n=0) -> StagedMention:
    result = validate(changes.upserts[n])
    assert isinstance(result, StagedMention), result
    return result


def test_a_facebook_comment_becomes_a_mention_of_the_pages_tenant():
    mention = staged(meta.parse(p.meta_comment(), tenant_for))
    assert (mention.id, mention.tenant, mention.author) == (
        "sol:facebook:777_888",
        "sol",
        "Lucía Pérez",
    )
    assert mention.in_reply_to == "facebook:777_100" and mention.inbound
    assert mention.created_at.isoformat() == "2025-11-21T10:00:00+00:00"


def test_facebook_edits_update_and_removes_delete():
    edited = meta.parse(
        p.meta_comment(verb="edited", message="Ya me devolvieron el dinero"), tenant_for
    )
    assert staged(edited).text == "Ya me devolvieron el dinero"
    removed = meta.parse(p.meta_comment(verb="remove"), tenant_for)
    assert (removed.upserts, removed.deletes) == ([], ["sol:facebook:777_888"])


def test_instagram_comments_and_textless_mentions():
    mention = staged(meta.parse(p.instagram_comment(), tenant_for))
    assert (mention.source, mention.author) == ("instagram", "viajera.mx")
    bare = {"object": "instagram", "entry": [{"id": p.IG_ACCOUNT_ID, "changes": [
        {"field": "mentions", "value": {"media_id": "9", "comment_id": "8"}}]}]}  # fmt: skip
    row = meta.parse(bare, tenant_for).upserts[0]
    assert "without text" in (row.problem or "")  # dead-lettered with its reason, not dropped


def test_unknown_meta_fields_are_counted_not_ingested():
    payload = {
        "object": "page",
        "entry": [{"id": p.PAGE_ID, "changes": [{"field": "ratings", "value": {}}]}],
    }
    assert meta.parse(payload, tenant_for).ignored == 1


def test_x_account_activity_v1_shape():
    changes = x.parse(p.x_account_activity(), tenant_for)
    mention = staged(changes)
    assert (mention.id, mention.author, mention.author_followers) == (
        "sol:x:1600000000000000001", "angry_flyer", 15400,
    )  # fmt: skip
    assert mention.tenant == "sol" and mention.inbound
    own = p.x_account_activity("5")
    own["tweet_create_events"][0]["user"]["id_str"] = p.X_OWNER_ID
    assert not staged(x.parse(own, tenant_for)).inbound  # the brand's own tweet


def test_x_deletes_and_v2_objects_joined_to_their_users():
    deletes = x.parse(
        {"for_user_id": p.X_OWNER_ID, "tweet_delete_events": [{"status": {"id": "42"}}]},
        tenant_for,
    )
    assert deletes.deletes == ["sol:x:42"]
    mention = staged(x.parse(p.x_v2() | {"for_user_id": p.X_OWNER_ID}, tenant_for))
    assert (mention.author, mention.author_followers) == ("happy_flyer", 820)
    assert mention.in_reply_to == "x:1599999999999999999"


def test_mastodon_html_becomes_text():
    mention = staged(mastodon.parse_event(p.mastodon_event(), tenant_for, "mastodon.social"))
    assert mention.text == "Mi maleta no llegó a Lisboa #AeroSol\n¿Alguien sabe cómo reclamar?"
    assert mention.id == "sol:mastodon:mastodon.social/113500000000000001"
    assert mastodon.parse_event({"event": "account.created"}, tenant_for, "m").ignored == 1


def test_html_to_text_drops_scripts_and_keeps_breaks():
    assert to_text("<p>a<br>b</p><script>x()</script><p>c &amp; d</p>") == "a\nb\nc & d"


BODY = b'{"object":"page","entry":[]}'


def test_hex_signatures_accept_only_the_right_digest_and_algorithm():
    good = "sha256=" + hmac.new(b"s3", BODY, hashlib.sha256).hexdigest()
    signatures.verify_hex(good, BODY, "s3", ("sha256",))  # no exception: it matches
    with pytest.raises(signatures.SignatureMismatch):
        signatures.verify_hex(good, BODY + b" ", "s3", ("sha256",))
    with pytest.raises(signatures.MissingSignature):
        signatures.verify_hex(None, BODY, "s3", ("sha256",))
    md5 = "md5=" + hmac.new(b"s3", BODY, hashlib.md5).hexdigest()
    with pytest.raises(signatures.UnsupportedAlgorithm):
        signatures.verify_hex(md5, BODY, "s3", ("sha256",))
    assert signatures.SignatureMismatch.status_code == 403
    assert signatures.MissingSignature.status_code == 401


def test_x_crc_matches_the_documented_construction():
    expected = base64.b64encode(hmac.new(b"consumer", b"tok", hashlib.sha256).digest()).decode()
    assert signatures.x_digest("consumer", b"tok") == f"sha256={expected}"


def test_twcs_rows_keep_reply_links_and_mark_brand_replies():
    export = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,115712,True,Tue Oct 31 22:10:47 +0000 2017,@sprintcare my phone is broken,2,\n"
        '2,sprintcare,False,Tue Oct 31 22:11:45 +0000 2017,"@115712 Sorry, DM us",,1\n'
    )
    rows = list(read_csv(io.StringIO(export), "twcs.csv", "import"))
    customer, brand = (validate(r) for r in rows)
    assert isinstance(customer, StagedMention) and isinstance(brand, StagedMention)
    assert (customer.id, customer.inbound, customer.in_reply_to) == ("default:x:1", True, None)
    assert (brand.id, brand.inbound, brand.in_reply_to, brand.author) == (
        "default:x:2", False, "x:1", "sprintcare",
    )  # fmt: skip


def test_the_real_twcs_sample_reads_whole_with_its_reply_links(shared_data):
    from escucha.channels.imports import read_file

    mentions = [validate(row) for row in read_file(shared_data / "twcs_sample.csv")]
    accepted = [m for m in mentions if isinstance(m, StagedMention)]
    assert len(accepted) == len(mentions) >= 90, [m for m in mentions if m not in accepted][:3]
    assert {m.source for m in accepted} == {"x"}
    replies = [m for m in accepted if m.in_reply_to]
    assert replies and all(m.in_reply_to.startswith("x:") for m in replies)
    assert any(not m.inbound for m in accepted) and any(m.inbound for m in accepted)
