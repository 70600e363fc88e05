"""The permission matrix: what each role may do across the platform, and the FORBIDDEN it answers."""

from __future__ import annotations

import pytest

from streams.company import permissions
from streams.company.permissions import (
    GRANTS,
    ROLE_CLAIM,
    Action,
    Role,
    is_permitted,
    permitted_actions,
    require,
    require_claimed,
)
from streams.decider import RejectionCode
from tests.unit.company.company_scenarios import context


def documented_matrix() -> dict[str, set[str]]:
    """The table in the module docstring, read as {action: roles marked x}."""
    doc = permissions.__doc__ or ""
    rows = [line.strip().strip("|").split("|") for line in doc.splitlines() if line.strip().startswith("|")]
    header = [cell.strip() for cell in rows[0]]
    matrix: dict[str, set[str]] = {}
    for cells in rows[2:]:  # skip the header and its |---| rule
        values = [cell.strip() for cell in cells]
        matrix[values[0]] = {header[i] for i, mark in enumerate(values) if i > 0 and mark == "x"}
    return matrix


def test_the_documented_table_is_the_matrix_in_force() -> None:
    in_force = {action.value: {role.value for role in roles} for action, roles in GRANTS.items()}
    assert documented_matrix() == in_force


def test_every_action_is_in_the_matrix_and_granted_to_the_owner() -> None:
    assert set(GRANTS) == set(Action)
    assert permitted_actions(Role.OWNER) == frozenset(Action)


@pytest.mark.parametrize(
    ("role", "action", "permitted"),
    [
        ("viewer", "shipment.read", True),
        ("viewer", "finance.read", True),
        ("viewer", "shipment.create", False),
        ("viewer", "documents.upload", False),
        ("viewer", "audit.read", False),
        ("operator", "customs.declaration.edit", True),
        ("operator", "customs.declaration.submit", False),
        ("operator", "finance.read", False),
        ("accountant", "finance.payment.approve", True),
        ("accountant", "shipment.create", False),
        ("admin", "finance.payment.approve", False),
        ("admin", "finance.po.approve", True),
        ("accountant", "finance.po.edit", True),
        ("operator", "finance.po.edit", False),
        ("viewer", "finance.po.approve", False),
        ("admin", "company.archive", False),
        ("admin", "company.participants.manage", True),
        ("owner", "company.archive", True),
    ],
)
def test_roles_are_permitted_what_the_matrix_says(role: str, action: str, permitted: bool) -> None:
    assert is_permitted(role, action) is permitted
    assert (require(role, action) is None) is permitted


def test_a_missing_or_unknown_role_is_permitted_nothing() -> None:
    assert not is_permitted(None, Action.COMPANY_READ)
    assert not is_permitted("superuser", Action.COMPANY_READ)
    assert permitted_actions("superuser") == frozenset()


def test_an_unknown_action_is_a_programming_error_not_a_silent_denial() -> None:
    with pytest.raises(ValueError):
        is_permitted(Role.OWNER, "shipment.craete")


def test_forbidden_names_the_role_and_the_action() -> None:
    rejection = require("operator", Action.FINANCE_PAYMENT_APPROVE)
    assert rejection is not None
    assert rejection.code is RejectionCode.FORBIDDEN
    assert "operator" in rejection.reason and "finance.payment.approve" in rejection.reason


def test_the_engine_checks_the_role_claimed_in_the_context() -> None:
    assert require_claimed(context(claims=((ROLE_CLAIM, "operator"),)), Action.SHIPMENT_CREATE) is None
    refused = require_claimed(context(claims=((ROLE_CLAIM, "viewer"),)), Action.SHIPMENT_CREATE)
    assert refused is not None and refused.code is RejectionCode.FORBIDDEN
    unclaimed = require_claimed(context(), Action.SHIPMENT_READ)
    assert unclaimed is not None and unclaimed.code is RejectionCode.FORBIDDEN
