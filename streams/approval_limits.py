"""Approval limits: who may approve what amount, per role and currency, as data (payments, purchase orders).

Limits are per currency, in that currency (not converted to roubles): an approver's authority does not
move with the day's rate, and a decider needs no rate to decide. `None` means no limit; a role without a
limit for a currency cannot approve in it (the owner does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from streams.company.permissions import Role

Limits = Mapping[str, Decimal]


@dataclass(frozen=True)
class ApprovalLimits:
    what: str  # e.g. "payments", for the reasons
    by_role: Mapping[Role, Limits | None]

    def problem(self, role: str | None, currency: str, amount: Decimal) -> str | None:
        """Why `role` may not approve `amount` of `currency`, or None when it may."""
        known = next((r for r in self.by_role if r == role), None)  # Role is a StrEnum: equal to its text
        if known is None:
            return f"role {role or '(none)'} may not approve {self.what}"
        limits = self.by_role[known]
        if limits is None:
            return None
        limit = limits.get(currency)
        if limit is None:
            return f"role {known} has no approval limit in {currency}; the owner approves it"
        if amount > limit:
            return f"{amount} {currency} is above the {known}'s approval limit of {limit} {currency}"
        return None
