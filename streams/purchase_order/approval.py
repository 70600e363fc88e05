"""Who may approve a purchase order, and up to what total: limits per role and currency, as data.

The same shape as payments' limits (streams/payment/approval.py): per currency, in that currency (an
approver's authority does not move with the day's rate), `None` for no limit, and a role without a
limit for a currency cannot approve orders in it. Approving needs the `finance.po.approve` action too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from streams.approval_limits import ApprovalLimits, Limits
from streams.company.permissions import Role

APPROVAL_LIMITS: Mapping[Role, Limits | None] = MappingProxyType(
    {
        Role.OWNER: None,  # the owner approves any order
        Role.ADMIN: MappingProxyType(
            {"RUB": Decimal(5_000_000), "USD": Decimal(60_000), "EUR": Decimal(55_000), "CNY": Decimal(420_000)}
        ),
        Role.ACCOUNTANT: MappingProxyType(
            {"RUB": Decimal(1_000_000), "USD": Decimal(12_000), "EUR": Decimal(11_000), "CNY": Decimal(85_000)}
        ),
    }
)


ORDER_LIMITS = ApprovalLimits("purchase orders", APPROVAL_LIMITS)
limit_problem = ORDER_LIMITS.problem
