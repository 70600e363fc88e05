"""Throttling of password guesses, per account and per client address, kept in Redis.

Each failure counts against the account and against the address. Past the allowance, the key is
locked for a window that doubles with every further failure (up to a maximum); while locked,
every attempt is answered 429 with Retry-After, without checking the password, so guessing stops
paying. A success clears the account's count (not the address's: one's own account must not
launder an address that guesses at others'). Counts are forgotten a maximum window after the last
failure. Kept in Redis so that every API process shares them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis.asyncio as redis
from fastapi import HTTPException, Request, status

from wellwon.config import Settings

# An address may be shared (an office behind NAT), so it gets more failures than one account.
ADDRESS_ALLOWANCE_FACTOR = 10

# Counts a failure and, past the allowance, locks the key for base * 2^(failures - allowance - 1) s, capped.
# KEYS: failures, lock. ARGV: allowance, base ms, max ms.
_FAIL = """
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local over = failures - tonumber(ARGV[1])
if over > 0 then
  local window = math.min(tonumber(ARGV[2]) * 2 ^ math.min(over - 1, 40), tonumber(ARGV[3]))
  redis.call('SET', KEYS[2], failures, 'PX', math.floor(window))
end
return failures
"""


@dataclass(frozen=True)
class Guesser:
    """Who is guessing: the account guessed at (if known) and the client's address."""

    account: str | None
    address: str


def client_address(request: Request) -> str:
    # uvicorn resolves X-Forwarded-For from trusted proxies only (FORWARDED_ALLOW_IPS) into the client.
    return request.client.host if request.client else "unknown"


class Throttle:
    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.settings = settings
        self.redis = client
        self._fail = client.register_script(_FAIL)

    def _keys(self, purpose: str, guesser: Guesser) -> list[tuple[str, int]]:
        allowed = self.settings.login_failures_allowed
        keys = [
            (self.settings.name(f"throttle:{purpose}:address:{guesser.address}"), allowed * ADDRESS_ALLOWANCE_FACTOR)
        ]
        if guesser.account is not None:
            keys.append((self.settings.name(f"throttle:{purpose}:account:{guesser.account}"), allowed))
        return keys

    async def check(self, purpose: str, guesser: Guesser) -> None:
        """429 with Retry-After while the account or the address is locked."""
        waits = [await self.redis.pttl(f"{key}:lock") for key, _ in self._keys(purpose, guesser)]
        wait_ms = max(waits)
        if wait_ms > 0:
            seconds = max(1, math.ceil(wait_ms / 1000))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"too many failed attempts: try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    async def failed(self, purpose: str, guesser: Guesser) -> None:
        base_ms = int(self.settings.login_backoff_seconds * 1000)
        max_ms = int(self.settings.login_backoff_max_seconds * 1000)
        for key, allowed in self._keys(purpose, guesser):
            await self._fail(keys=[key, f"{key}:lock"], args=[allowed, base_ms, max_ms])

    async def succeeded(self, purpose: str, guesser: Guesser) -> None:
        if guesser.account is not None:
            key = self.settings.name(f"throttle:{purpose}:account:{guesser.account}")
            await self.redis.delete(key)


async def throttle(request: Request) -> Throttle:
    found: Throttle = request.app.state.throttle
    return found
