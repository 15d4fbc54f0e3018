"""Where an alert goes: a signed webhook, Slack, e-mail or Telegram, each with its secrets."""

from __future__ import annotations

import base64
import binascii
import secrets
from email.utils import parseaddr
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)  # Standard Webhooks: at least 192 bits, at most 512


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for; ValueError when it is not one."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Padding is added because some senders hand out unpadded base64.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the secret is not base64 after whsec_") from None
    low, high = SECRET_BYTES
    if not low <= len(key) <= high:
        raise ValueError(f"the secret must decode to {low} to {high} bytes, not {len(key)}")
    return key


def _webhook_secret(value: str) -> str:
    if not value.startswith(SECRET_PREFIX):
        raise ValueError("the secret must look like whsec_<base64> (Standard Webhooks)")
    secret_key(value)
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http:// or https:// with a host")
    # Credentials in a URL end up in logs and error messages; they belong in the secret.
    if parts.username or parts.password:
        raise ValueError("the URL must not carry a user name or password")
    return value


def _address(value: str) -> str:
    # A line break in an address would let it write its own e-mail headers.
    _, address = parseaddr(value)
    if "\r" in value or "\n" in value or "@" not in address:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Address = Annotated[str, AfterValidator(_address)]
# hide_input_in_errors: a refused destination's error must not echo its secrets back.
CONFIG = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Webhook(BaseModel):
    """A URL that takes Standard Webhooks: signed JSON, the same id on every retry."""

    model_config = CONFIG
    secret_fields: ClassVar[tuple[str, ...]] = ("secret",)

    kind: Literal["webhook"] = "webhook"
    url: HttpUrl
    secret: Annotated[str, AfterValidator(_webhook_secret), Field(repr=False)]

    def public(self) -> dict[str, Any]:
        """What an API may show: everything but the secret."""
        return self.model_dump(mode="json", exclude=set(self.secret_fields))


class Slack(BaseModel):
    """A Slack incoming webhook: whoever has the URL can post, so the whole URL is secret."""

    model_config = CONFIG
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)

    kind: Literal["slack"] = "slack"
    url: Annotated[HttpUrl, Field(repr=False)]

    def public(self) -> dict[str, Any]:
        """The kind and the URL's host, never its path (the token)."""
        return {"kind": self.kind, "host": urlsplit(self.url).hostname}


class Email(BaseModel):
    """An SMTP server that relays alerts to `to`; the login is only ever sent over STARTTLS."""

    model_config = CONFIG
    secret_fields: ClassVar[tuple[str, ...]] = ("password",)

    kind: Literal["email"] = "email"
    to: Annotated[tuple[Address, ...], Field(min_length=1)]
    sender: Address
    host: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9.:\[\]-]+$")]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    username: str | None = None
    password: Annotated[str | None, Field(repr=False)] = None

    @model_validator(mode="after")
    def _login_is_safe(self) -> Email:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        if self.username is not None and not self.starttls:
            raise ValueError("a login needs starttls: the password is never sent in clear")
        return self

    def public(self) -> dict[str, Any]:
        """What an API may show: everything but the password."""
        return self.model_dump(mode="json", exclude=set(self.secret_fields))


class Telegram(BaseModel):
    """A Telegram chat a bot posts to; the bot token goes in the URL path, so it is guarded."""

    model_config = CONFIG
    secret_fields: ClassVar[tuple[str, ...]] = ("bot_token",)

    kind: Literal["telegram"] = "telegram"
    # The token's shape is checked so it cannot smuggle another path into the API URL.
    bot_token: Annotated[str, Field(repr=False, pattern=r"^\d+:[A-Za-z0-9_-]+$")]
    chat_id: Annotated[str, Field(pattern=r"^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$")]
    api_url: HttpUrl = "https://api.telegram.org"

    def public(self) -> dict[str, Any]:
        """What an API may show: everything but the bot token."""
        return self.model_dump(mode="json", exclude=set(self.secret_fields))


Destination = Annotated[Webhook | Slack | Email | Telegram, Field(discriminator="kind")]
DESTINATION: TypeAdapter[Destination] = TypeAdapter(
    Destination, config=ConfigDict(hide_input_in_errors=True)
)
KINDS = ("webhook", "slack", "email", "telegram")


def parse_destination(settings: dict[str, Any]) -> Destination:
    """A destination from its settings; pydantic's ValidationError names what is wrong."""
    return DESTINATION.validate_python(settings)
