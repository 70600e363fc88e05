"""API keys that machines present instead of a session: made once, shown once, kept only as a SHA-256 hash.

A key is high-entropy random text, so a plain SHA-256 is enough to keep it unusable at rest (no
password-style stretching needed); the hash is what events, read models and lookups carry.
"""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def new_key(prefix: str) -> str:
    """A fresh key: `prefix` (which names what it is for, or whose it is) and 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_key_hash(value: str) -> bool:
    return KEY_HASH_PATTERN.fullmatch(value) is not None
