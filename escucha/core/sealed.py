"""Secrets sealed at rest: platform tokens are stored encrypted, opened only to be used.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under the installation's key. Older
keys may follow the current one, so keys rotate: what they sealed still opens, and new seals
use the first key. A sealed value never appears in logs or answers; neither does the key.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from escucha.core.errors import PermanentError

if TYPE_CHECKING:
    from config.settings import Stores


class SealError(PermanentError):
    """A sealed value that none of the configured keys opens."""


def new_key() -> str:
    return Fernet.generate_key().decode()


class Sealer:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("sealing needs at least one key (ESCUCHA_SECRET_KEY)")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as error:
            raise ValueError(
                "ESCUCHA_SECRET_KEY must be 32 url-safe base64-encoded bytes; make one with "
                "`escucha channel new-key`"
            ) from error

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError(
                "a stored secret does not open with the configured keys: was "
                "ESCUCHA_SECRET_KEY changed without keeping the old one in "
                "ESCUCHA_PREVIOUS_SECRET_KEYS?"
            ) from None

    def __repr__(self) -> str:
        return "Sealer(<keys hidden>)"


def installation_keys(current: str | None, previous: Sequence[str], key_file: Path) -> list[str]:
    """The keys to seal with: the configured one, else a key file made once (mode 0600)."""
    if current:
        return [current, *previous]
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key())
    return [key_file.read_text().strip(), *previous]


def installation_sealer(stores: Stores) -> Sealer:
    """The sealer of this installation's settings: ESCUCHA_SECRET_KEY or its key file."""
    current = stores.secret_key.get_secret_value() if stores.secret_key else None
    previous = [key.get_secret_value() for key in stores.previous_secret_keys]
    return Sealer(installation_keys(current, previous, stores.secret_key_file))
