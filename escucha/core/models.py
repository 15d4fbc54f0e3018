"""The contracts between pipeline stages.

Each stage reads one model and writes the next; every later model carries the fields of the
one before it, so a stage reads exactly one staged record per mention.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

Extended = TypeVar("Extended", bound=BaseModel)

MAX_TEXT_CHARS = 200_000
TWITTER_DATE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
BROKEN_BYTE = re.compile("[\udc80-\udcff]")  # how surrogateescape decodes a non-UTF-8 byte
SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


def as_utc(value: datetime) -> datetime:
    """Times are kept in UTC (naive means UTC): SQLite stores no offset, so mixed ones misorder."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def assemble(model: type[Extended], **fields: Any) -> Extended:
    """A `model` from values already of their declared types, every field given.

    This is what `model_construct` ends up doing, without its per-field default handling,
    which cost a stage 40-70 µs a mention.
    """
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", fields)
    object.__setattr__(built, "__pydantic_fields_set__", set(fields))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


def extend(model: type[Extended], base: BaseModel, **fields: Any) -> Extended:
    """`base` with more fields, as `model`; what `base` holds was validated when it was made."""
    return assemble(model, **base.__dict__, **fields)


def mention_id(tenant: str, source: str, external_id: str) -> str:
    """The stable id a mention gets at the door: the same post of the same tenant always maps
    to the same id, and two tenants' posts never share one."""
    return f"{tenant}:{source}:{external_id}"


def post_ref(source: str, external_id: str) -> str:
    """How one post names another of the same tenant (`in_reply_to`, `amplifies`)."""
    return f"{source}:{external_id}"


def native_id(source: str, external_id: str) -> str:
    """The platform's own id of a post escucha stored: Mastodon's are kept as 'host/id', since
    ids from two instances can collide, and the instance's API wants the id alone."""
    return external_id.rpartition("/")[2] if source == "mastodon" else external_id


def tenant_of(mention_id: str) -> str:
    return mention_id.partition(":")[0]


class Sentiment(StrEnum):
    positive = "positive"
    negative = "negative"
    neutral = "neutral"


class Intent(StrEnum):
    claim = "claim"  # demands a remedy: refund, compensation, lost luggage
    complaint = "complaint"  # states a breach of expectations
    lead = "lead"  # purchase intent: price, availability, wanting to buy
    suggestion = "suggestion"
    request = "request"
    question = "question"
    praise = "praise"
    spam = "spam"
    other = "other"


class PriorityLabel(StrEnum):
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"


MAX_FOLLOWERS = 2**31 - 1  # what an INTEGER column holds on every store
MAX_UNIX_SECONDS = 20_000_000_000  # year 2603: past this a number is ambiguous (milliseconds?)
MentionRef = Annotated[str, Field(min_length=1, max_length=240)]


class Mention(BaseModel):
    """A mention's own fields, as every stage record carries them."""

    model_config = ConfigDict(populate_by_name=True)

    external_id: str = Field(alias="id", min_length=1, max_length=200)
    source: SourceName
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    author: str = Field(min_length=1, max_length=200, description="the name people see")
    created_at: datetime
    updated_at: datetime | None = Field(
        default=None, description="when the platform says this version was made (an edit)"
    )
    tenant: SourceName = "default"
    author_followers: int | None = Field(default=None, ge=0, le=MAX_FOLLOWERS)
    author_id: str | None = Field(
        default=None,
        max_length=320,
        description="the author's identity on the platform (user id, or a feed's e-mail); "
        "kept for contacts, never shown as the name",
    )
    url: str | None = Field(default=None, max_length=2048)
    in_reply_to: MentionRef | None = Field(
        default=None, description="the post this answers, as 'source:external_id'"
    )
    amplifies: MentionRef | None = Field(
        default=None, description="a boost or retweet: the original, as 'source:external_id'"
    )
    thread: MentionRef | None = Field(
        default=None,
        description="the post a comment sits under, when it is not the comment itself (a Page "
        "post, an Instagram media, an X conversation), as 'source:external_id'; for a direct "
        "message, the person the conversation is with, as 'source:their id'",
    )
    direct: bool = Field(
        default=False,
        description="a private message: Messenger, Instagram Direct, an X DM, a Mastodon "
        "direct status",
    )
    inbound: bool = True  # False for the business's own posts and replies (e.g. twcs exports)
    addressed: bool = Field(
        default=False,
        description="the platform delivered it to one of the tenant's own accounts: a comment "
        "on its page, a reply to or mention of its user, a direct message",
    )

    @property
    def id(self) -> str:
        return mention_id(self.tenant, self.source, self.external_id)

    @property
    def version_at(self) -> datetime:
        """What orders two versions of one post: the platform's own clock, not arrival."""
        return self.updated_at or self.created_at


def utc_in_range(value: datetime) -> datetime:
    """`as_utc`, refusing what has no UTC form (0001-01-01T00:00:00+01:00 would be year 0)."""
    try:
        return as_utc(value)
    except (OverflowError, ValueError) as error:
        raise ValueError(f"{value.isoformat()} is out of range once converted to UTC") from error


def unambiguous_time(value: Any) -> Any:
    """Unix times in seconds only: a larger number may be milliseconds, so it is refused."""
    if isinstance(value, bool):
        raise ValueError("expected a date, not a boolean")
    numeric = isinstance(value, int | float) or (
        isinstance(value, str) and UNIX_TIME.match(value.strip()) is not None
    )
    if not numeric:
        return value
    number = float(value)
    if not 0 <= number <= MAX_UNIX_SECONDS:
        raise ValueError(
            f"{value} is not a Unix time in seconds between 1970 and 2603 (milliseconds are "
            "ambiguous): send seconds or an ISO 8601 date"
        )
    return datetime.fromtimestamp(number, UTC)


UNIX_TIME = re.compile(r"^-?\d+(?:\.\d+)?$")
NUL = "\x00"


class RawMention(Mention):
    """A mention as a producer hands it in, checked and tidied at the door.

    The checks below run here only: stage records are written by escucha from a RawMention
    that passed them, so each stage's decode keeps to the typed shape (5 µs a decode less).
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)  # merged with Mention's

    @field_validator("text", "author", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        # Files are read with surrogateescape, so bytes that were not UTF-8 surface here.
        if isinstance(value, str) and BROKEN_BYTE.search(value):
            raise ValueError("is not valid UTF-8")
        # PostgreSQL refuses NUL in text and SQLite stops a search at it: both stores get none.
        return value.replace(NUL, "") if isinstance(value, str) else value

    @field_validator(
        "external_id", "author_id", "url", "in_reply_to", "amplifies", "thread", mode="before"
    )
    @classmethod
    def _plain_reference(cls, value: Any) -> Any:
        if isinstance(value, str) and BROKEN_BYTE.search(value):
            raise ValueError("is not valid UTF-8")
        if isinstance(value, str) and NUL in value:
            raise ValueError("contains a NUL character")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # platforms send numeric ids as JSON numbers too
        return None if value == "" else value

    @field_validator("created_at", "updated_at", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        # "Wed Oct 11 06:55:44 +0000 2017", as X's v1.1 API and its exports write dates.
        if isinstance(value, str) and TWITTER_DATE.match(value):
            return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
        return unambiguous_time(value)

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return utc_in_range(value) if value is not None else None

    @field_validator("author_followers", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class StagedMention(Mention):
    """A raw mention once accepted: what producers put in Redis for the first stage."""

    accepted_at: datetime
    # `version_at` as a number, so the staging script can compare versions without parsing dates.
    version: float = 0.0


class NormalizedMention(StagedMention):
    clean_text: str
    handles: list[str] = []
    hashtags: list[str] = []
    urls: list[str] = []
    lang: str
    lang_confidence: float
    cluster_id: str | None = None  # the first mention of the same (near-duplicate) text


class Analysis(BaseModel):
    lang: str
    sentiment: Sentiment
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    intent: Intent
    complaint: bool
    offensive: bool


class AnalyzedMention(NormalizedMention):
    analysis: Analysis


class Triage(BaseModel):
    priority: int = Field(ge=0, le=100)
    label: PriorityLabel
    reasons: list[str]
    case_key: str | None = None
    relevant: bool = True  # about the tenant at all; one that is not never opens a case
    topics: list[str] = []  # the series it counts in (escucha.insight.topics)


class TriagedMention(AnalyzedMention):
    triage: Triage


class DeadLetter(BaseModel):
    """Something that could not go on, with what, where and why."""

    stage: str
    reason: str
    mention_id: str | None = None
    attempts: int = 1
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    location: str | None = None  # e.g. "sample.csv line 7"
    payload: str | None = None  # what to re-drive: the stage's input, or the raw row
    # A refused row's payload is kept only in part (its sender still has it): how much there
    # was, and its digest, so it can be matched to the sender's copy.
    payload_truncated: bool = False
    payload_bytes: int | None = None
    payload_sha256: str | None = None
