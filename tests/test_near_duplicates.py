"""Copy-paste campaigns and retweets collapse into clusters; different texts do not."""

from escucha.nlp.normalize import normalize
from escucha.nlp.text import clean
from escucha.pipeline.near_duplicates import assign_clusters, distance, fingerprint
from tests.factories import staged

CAMPAIGN = "Perdieron mi maleta en Madrid y nadie me responde #MalServicio"


def prints(*texts):
    return [fingerprint(clean(t).text) for t in texts]


def test_handles_urls_and_rt_do_not_change_the_print():
    a, b, c = prints(
        f"RT @aerosol: {CAMPAIGN}", f"@aerosol {CAMPAIGN} https://t.co/x1", f"{CAMPAIGN}!! 😡"
    )
    assert distance(a, b) == 0 and distance(a, c) == 0
    (other,) = prints("El vuelo salió puntual y la tripulación fue encantadora")
    assert distance(a, other) > 10
    assert fingerprint("gracias!") is None  # too short to be a campaign


def test_five_hundred_copies_are_one_cluster_and_stable_on_redelivery(redis_client):
    copies = [
        normalize(staged(n, text=f"@user{n} {CAMPAIGN} https://t.co/{n}")) for n in range(500)
    ]
    complaint = "Mi pedido {} llegó roto y quiero una solución ya"
    others = [normalize(staged(1000 + n, text=complaint.format(n))) for n in range(3)]
    for start in range(0, 500, 100):  # in batches, as the normalize stage sees them
        assign_clusters(redis_client, copies[start : start + 100])
    assign_clusters(redis_client, others)
    assert {m.cluster_id for m in copies} == {"default:x:0"}
    redelivered = [normalize(staged(n, text=f"@user{n} {CAMPAIGN}")) for n in (0, 250)]
    assign_clusters(redis_client, redelivered)
    assert [m.cluster_id for m in redelivered] == ["default:x:0", "default:x:0"]
    assert "default:x:0" not in {m.cluster_id for m in others}


def test_clusters_are_per_tenant(redis_client):
    one = normalize(staged(1, text=CAMPAIGN, tenant="a"))
    two = normalize(staged(2, text=CAMPAIGN, tenant="b"))
    assign_clusters(redis_client, [one, two])
    assert (one.cluster_id, two.cluster_id) == ("a:x:1", "b:x:2")


def test_the_index_matches_within_three_bits_whichever_bits_differ(redis_client):
    from escucha.pipeline.lua_scripts import script
    from escucha.pipeline.near_duplicates import _band_key, _bands

    def cluster_of(mention_id: str, print_: int) -> str:
        band_keys = [_band_key("t", b, v) for b, v in enumerate(_bands(print_))]
        args = [3600, 3, 64, 8, mention_id, print_ >> 32, print_ & 0xFFFFFFFF]
        (cluster,) = script(redis_client, "assign_clusters")(keys=band_keys, args=args)
        return cluster.decode()

    first = 0xF0F0_1234_ABCD_8001
    assert cluster_of("a", first) == "a"
    assert cluster_of("b", first ^ (1 | 1 << 17)) == "a"  # 2 bits, two bands still agree
    assert cluster_of("c", first ^ (1 << 63 | 1 << 31 | 1 << 5)) == "a"  # sign bits of each half
    assert cluster_of("d", first ^ (1 << 3 | 1 << 4 | 1 << 40 | 1 << 50)) == "d"  # 4+ bits: too far
    assert cluster_of("a", first) == "a"  # a redelivery keeps its cluster


def test_copies_that_differ_only_in_numbers_are_one_campaign(redis_client):
    template = "Boicot a Aerolíneas Sol: me cancelaron el vuelo {} y me deben {} euros"
    copies = [normalize(staged(n, text=template.format(1000 + n, 7 * n))) for n in range(300)]
    assign_clusters(redis_client, copies)
    assert {m.cluster_id for m in copies} == {"default:x:0"}


def test_a_campaign_never_grows_a_band_bucket_past_its_cap(redis_client):
    """Prints scattered near one another (the worst case for the index) still leave every
    bucket bounded, so each lookup reads at most 4 x BUCKET_CAP entries."""
    import random

    from escucha.pipeline.lua_scripts import script
    from escucha.pipeline.near_duplicates import BUCKET_CAP, _band_key, _bands

    rng = random.Random(3)
    base = 0x0123_4567_89AB_CDEF
    run = script(redis_client, "assign_clusters")
    for n in range(2000):  # each print 4-8 bits from the base: near, yet rarely within 3
        print_ = base
        for bit in rng.sample(range(64), rng.randint(4, 8)):
            print_ ^= 1 << bit
        band_keys = [_band_key("t", b, v) for b, v in enumerate(_bands(print_))]
        run(
            keys=band_keys,
            args=[3600, 3, BUCKET_CAP, 8, f"m{n}", print_ >> 32, print_ & 0xFFFFFFFF],
        )
    sizes = [redis_client.hlen(k) for k in redis_client.scan_iter("escucha:simhash:t:*")]
    assert max(sizes) <= BUCKET_CAP
    assert sum(sizes) > BUCKET_CAP  # the cap bounds buckets, it does not stop indexing


def test_an_index_entry_from_before_tenant_scoped_ids_gives_todays_cluster_id(redis_client):
    from escucha.pipeline.near_duplicates import _band_key, _bands, fingerprints

    first = normalize(staged(1, text=CAMPAIGN))
    (print_,) = fingerprints([first.clean_text])
    field = f"{print_ >> 32}:{print_ & 0xFFFFFFFF}"
    redis_client.hset(_band_key("default", 0, _bands(print_)[0]), field, "x:77")  # old form
    assign_clusters(redis_client, [first])
    assert first.cluster_id == "default:x:77"
