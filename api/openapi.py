"""The OpenAPI document as the API really behaves: security schemes, every status given, Idempotency-Key.

Derived from the routes, never written per route, so a new route is described as soon as it exists:
- security: from the dependencies a route resolves (a user's session, the customs gateway) and an
  `X-Api-Key` header parameter (EDI partners); several mean "any of these";
- statuses: from the route's shape (authenticated: 401; path ids: 404; a body: 400 and 413; parameters: 422;
  a route that takes Idempotency-Key: 409; a throttling dependency: 429), and from what the
  endpoint's code can reach: the functions it calls (in `api`) are walked for the `HTTP_4xx`
  statuses and prepared HTTPExceptions they name, and for `send_command`'s 202 and rejections;
- one error body (`ErrorBody`, `{"detail": ...}`) for every error but 422, which keeps the
  validation model (`{"detail": [{"loc", "msg", "type"}]}`, also used for a decider's rejection);
- the Idempotency-Key header parameter on every route `api.idempotency.takes_key` accepts.
A route's own `responses=` wins over anything derived here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from functools import cache
from types import CodeType
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from api.idempotency import HEADER, KEY_PATTERN, REPLAYED_HEADER, takes_key, window_seconds

USER_BEARER = "bearerAuth"
PARTNER_KEY = "partnerApiKey"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    USER_BEARER: {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A user's access token (POST /api/auth/login); `tid` names the active company.",
    },
    PARTNER_KEY: {
        "type": "apiKey", "in": "header", "name": "X-Api-Key",
        "description": "An EDI partner's API key (issued by POST /api/edi/partners/{partner_id}/api-keys).",
    },
}  # fmt: skip
# Which dependency (by function name, wherever it lives) means which credential.
# (The customs gateway's X-Gateway-Key is an APIKeyHeader FastAPI declares itself: CustomsGatewayKey.)
SCHEME_OF_DEPENDENCY = {"current_session": USER_BEARER}
SCHEME_OF_HEADER = {"x-api-key": PARTNER_KEY}
# Dependencies that throttle password guesses and reset mails (answered 429 with Retry-After).
THROTTLING_DEPENDENCIES = frozenset({"throttle"})
STATUS_NAME = re.compile(r"^HTTP_([45]\d\d)_")
WALK_DEPTH = 6


class ErrorBody(BaseModel):
    """Every error answer but 422: a sentence, or an object naming the command, the reason and the field."""

    detail: str | dict[str, Any] | list[Any] = Field(description="what went wrong")


class PendingCommand(BaseModel):
    """Accepted for processing but not yet applied: poll `location` (GET /api/commands/{id})."""

    command_id: str
    status: str = Field(description="pending")
    location: str


DESCRIPTIONS = {
    202: "Sent, not yet applied within the wait: poll the command's status URL (also in `Location`)",
    400: "The body could not be parsed, or the command was refused for a reason without a more specific status",
    401: "Not authenticated: the credential is missing, invalid, expired or revoked",
    403: "Authenticated, but not permitted (role, active company, or the wrong kind of credential)",
    404: "No such resource (or not visible to the caller's tenant)",
    409: f"Conflict with the current state, or an {HEADER} reused for another request or still in flight"
    " (then with Retry-After)",
    413: "The request body is larger than this route accepts",
    422: "Validation error, naming the field",
    429: "Too many attempts: wait for Retry-After",
}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schemas = components.setdefault("schemas", {})
    for model in (ErrorBody, PendingCommand):
        schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.setdefault("HTTPValidationError", _validation_schema(schemas))
    for route in api_routes(app):
        for method in sorted(route.methods or ()):
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                describe(operation, route, method)
    return document


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context  # type: ignore[misc]  # a RouteContext reads as its APIRoute, with the effective path


def describe(operation: dict[str, Any], route: APIRoute, method: str) -> None:
    names = reached_names(route.dependant)
    schemes = [scheme for name, scheme in SCHEME_OF_DEPENDENCY.items() if name in names]
    schemes += [SCHEME_OF_HEADER[p.alias.lower()] for p in _header_params(route.dependant) if p.alias.lower()
                in SCHEME_OF_HEADER]  # fmt: skip
    # Requirements FastAPI already declared (a `Security(...)` dependency) stay; derived ones join them.
    requirements = operation.get("security", []) + [{scheme: []} for scheme in dict.fromkeys(schemes)]
    if requirements:
        unique: dict[tuple[str, ...], dict[str, Any]] = {}
        for requirement in requirements:
            unique.setdefault(tuple(sorted(requirement)), requirement)
        operation["security"] = list(unique.values())
    statuses = statuses_reached(names)
    if requirements:
        statuses.add(401)
    if route.dependant.path_params:
        statuses.add(404)
    has_body = route.body_field is not None
    if has_body:
        statuses.add(400)  # a body the server cannot even parse
    if has_body or "body" in names:
        statuses.add(413)
    if has_body or route.dependant.query_params or route.dependant.path_params or route.dependant.header_params:
        statuses.add(422)
    keyed = takes_key(method, route.path_format)
    if keyed:
        statuses |= {409, 422}
        _add_key_parameter(operation)
    if names & THROTTLING_DEPENDENCIES:
        statuses.add(429)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        if str(status) in responses:
            continue
        model = {202: "PendingCommand", 422: "HTTPValidationError"}.get(status, "ErrorBody")
        responses[str(status)] = {
            "description": DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
        }
    if keyed:
        for status, response in responses.items():
            if status[0] in "234":
                response.setdefault("headers", {})[REPLAYED_HEADER] = {
                    "description": f"true when this is the first answer to the same {HEADER}, replayed",
                    "schema": {"type": "string", "enum": ["true"]},
                }


def statuses_reached(names: frozenset[str]) -> set[int]:
    """The 202 and 4xx statuses named by the code a route reaches (5xx are never declared)."""
    statuses = {int(match.group(1)) for name in names if (match := STATUS_NAME.match(name))}
    if "HTTP_202_ACCEPTED" in names:
        statuses.add(202)
    for name in names:
        if name.startswith("status:"):
            statuses.add(int(name.removeprefix("status:")))
    return {s for s in statuses if s == 202 or 400 <= s < 500}


def reached_names(dependant: Dependant) -> frozenset[str]:
    """Every name the route's endpoint and dependencies use, following the `api` functions they call."""
    names: set[str] = set()
    for call in _calls(dependant):
        names |= _names_of(call, WALK_DEPTH)
    return frozenset(names)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _header_params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.header_params
    for sub in dependant.dependencies:
        yield from _header_params(sub)


@cache
def _names_of(call: Callable[..., Any], depth: int) -> frozenset[str]:
    function = inspect.unwrap(call)
    if not inspect.isfunction(function) and callable(function):  # a dependency object: its class and __call__
        return frozenset({type(function).__name__}) | _names_of(type(function).__call__, depth)
    code = getattr(function, "__code__", None)
    if code is None:
        return frozenset()
    names = {function.__name__} if depth == WALK_DEPTH else set()
    codes: list[CodeType] = [code]
    while codes:
        current = codes.pop()
        names.update(current.co_names)
        codes.extend(const for const in current.co_consts if isinstance(const, CodeType))
    found = set(names)
    namespace = getattr(function, "__globals__", {})
    for name in names:
        value = namespace.get(name)
        if isinstance(value, HTTPException):
            found.add(f"status:{value.status_code}")
        elif isinstance(value, dict) and value and all(isinstance(v, int) for v in value.values()):
            found.update(f"status:{v}" for v in value.values() if 400 <= v < 600)
        elif depth and inspect.isfunction(value) and value.__module__.startswith("api."):
            found |= {value.__name__} | _names_of(value, depth - 1)
        elif depth and type(value).__module__.startswith("api.") and not isinstance(value, type):
            # A helper object (e.g. a domain's `CommandsOn`): what its methods reach, the route reaches.
            for method in vars(type(value)).values():
                if inspect.isfunction(method):
                    found |= _names_of(method, depth - 1)
    return frozenset(found)


def _add_key_parameter(operation: dict[str, Any]) -> None:
    # A route's own declaration gives way: the middleware takes the header before the route sees it.
    parameters = [p for p in operation.get("parameters", []) if not (p.get("in") == "header" and
                  p.get("name", "").lower() == HEADER.lower())]  # fmt: skip
    operation["parameters"] = parameters
    parameters.append(
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": f"Repeat a command safely for {window_seconds() // 3600} h: the same key with the same"
            " request gets the first answer again (Idempotent-Replayed: true); with another request, 409",
            "schema": {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
        }
    )


def _validation_schema(schemas: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's 422 model, for documents whose routes had no parameters to make FastAPI add it."""
    schemas.setdefault(
        "ValidationError",
        {
            "type": "object",
            "required": ["loc", "msg", "type"],
            "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"},
                "type": {"type": "string"},
            },
        },
    )
    return {
        "type": "object",
        "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}},
    }
