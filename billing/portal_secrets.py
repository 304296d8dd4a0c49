"""What the portal keeps instead of secrets: argon2id password hashes, SHA-256 of tokens, and the password policy.

A token (an invitation or reset link, a session's cookie) is 32 random bytes:
guessing one is hopeless, so a plain SHA-256 of it is enough to find its row and
useless to anyone who reads the database. A password is low in entropy and gets
argon2id, slow on purpose (argon2-cffi's defaults, RFC 9106's second choice).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pricing.errors import InvalidInput

PASSWORD_MIN = 12
PASSWORD_MAX = 256
"""A longer one only costs the server argon2 time without being any harder to guess."""

COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "password1234", "password12345", "passwordpassword", "qwertyuiop12",
    "qwertyuiopas", "iloveyou1234", "letmein12345", "welcome12345", "administrator", "changeme1234",
    "abcdefghijkl", "abc123abc123", "111111111111", "000000000000", "aaaaaaaaaaaa", "football1234",
    "monkey123456", "sunshine1234", "princess1234", "trustno1trustno1", "correcthorsebatterystaple",
    "schoolschool", "headteacher1", "headteacher123", "password123!", "password1234!", "p@ssword1234",
    "p@ssw0rd1234", "welcome@1234", "summer2025!!", "winter2025!!", "changeme123!",
})
"""A short list of the first passwords people reach for (lower case), refused whatever the case typed."""

_HASHER = PasswordHasher()  # argon2id is its default type


def new_token() -> str:
    """A fresh random token for a link or a session cookie (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from; with no hash, as slow as a real check."""
    try:
        return _HASHER.verify(stored or _decoy(), password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _decoy() -> str:
    # Checked against for unknown emails, so a refusal takes the same time whether or not the person exists.
    return _HASHER.hash(new_token())


def check_password(password: str, email: str) -> str:
    """``password`` if the policy allows it: 12 to 256 characters, not the email, not a common password."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"the password must be at least {PASSWORD_MIN} characters long", code="weak_password")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"the password must be at most {PASSWORD_MAX} characters long", code="weak_password")
    folded = password.strip().casefold()
    mailbox = email.casefold()
    if folded in (mailbox, mailbox.partition("@")[0]):
        raise InvalidInput("the password must not be your email address", code="weak_password")
    if folded in COMMON_PASSWORDS or len(set(folded)) < 4:
        raise InvalidInput("that password is too easily guessed: choose another", code="weak_password")
    return password
