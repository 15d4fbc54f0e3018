"""Agents' passwords, hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second choice).

Only the hash is kept. A password is checked in constant time by the library; a hash made with
older parameters is replaced at the next good login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_HASHER = PasswordHasher()
# Checked when no agent has the address, so a wrong e-mail costs what a wrong password does.
DUMMY = _HASHER.hash("an address nobody has")


class WeakPassword(ValueError):
    """A password too short to keep."""


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _HASHER.check_needs_rehash(hashed)
