"""Which new passwords are too weak: common ones, ones made of the account's own words, and guessable ones.

Three checks, cheapest first: the shipped list of the most common passwords (`data/common_passwords.txt`),
the context a targeted attacker knows (the email, the names, the platform's name), and zxcvbn's
estimate of how many guesses an attacker needs, with that context as its own dictionary.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from fastapi import HTTPException, status
from zxcvbn import zxcvbn

COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common_passwords.txt"
PLATFORM_WORDS = ("wellwon",)
MIN_SCORE = 3  # zxcvbn's "safely unguessable" (about 10^8 guesses and more)
# zxcvbn's time grows steeply with length (0.8 s for 128 characters); a password strong in its first
# 40 characters is strong, so only those are estimated, which keeps a check under about 50 ms.
ESTIMATED_PREFIX = 40
MIN_FRESH_CHARACTERS = 4  # what must remain once the account's own words are taken out


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def context_words(email: str | None, names: Iterable[str | None] = ()) -> list[str]:
    """The words a targeted guess starts from: the email, its local part and its pieces, the names."""
    words: list[str] = list(PLATFORM_WORDS)
    if email:
        local, _, domain = email.lower().partition("@")
        label = domain.split(".")[0]
        words += [email.lower(), local, *re.split(r"[._+\-]+", local), label, *re.split(r"[\-]+", label)]
    for name in names:
        if name:
            words += [name.lower(), *name.lower().split()]
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def weakness(password: str, context: list[str]) -> str | None:
    """Why the password is too weak, or None if it is acceptable."""
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!.?") in common_passwords():
        return "is one of the most commonly used passwords"
    letters = re.sub(r"[^0-9a-z]", "", lowered)
    for word in sorted(context, key=len, reverse=True):
        letters = letters.replace(re.sub(r"[^0-9a-z]", "", word), "")
    if len(letters) < MIN_FRESH_CHARACTERS:
        return "is made of your email, your name or the platform's name"
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=context, max_length=ESTIMATED_PREFIX)
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"].get("warning") or "it would be guessed quickly"
        return f"is too easy to guess: {hint.rstrip('.')}; a few unrelated words make a strong password"
    return None


async def refuse_weak_password(password: str, field: str, email: str | None, names: Iterable[str | None] = ()) -> None:
    """422 naming the field if the password is weak (estimated off the event loop: it takes milliseconds)."""
    reason = await asyncio.to_thread(weakness, password, context_words(email, names))
    if reason is not None:
        detail = [{"loc": ["body", field], "msg": f"the password {reason}", "type": "password_too_weak"}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
