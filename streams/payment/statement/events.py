"""Events of an imported bank statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from streams.payment.statement.commands import StatementLine


@dataclass(frozen=True)
class StatementImported:
    tenant_id: str
    statement_id: str
    account: str
    currency: str
    period_from: date
    period_to: date
    source_format: str
    lines: tuple[StatementLine, ...]
    imported_at: datetime
    imported_by: str | None = None


@dataclass(frozen=True)
class StatementLineMatched:
    """A line settles a payment or pays a receivable; `manual` when an operator matched it."""

    line_ref: str
    payment_id: str | None
    invoice_id: str | None
    manual: bool
    matched_at: datetime
    matched_by: str | None = None


StatementEvent = StatementImported | StatementLineMatched
EVENTS: tuple[type, ...] = StatementEvent.__args__
