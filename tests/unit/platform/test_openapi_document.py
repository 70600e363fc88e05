"""The OpenAPI document is derived from the routes: schemes, statuses and Idempotency-Key, also for a new route."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from api.app import create_app
from api.auth import CurrentSession
from api.openapi import install_openapi, truthful_openapi


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, ops in document["paths"].items() for method, op in ops.items()}


def test_every_operation_declares_what_its_shape_implies() -> None:
    document = create_app().openapi()
    assert set(document["components"]["securitySchemes"]) == {"bearerAuth", "CustomsGatewayKey", "partnerApiKey"}
    for (method, path), op in operations(document).items():
        declared = set(op["responses"])
        if "{" in path:
            assert "404" in declared, (method, path)
        if op.get("security"):
            assert "401" in declared, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "422"} <= declared, (method, path)
        keyed = any(p["name"].lower() == "idempotency-key" for p in op.get("parameters", []))
        assert keyed == (method != "GET" and path.startswith("/api/") and path not in
                         {"/api/auth/login", "/api/auth/refresh"}), (method, path)  # fmt: skip
        if keyed:
            assert "409" in declared, (method, path)


def test_schemes_come_from_the_dependencies() -> None:
    ops = operations(create_app().openapi())
    assert ops[("PATCH", "/api/auth/profile")]["security"] == [{"bearerAuth": []}]
    assert ops[("POST", "/api/declarations/{declaration_id}/release")]["security"] == [{"CustomsGatewayKey": []}]
    assert ops[("POST", "/api/edi/inbound")]["security"] == [{"partnerApiKey": []}]
    assert {next(iter(s)) for s in ops[("GET", "/api/edi/messages")]["security"]} == {"bearerAuth", "partnerApiKey"}
    assert "security" not in ops[("POST", "/api/auth/register")]
    # Command routes: 202 when the wait ends first, and the rejections' statuses.
    assert {"202", "403", "409"} <= set(ops[("POST", "/api/shipments")]["responses"])
    assert ops[("POST", "/api/shipments")]["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PendingCommand"
    }
    # A read without a permission check or ids declares neither 403 nor 404.
    assert set(ops[("GET", "/api/auth/me")]["responses"]) == {"200", "401"}
    assert "429" in ops[("POST", "/api/auth/login")]["responses"]


class NoteBody(BaseModel):
    note: str


def test_a_new_route_is_described_without_being_listed_anywhere() -> None:
    router = APIRouter()

    @router.post("/api/notes/{note_id}", responses={409: {"description": "own words"}})
    async def add_note(note_id: str, body: NoteBody, session: CurrentSession) -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    install_openapi(app)
    op = truthful_openapi(app)["paths"]["/api/notes/{note_id}"]["post"]
    assert op["security"] == [{"bearerAuth": []}]
    assert {"400", "401", "404", "409", "413", "422"} <= set(op["responses"])
    assert op["responses"]["409"]["description"] == "own words"  # the route's own declaration wins
    assert op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])
