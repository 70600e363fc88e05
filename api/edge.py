"""The API's edge: body size limits, input hygiene and security headers, once for every route.

One ASGI middleware, in front of routing, so no route can forget it:
- a body larger than its route's limit (`BODY_LIMITS`, by path prefix) is refused with 413 before it
  is read: by `Content-Length` when given, else by counting the chunks as they arrive;
- text with control characters (C0 except tab, newline and carriage return; DEL) anywhere in a JSON
  body, a query parameter or a path parameter, integers in JSON beyond a signed 64-bit long (Avro's
  `long`), non-finite numbers, and integer query parameters beyond it, are refused with 422 naming
  the field, in FastAPI's own error shape, so nothing downstream (Avro, Postgres) can choke on them;
- every answer carries the security headers; `/api` answers are never cached (they carry tokens
  and personal data), and the interactive docs get a policy that lets them run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import parse_qsl

import orjson
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
# C0 controls other than tab, newline and carriage return, and DEL: never legitimate in business text,
# and NUL in particular cannot be stored in Postgres text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class BodyRule:
    """How large a body a route may take, and whether it is JSON (checked) or raw (CSV, EDIFACT).

    A streamed rule's body is not read here: the route streams it on (a document's file to the object
    store) and enforces its own limit while doing so; `pattern` narrows a rule to paths matching it whole."""

    prefix: str
    max_bytes: int
    json: bool = True
    streamed: bool = False
    pattern: str | None = None

    def matches(self, path: str) -> bool:
        return path.startswith(self.prefix) and (self.pattern is None or re.fullmatch(self.pattern, path) is not None)


# First matching prefix wins; the last rule is the default for everything else.
BODY_LIMITS: tuple[BodyRule, ...] = (
    # A document's file (upload, new version): the route counts against DOCUMENT_MAX_BYTES as it streams.
    BodyRule("/api/documents", 0, json=False, streamed=True, pattern=r"/api/documents(/[^/]+/versions)?"),
    BodyRule("/api/customs/tariff/", 5_000_000, json=False),  # CSV tariff tables
    BodyRule("/api/edi/inbound", 2 * 1024 * KIB, json=False),  # one EDIFACT interchange
    BodyRule("/api/bank-statements/import", 5_000_000, json=False),  # one camt.053 or 1C statement
    BodyRule("/", 256 * KIB),
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)
# For the console to come: its own scripts only (no inline), and WebSockets for the pushes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI and ReDoc load their bundles from jsDelivr; Swagger UI starts from one inline
# script, allowed by its hash (computed from the page served), never by 'unsafe-inline'.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net{hashes}; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly https://validator.swagger.io; "
    "worker-src blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
INTEGER = re.compile(r"\s*[+-]?0*(\d+)\s*")
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def body_rule(path: str) -> BodyRule:
    return next(rule for rule in BODY_LIMITS if rule.matches(path))


@dataclass(frozen=True)
class Problem:
    """One refused input, as FastAPI reports validation errors."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def json(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


def text_problem(loc: tuple[str | int, ...], text: str) -> Problem | None:
    if found := CONTROL_CHARACTERS.search(text):
        return Problem(loc, f"control character U+{ord(found.group()):04X} is not allowed", "string_control_character")
    return None


def long_problem(loc: tuple[str | int, ...], number: int) -> Problem | None:
    if LONG_MIN <= number <= LONG_MAX:
        return None
    return Problem(loc, f"integer must be between {LONG_MIN} and {LONG_MAX}", "int_out_of_range")


def json_problems(value: Any, loc: tuple[str | int, ...] = ("body",)) -> Iterator[Problem]:
    """Every control character, out-of-range integer and non-finite number in parsed JSON, by path."""
    if isinstance(value, str):
        if problem := text_problem(loc, value):
            yield problem
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if problem := long_problem(loc, value):
            yield problem
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield Problem(loc, "number must be finite", "float_not_finite")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_problems(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := text_problem((*loc, key), key):
                yield problem
            yield from json_problems(item, (*loc, key))


def parse_json(raw: bytes) -> Any:
    """The body as FastAPI will read it (the standard library's parser), or None if it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError:
        return None  # FastAPI answers its own 422 for a malformed body


def accepts_int(annotation: Any) -> bool:
    """Whether a parameter's type takes integers (`int`, `int | None`, `list[int]`, ...)."""
    return annotation is int or any(accepts_int(arg) for arg in get_args(annotation))


_route_contexts: dict[int, tuple[Sequence[BaseRoute], int, list[RouteContext]]] = {}


def route_contexts(routes: Sequence[BaseRoute]) -> list[RouteContext]:
    """The routes with included routers flattened, once per list of routes: flattening them again on every request
    was a sixth of the API's CPU (py-spy, at 100 requests/s). The list is held, so its id is not reused."""
    cached = _route_contexts.get(id(routes))
    if cached is None or cached[0] is not routes or cached[1] != len(routes):
        cached = (routes, len(routes), list(iter_route_contexts(routes)))
        _route_contexts[id(routes)] = cached
    return cached[2]


def matched_route(routes: Sequence[BaseRoute], scope: Scope) -> tuple[BaseRoute | None, dict[str, Any]]:
    """The route the request will reach (included routers flattened) and its path parameters."""
    for context in route_contexts(routes):
        match, child = context.matches(scope)
        if match == Match.FULL:
            return context.original_route, child.get("path_params", {})
    return None, {}


_integer_parameters: dict[int, frozenset[str]] = {}  # by route (routes are not hashable)


def integer_parameters(route: APIRoute) -> frozenset[str]:
    """The route's query and path parameters (its dependencies' too) whose type takes integers."""
    if (known := _integer_parameters.get(id(route))) is None:
        fields = get_flat_params(route.dependant)
        known = frozenset(field.alias for field in fields if accepts_int(field.field_info.annotation))
        _integer_parameters[id(route)] = known
    return known


def parameter_problems(routes: Sequence[BaseRoute], scope: Scope) -> list[Problem]:
    """Control characters in query or path parameters; integer parameters beyond a long."""
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    route, path_params = matched_route(routes, scope)
    given: list[tuple[str, str, str]] = [("query", name, value) for name, value in query]
    given += [("path", name, value) for name, value in path_params.items() if isinstance(value, str)]
    if route is None:
        given.append(("path", "", scope.get("path", "")))
    integers = integer_parameters(route) if isinstance(route, APIRoute) else frozenset()
    problems: list[Problem] = []
    for where, name, value in given:
        loc: tuple[str | int, ...] = (where, name) if name else (where,)
        found = text_problem(loc, name) or text_problem(loc, value)
        if found is None and name in integers and (digits := INTEGER.fullmatch(value)):
            # More than 19 significant digits is beyond a long whatever they are (and int() of thousands is slow).
            found = long_problem(loc, int(value) if len(digits.group(1)) <= 19 else LONG_MAX + 1)
        if found is not None:
            problems.append(found)
    return problems


def with_security_headers(message: Message, path: str, docs_policy: str | None = None) -> Message:
    headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != b"cache-control"]
    present = {name.lower() for name, _ in headers}
    added = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS if name.encode() not in present]
    policy = docs_policy if docs_policy is not None else CONTENT_SECURITY_POLICY
    added.append((b"content-security-policy", policy.encode()))
    if path.startswith("/api"):
        added.append((b"cache-control", b"no-store"))
    else:
        added.extend((name, value) for name, value in message.get("headers", []) if name.lower() == b"cache-control")
    return {**message, "headers": headers + added}


def docs_policy(html: bytes) -> str:
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(html)
    )
    return DOCS_POLICY.format(hashes=hashes)


async def answer(send: Send, path: str, status: int, detail: Any, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = orjson.dumps({"detail": detail})
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
    }
    await send(with_security_headers(start, path))
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The whole body, counting as it arrives (chunked or not); (body, client still connected)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


class EdgeMiddleware:
    """Refuses what no route should see, and dresses every answer with the security headers."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if problems := parameter_problems(self.routes, scope):
                await send({"type": "websocket.close", "code": 1008, "reason": problems[0].msg[:120]})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if problems := parameter_problems(self.routes, scope):
            await answer(send, path, 422, [problem.json() for problem in problems])
            return

        rule = body_rule(path)
        if rule.streamed:
            await self.app(scope, receive, self.dressed(send, path))
            return
        too_large = f"the body is larger than {rule.max_bytes} bytes, the limit for {path}"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > rule.max_bytes:
            await answer(send, path, 413, too_large)  # the server discards the unread body
            return
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                body, connected = await read_body(receive, rule.max_bytes)
            except BodyTooLarge:
                await answer(send, path, 413, too_large)
                return
            if not connected:
                return
            if rule.json and body and (problems := list(json_problems(parse_json(body)))):
                await answer(send, path, 422, [problem.json() for problem in problems])
                return
            receive = replay(body, receive)

        await self.app(scope, receive, self.dressed(send, path))

    def dressed(self, send: Send, path: str) -> Send:
        if path not in DOCS_PATHS:

            async def send_dressed(message: Message) -> None:
                await send(
                    with_security_headers(message, path) if message["type"] == "http.response.start" else message
                )

            return send_dressed

        # The docs page's policy names its inline scripts' hashes, so the page is held until complete.
        held: list[Message] = []

        async def send_docs(message: Message) -> None:
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                html = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
                start = next(m for m in held if m["type"] == "http.response.start")
                await send(with_security_headers(start, path, docs_policy(html)))
                await send({"type": "http.response.body", "body": html})

        return send_docs


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then waits on the client as before."""
    given = False

    async def receive_again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again
