"""Reading a platform's delivery without trusting its shape: signed is not the same as well-formed.

A delivery whose envelope is not what the platform documents is refused as a whole
(`EnvelopeError`, answered 400 with the reason). Inside a good envelope each item stands alone:
one of the wrong shape becomes a rejected row with its location and reason, and the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from escucha.pipeline.ingest import Row

# Maps a channel account ('meta:<page id>', 'x:<user id>', 'mastodon:<host>') to its tenant;
# None when no tenant owns it.
TenantFor = Callable[[str], str | None]


class EnvelopeError(ValueError):
    """The delivery as a whole is not the shape its platform documents."""


def require_object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EnvelopeError(f"{what} must be a JSON object, not {type_name(value)}")
    return value


def require_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise EnvelopeError(f"{what} must be a JSON array, not {type_name(value)}")
    return value


def type_name(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def objects(values: list[Any], where: str) -> Iterator[tuple[str, Mapping[str, Any] | Row]]:
    """Each element with its location; one that is not an object is already a rejected row."""
    for n, value in enumerate(values):
        location = f"{where}[{n}]"
        if isinstance(value, Mapping):
            yield location, value
        else:
            yield location, refused(value, location, f"expected an object, not {type_name(value)}")


def refused(value: Any, location: str, reason: str, tenant: str | None = None) -> Row:
    """An item refused with its reason; `tenant` when the item is known to be one's."""
    return Row({"item": value} | ({"tenant": tenant} if tenant else {}), location, reason)


def field(value: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A nested object, or an empty one when it is missing or not an object."""
    found = value.get(name)
    return found if isinstance(found, Mapping) else {}


def ident(value: Any) -> str | None:
    """An id as platforms send them: a string, or a JSON number (Graph v2.5 `sender_id`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


ACCOUNT_FIELDS = {"meta": "meta_pages or instagram_accounts", "x": "x_user_ids"}


def unmapped_reason(account: str) -> str:
    platform = account.partition(":")[0]
    where = ACCOUNT_FIELDS.get(platform, platform)
    return (
        f"account {account!r} belongs to no tenant: add it to a tenant's [tenant.accounts] "
        f"{where} (escucha tenant import) to take its events"
    )
