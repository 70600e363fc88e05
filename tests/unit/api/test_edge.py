"""The edge middleware on a small app: limits, input hygiene and headers, before any route runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel

from api.edge import BODY_LIMITS, EdgeMiddleware, body_rule, docs_policy, json_problems

handled: list[str] = []


class Note(BaseModel):
    text: str
    count: int = 0
    tags: list[str] = []


def edge_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/notes")
    async def add_note(note: Note) -> dict[str, Any]:
        handled.append(note.text)
        return note.model_dump()

    notes = APIRouter(prefix="/api/notes")  # an included router, as the platform's routers are

    @notes.get("/{note_id}")
    async def read_note(
        note_id: str, offset: Annotated[int, Query(ge=0)] = 0, reference: str | None = None
    ) -> dict[str, Any]:
        handled.append(note_id)
        return {"id": note_id, "offset": offset, "reference": reference}

    app.include_router(notes)

    @app.post("/api/edi/inbound")
    async def inbound(request: Request) -> dict[str, int]:
        body = await request.body()
        handled.append("edi")
        return {"bytes": len(body)}

    app.add_middleware(EdgeMiddleware, routes=app.router.routes)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    handled.clear()
    transport = httpx.ASGITransport(app=edge_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as found:
        yield found


def test_limits_are_data_with_a_default_last() -> None:
    assert BODY_LIMITS[-1].prefix == "/" and BODY_LIMITS[-1].max_bytes == 256 * 1024
    assert body_rule("/api/customs/tariff/rates").max_bytes == 5_000_000
    assert body_rule("/api/edi/inbound").json is False
    assert body_rule("/api/auth/profile").json is True


async def test_a_large_json_body_is_refused_before_the_route(client: httpx.AsyncClient) -> None:
    body = b'{"text": "fine"' + b" " * 300_000 + b"}"
    answer = await client.post("/api/notes", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "262144" in answer.json()["detail"]
    assert handled == []


async def test_a_chunked_body_is_counted_as_it_arrives(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "fine"'
        for _ in range(40):
            yield b" " * 10_000
        yield b"}"

    answer = await client.post("/api/notes", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert handled == []


async def test_a_body_within_the_limit_reaches_the_route_whole(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/notes", json={"text": "tab\tnew line\n", "count": 2**63 - 1})
    assert answer.status_code == 200 and answer.json()["count"] == 2**63 - 1
    assert handled == ["tab\tnew line\n"]
    edi = await client.post("/api/edi/inbound", content=b"UNA:+.? '" + b"x" * 1_000_000)
    assert edi.status_code == 200 and edi.json() == {"bytes": 1_000_009}


async def test_raw_routes_take_their_own_larger_limit(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/edi/inbound", content=b"x" * (2 * 1024 * 1024 + 1))
    assert answer.status_code == 413
    assert handled == []


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"text": "a\u0000b"}, ["body", "text"], "string_control_character"),
        ({"text": "ok", "tags": ["fine", "bell\u0007"]}, ["body", "tags", 1], "string_control_character"),
        ({"text": "del\u007f"}, ["body", "text"], "string_control_character"),
        ({"text": "ok", "count": 2**63}, ["body", "count"], "int_out_of_range"),
        ({"text": "ok", "count": -(2**63) - 1}, ["body", "count"], "int_out_of_range"),
        ({"text": "ok", "k\u0000": 1}, ["body", "k\u0000"], "string_control_character"),
    ],
)
async def test_bad_json_values_are_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], loc: list[Any], kind: str
) -> None:
    answer = await client.post("/api/notes", json=body)
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == loc and problem["type"] == kind and problem["msg"]
    assert handled == []


async def test_non_finite_numbers_are_refused(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/notes", content=b'{"text": "ok", "count": NaN}')
    assert answer.status_code == 422 and answer.json()["detail"][0]["type"] == "float_not_finite"
    assert next(iter(json_problems([1e400]))).loc == ("body", 0)


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/notes/n1?reference=a%00b", ["query", "reference"]),
        ("/api/notes/a%00b", ["path", "note_id"]),
        ("/api/notes/n1?offset=99999999999999999999", ["query", "offset"]),
        ("/api/notes/n1?offset=-9223372036854775809", ["query", "offset"]),
        ("/api/notes/n1?offset=" + "9" * 5000, ["query", "offset"]),
        ("/api/nowhere%01", ["path"]),
    ],
)
async def test_bad_parameters_are_refused_naming_them(client: httpx.AsyncClient, url: str, loc: list[str]) -> None:
    answer = await client.get(url)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc
    assert handled == []


async def test_ordinary_parameters_pass(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/notes/n1?offset=0009223372036854775807&reference=PO-7%2F2026")
    assert answer.status_code == 200
    assert answer.json() == {"id": "n1", "offset": 9223372036854775807, "reference": "PO-7/2026"}


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for answer in (
        await client.get("/api/notes/n1"),
        await client.get("/api/notes/n1?reference=%00"),
        await client.get("/openapi.json"),
        await client.get("/nowhere"),
    ):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "connect-src 'self' ws: wss:" in policy
    assert (await client.get("/api/notes/n1")).headers["cache-control"] == "no-store"


async def test_the_docs_page_may_run_its_own_inline_script_only(client: httpx.AsyncClient) -> None:
    answer = await client.get("/docs")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "'sha256-" in policy and "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' https://cdn.jsdelivr.net 'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert policy == docs_policy(answer.content)
    assert docs_policy(b"<script>a()</script>") != docs_policy(b"<script>b()</script>")


def test_routes_are_flattened_once_and_again_when_one_is_added() -> None:
    from starlette.routing import Match

    from api.edge import matched_route, route_contexts

    app = edge_app()
    routes = app.router.routes
    flattened = route_contexts(routes)
    assert route_contexts(routes) is flattened  # not recomputed per request
    scope = {"type": "http", "method": "GET", "path": "/api/notes/n-7", "root_path": "", "query_string": b""}
    route, params = matched_route(routes, scope)
    assert params == {"note_id": "n-7"} and route is not None and route.matches(scope)[0] is not Match.NONE

    @app.get("/api/late/{late_id}")
    async def late(late_id: str) -> dict[str, str]:
        return {"id": late_id}

    assert route_contexts(routes) is not flattened  # a route added after the middleware is matched too
    late_scope = {**scope, "path": "/api/late/x"}
    assert matched_route(routes, late_scope)[1] == {"late_id": "x"}
