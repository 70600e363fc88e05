"""Commands on an imported bank statement: import it (lines with the matcher's findings), match a line by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from streams.payment.commands import Direction


@dataclass(frozen=True)
class StatementLine:
    """One booked entry: money out of (OUTGOING) or into (INCOMING) the tenant's account."""

    line_ref: str  # unique within the statement: the bank's entry reference or the document number and date
    booked_on: date
    direction: Direction
    amount: Decimal
    currency: str
    counterparty_name: str
    counterparty_account: str
    reference: str = ""  # end-to-end id, payment order number or the bank's reference
    purpose: str = ""
    counterparty_inn: str | None = None
    counterparty_bic: str | None = None


@dataclass(frozen=True)
class LineMatch:
    """What a line settles: an outgoing payment, or a receivable (invoice) for incoming money."""

    line_ref: str
    payment_id: str | None = None
    invoice_id: str | None = None


@dataclass(frozen=True)
class ImportStatement:
    """A statement file, parsed; the aggregate id derives from the tenant, account and statement id."""

    statement_id: str  # the bank's statement id (camt.053 Stmt/Id) or the 1C file's account and period
    account: str  # the tenant's account the statement is of
    currency: str
    period_from: date
    period_to: date
    source_format: str  # "camt.053" or "1c"
    lines: tuple[StatementLine, ...]
    matches: tuple[LineMatch, ...] = ()  # what the automatic matcher found


@dataclass(frozen=True)
class MatchLine:
    """An operator matches a line the matcher left open."""

    line_ref: str
    payment_id: str | None = None
    invoice_id: str | None = None


StatementCommand = ImportStatement | MatchLine
COMMANDS: tuple[type, ...] = StatementCommand.__args__
