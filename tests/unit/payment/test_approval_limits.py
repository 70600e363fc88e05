"""Approval limits as data: who may approve how much, per role and currency, with the reason an approver reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streams.approval_limits import ApprovalLimits
from streams.company.permissions import Role

LIMITS = ApprovalLimits(
    "payments", {Role.OWNER: None, Role.ACCOUNTANT: {"RUB": Decimal(1_000_000), "USD": Decimal(12_000)}}
)


@pytest.mark.parametrize(
    ("role", "currency", "amount", "problem"),
    [
        ("owner", "JPY", Decimal("999999999"), None),
        ("accountant", "RUB", Decimal(1_000_000), None),  # exactly the limit
        (
            "accountant",
            "RUB",
            Decimal("1000000.01"),
            "1000000.01 RUB is above the accountant's approval limit of 1000000 RUB",
        ),
        ("accountant", "EUR", Decimal(1), "role accountant has no approval limit in EUR; the owner approves it"),
        ("operator", "RUB", Decimal(1), "role operator may not approve payments"),
        ("pilot", "RUB", Decimal(1), "role pilot may not approve payments"),
        (None, "RUB", Decimal(1), "role (none) may not approve payments"),
        ("", "RUB", Decimal(1), "role (none) may not approve payments"),
    ],
)
def test_who_may_approve_what(role: str | None, currency: str, amount: Decimal, problem: str | None) -> None:
    assert LIMITS.problem(role, currency, amount) == problem
