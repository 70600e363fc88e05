"""Idempotency-Key for every command route: the first answer replayed, a reused key refused, one command id.

One ASGI middleware serves every POST/PUT/PATCH/DELETE under /api (except the token-issuing login and
refresh, whose answers are fresh credentials nobody should find in Redis a day later). A key is scoped
to the caller (tenant and actor of a verified bearer token, the hash of an X-Api-Key; for anonymous
calls such as registration, the request itself, since strangers cannot be told apart)
and kept in Redis for a window (`IDEMPOTENCY_WINDOW_SECONDS`, 24 h by default) with a fingerprint of
method, path, query and body:

- same key, same request, answered before: that answer again, with `Idempotent-Replayed: true`;
- same key, another request: 409 naming the conflict;
- same key while the first is still running: 409 with Retry-After; after a lease
  (`IDEMPOTENCY_LEASE_SECONDS`, 30 s) a retry may run again (the first may have died with its process).

5xx answers and 429 are not kept (a retry runs again); other 4xx are (a retry gets the same failure).

While a keyed request runs, `CommandBus.send` takes its command ids from `command_id_for` instead of
random ones: derived from (scope, key, n-th command of the request), so a retry after a cut-off
request sends the same command id, and the bus answers a command whose outcome is already recorded
instead of sending it again (the engine only remembers the last ids per aggregate).
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import jwt
import orjson
import redis.asyncio as redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wellwon.config import Settings, setting

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Their answers are new tokens: replaying them would keep live credentials in Redis for the window.
WITHOUT_KEY = frozenset({"/api/auth/login", "/api/auth/refresh"})
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
# Headers of the first answer that a replay repeats (the rest are per-connection or recomputed).
REPLAYED_HEADERS = frozenset({b"content-type", b"location", b"www-authenticate", b"cache-control"})
# Bodies up to this size are fingerprinted; a bigger one passes on unkeyed to meet the route's own limit.
MAX_KEYED_BODY = 4 * 1024 * 1024
ANONYMOUS = "anonymous"
# Credentials presented as keys (EDI partners, the customs gateway): the key's hash names the caller.
KEY_HEADERS = (b"x-api-key", b"x-gateway-key")
NAMESPACE = uuid.UUID("5b0c1f8e-3d5a-4c1e-9d1a-7f0e2c6b9a41")


def window_seconds() -> int:
    return int(setting("IDEMPOTENCY_WINDOW_SECONDS") or 24 * 3600)


def lease_seconds() -> int:
    return int(setting("IDEMPOTENCY_LEASE_SECONDS") or 30)


def takes_key(method: str, path: str) -> bool:
    """Whether a route honours Idempotency-Key (the OpenAPI document says so for the same routes)."""
    return method.upper() in COMMAND_METHODS and path.startswith("/api/") and path not in WITHOUT_KEY


@dataclass
class KeyedRequest:
    """The keyed request being handled: gives its commands their deterministic ids, in order."""

    scope: str
    key: str
    sent: int = field(default=0)

    def next_command_id(self) -> str:
        number, self.sent = self.sent, self.sent + 1
        return str(uuid.uuid5(NAMESPACE, f"{self.scope}\n{self.key}\n{number}"))


_current: ContextVar[KeyedRequest | None] = ContextVar("keyed_request", default=None)


@contextmanager
def keyed(scope: str, key: str) -> Iterator[None]:
    """Commands sent inside take ids derived from (scope, key), as in a keyed HTTP request: for callers whose
    retries carry their own key (a Telegram update's id), so a redelivered update sends no second command."""
    token = _current.set(KeyedRequest(scope, key))
    try:
        yield
    finally:
        _current.reset(token)


def command_id_for(explicit: str | None) -> str | None:
    """The deterministic id for the next command of a keyed request; None outside one (or for a route's own id)."""
    request = _current.get()
    if request is None or explicit is not None:
        return None
    return request.next_command_id()


def current_key() -> str | None:
    """The Idempotency-Key of the keyed request being handled, None outside one: for a route whose new aggregate is
    named by the key itself (a payment), so that anyone of the tenant retrying the key names the same aggregate."""
    request = _current.get()
    return None if request is None else request.key


def created_id(namespace: uuid.UUID) -> str:
    """A created aggregate's id: inside a keyed request derived from the caller's scope and key, so a retry
    of a cut-off create names the same aggregate (and gets its recorded outcome); else a fresh one."""
    request = _current.get()
    if request is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(namespace, f"{request.scope}\n{request.key}"))


def caller_scope(headers: dict[bytes, bytes], secret: str) -> str | None:
    """Whose key it is; None when the bearer token does not verify (the route answers 401 itself)."""
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return None
        return f"{claims.get('tid') or '-'}/{claims['sub']}"
    for header in KEY_HEADERS:
        if credential := headers.get(header):
            return f"{header.decode()}:{hashlib.sha256(credential).hexdigest()}"
    return ANONYMOUS


def fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def json_answer(
    status: int, detail: Any, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    return status, [(b"content-type", b"application/json"), *extra], orjson.dumps({"detail": detail})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings
        self._redis: redis.Redis | None = None

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.from_url(self.settings.redis_url)
        return self._redis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not takes_key(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER.lower().encode())
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not (0 < len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key)):
            detail = [{"loc": ["header", HEADER], "msg": "1 to 255 printable ASCII characters", "type": "value_error"}]
            await self._answer(send, *json_answer(422, detail))
            return
        owner = caller_scope(headers, self.settings.jwt_secret)
        if owner is None:
            await self.app(scope, receive, send)
            return
        chunks, complete = await _read_body(receive)
        if not complete:  # too big to remember (the route's own limit answers it) or the client left
            await self.app(scope, _replay_body(chunks, True, receive), send)
            return
        body = b"".join(chunks)
        request_print = fingerprint(scope, body)
        if owner == ANONYMOUS:
            # Nobody to tell apart: two strangers may pick the same key, so the request is part of the scope
            # (a replay still works; another body is another request, not a 409).
            owner = f"{ANONYMOUS}:{request_print}"
        record_key = self.settings.name("idempotency:" + hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest())
        lease = lease_seconds()
        claimed = {"fingerprint": request_print, "state": "running", "until": time.time() + lease}
        if not await self.redis.set(record_key, orjson.dumps(claimed), nx=True, ex=lease):
            if await self._answer_known(send, record_key, request_print):
                return
            # The record vanished between the two calls (its lease ended): take it now.
            await self.redis.set(record_key, orjson.dumps(claimed), ex=lease)

        status, answer_headers, answer = 0, [], []

        async def capture(message: Message) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status, answer_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        # The header is this middleware's: routes that still declare it see none and leave the id to the bus.
        inner = {**scope, "headers": [(n, v) for n, v in scope["headers"] if n.lower() != HEADER.lower().encode()]}
        token = _current.set(KeyedRequest(owner, key))
        try:
            await self.app(inner, _replay_body([body], False, receive), capture)
        except BaseException:
            await self.redis.delete(record_key)
            raise
        finally:
            _current.reset(token)
        if status >= 500 or status == 429 or status == 0:
            await self.redis.delete(record_key)
            return
        kept = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in answer_headers
                if name.lower() in REPLAYED_HEADERS]  # fmt: skip
        done = {"fingerprint": request_print, "state": "done", "status": status, "headers": kept,
                "body": base64.b64encode(b"".join(answer)).decode()}  # fmt: skip
        await self.redis.set(record_key, orjson.dumps(done), ex=window_seconds())

    async def _answer_known(self, send: Send, record_key: str, request_print: str) -> bool:
        """Answer from the record under this key, if there still is one: replay or 409."""
        raw = await self.redis.get(record_key)
        if raw is None:
            return False
        record = orjson.loads(raw)
        if record["fingerprint"] != request_print:
            detail = f"{HEADER} was already used for a different request (method, path or body) within its window"
            await self._answer(send, *json_answer(409, detail))
        elif record["state"] == "running":
            wait = max(1, int(record["until"] - time.time() + 0.999))
            detail = f"a request with this {HEADER} is still being handled; retry after {wait} s"
            await self._answer(send, *json_answer(409, detail, {"Retry-After": str(wait)}))
        else:
            replayed = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in record["headers"]]
            await self._answer(
                send, record["status"], [*replayed, (REPLAYED_HEADER.lower().encode(), b"true")],
                base64.b64decode(record["body"]),
            )  # fmt: skip
        return True

    @staticmethod
    async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> tuple[list[bytes], bool]:
    """The body's chunks, and whether that is all of it (not when over MAX_KEYED_BODY or the client left)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return chunks, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return chunks, True
        if size > MAX_KEYED_BODY:
            return chunks, False


def _replay_body(chunks: list[bytes], more: bool, receive: Receive) -> Receive:
    """A receive that hands the app the chunks already read, then defers to the real one."""
    pending = list(chunks)

    async def replay() -> Message:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or more}
        return await receive()

    return replay
