"""schemathesis over every operation of the live API: no 5xx, no undeclared status, no body unlike its schema.

A fresh tenant (a user who created a company and switched to it) sends every request with its bearer
token; each operation gets a bounded number of generated requests, valid and invalid ones. The
figures (operations, requests, failures) are printed, so `pytest -s` on this file measures them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from stack.processes import PlatformProcesses
from tests.integration.observe import PASSWORD, bearer, company_owner

EXAMPLES_PER_MODE = 3
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# These end the session they are called with: each gets a session of its own.
SESSION_ENDING = {"/api/auth/logout", "/api/auth/change-password", "/api/auth/delete-account"}


def fresh_session(base_url: str, email: str) -> dict[str, str]:
    answer = httpx.post(f"{base_url}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return bearer(answer.json())


def exercise(operation: Any, base_url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Bounded positive and negative examples of one operation: (requests sent, failures)."""
    sent = 0
    failures: list[str] = []
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal sent
            sent += 1
            try:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=60)
            except FailureGroup as group:
                failures.extend(
                    f"{operation.label}: {failure.title}: {failure.message}"[:600] for failure in group.exceptions
                )

        with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters, no body)
            run()
    return sent, failures


def test_every_operation_conforms_to_the_openapi_document(platform: PlatformProcesses) -> None:
    async def owner() -> tuple[dict[str, str], str]:
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as api:
            return await company_owner(api, "fuzz")

    tokens, _ = asyncio.run(owner())
    email = httpx.get(f"{platform.base_url}/api/auth/me", headers=bearer(tokens), timeout=30).json()["email"]
    # The document is built on its first request: seconds on a loaded machine, longer than schemathesis waits.
    document = httpx.get(f"{platform.base_url}/openapi.json", timeout=120).json()
    schema = schemathesis.openapi.from_dict(document)

    started = time.monotonic()
    operations, sent, failures = 0, 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        headers = fresh_session(platform.base_url, email) if path in SESSION_ENDING else bearer(tokens)
        began = time.monotonic()
        count, found = exercise(operation, platform.base_url, headers)
        print(f"{operation.label}: {count} requests, {len(found)} failures, {time.monotonic() - began:.1f} s",
              file=sys.stderr)  # fmt: skip
        operations, sent, failures = operations + 1, sent + count, failures + found
    elapsed = time.monotonic() - started
    kinds = Counter(failure.split(": ", 2)[1] for failure in failures)
    print(f"\nconformance: {operations} operations, {sent} requests, {len(failures)} failures in {elapsed:.0f} s")
    print(dict(kinds))
    assert operations >= 100
    schemes = schema.raw_schema.get("components", {}).get("securitySchemes", {})
    assert {"bearerAuth", "CustomsGatewayKey", "partnerApiKey"} <= set(schemes)
    assert not failures, "\n".join(failures[:40])
