"""Who may approve a payment, and up to what amount: limits per role and currency, as data.

Limits are per currency, in that currency (not converted to roubles): an approver's authority does not
move with the day's rate, and the decider needs no rate to decide. A role without a limit for a
currency cannot approve payments in it; `None` means no limit. Approval itself needs the
`finance.payment.approve` action (streams/company/permissions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from streams.approval_limits import ApprovalLimits, Limits
from streams.company.permissions import Role

APPROVAL_LIMITS: Mapping[Role, Limits | None] = MappingProxyType(
    {
        Role.OWNER: None,  # the owner approves any amount
        Role.ACCOUNTANT: MappingProxyType(
            {
                "RUB": Decimal(1_000_000),
                "USD": Decimal(12_000),
                "EUR": Decimal(11_000),
                "CNY": Decimal(85_000),
                "AED": Decimal(44_000),
                "TRY": Decimal(400_000),
                "KZT": Decimal(6_000_000),
            }
        ),
    }
)


PAYMENT_LIMITS = ApprovalLimits("payments", APPROVAL_LIMITS)
limit_problem = PAYMENT_LIMITS.problem
