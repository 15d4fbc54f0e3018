"""Complaint recovery, one test per rule: who counts, what recovers them, and by when."""

from datetime import UTC, datetime, timedelta

from escucha.care.recovery import Post, Signal, recovery

SINCE, UNTIL = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
LATER = datetime(2026, 12, 15, tzinfo=UTC)  # every window of September is over
DAY = timedelta(days=1)


def complaint(person, at, case="c1", score=-0.8):
    return Post(person, at, complaint=True, positive=False, case_id=case, score=score)


def praise(person, at, case=None, score=0.7):
    return Post(person, at, complaint=False, positive=True, case_id=case, score=score)


def test_a_complainer_who_praises_the_brand_within_60_days_is_recovered():
    wrote = SINCE + 2 * DAY
    figures = recovery([complaint("ana", wrote), praise("ana", wrote + 10 * DAY)], [], SINCE,
                       UNTIL, LATER)  # fmt: skip
    assert (figures.complainers, figures.recovered, figures.rate) == (1, 1, 1.0)
    assert figures.by == {"post": 1} and figures.median_days_to_recovery == 10


def test_praise_after_60_days_or_before_the_complaint_recovers_no_one():
    wrote = SINCE + 2 * DAY
    posts = [praise("ana", wrote - DAY), complaint("ana", wrote), praise("ana", wrote + 61 * DAY)]
    figures = recovery(posts, [], SINCE, UNTIL, LATER)
    assert (figures.recovered, figures.decided, figures.rate) == (0, 1, 0.0)


def test_a_window_still_running_counts_in_neither_part_of_the_rate():
    wrote = UNTIL - DAY
    figures = recovery([complaint("ana", wrote), complaint("luis", SINCE + DAY)], [], SINCE,
                       UNTIL, wrote + 5 * DAY)  # fmt: skip
    assert figures.complainers == 2 and figures.still_open == 2 and figures.decided == 0
    assert figures.rate is None and figures.so_far == 0


def test_csat_of_4_or_5_and_a_won_deal_recover_and_a_3_does_not():
    wrote = SINCE + DAY
    posts = [complaint(p, wrote, case=p) for p in ("ana", "luis", "eva")]
    signals = [Signal("ana", wrote + DAY, "csat", 5), Signal("luis", wrote + DAY, "csat", 3),
               Signal("eva", wrote + 3 * DAY, "purchase")]  # fmt: skip
    figures = recovery(posts, signals, SINCE, UNTIL, LATER)
    assert figures.recovered == 2 and figures.by == {"csat": 1, "purchase": 1}


def test_only_complaints_made_in_the_period_make_complainers():
    neutral = Post("luis", SINCE + DAY, complaint=False, positive=False, case_id=None, score=0)
    posts = [complaint("ana", SINCE - DAY), praise("ana", SINCE + DAY), neutral]
    assert recovery(posts, [], SINCE, UNTIL, LATER).complainers == 0


def test_sentiment_change_within_a_case_is_its_last_customer_message_less_its_first():
    wrote = SINCE + DAY
    posts = [complaint("ana", wrote, case="c1", score=-0.9),
             Post("ana", wrote + DAY, complaint=False, positive=True, case_id="c1", score=0.5),
             complaint("luis", wrote, case="c2", score=-0.5)]  # fmt: skip
    figures = recovery(posts, [], SINCE, UNTIL, LATER)
    assert figures.cases_with_sentiment_change == 1
    assert figures.median_sentiment_change == 1.4
