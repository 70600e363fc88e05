"""The bank-statement decider: a statement is imported once, and each of its lines settles at most one thing.

- A statement's id derives from the tenant, its account and the bank's statement id
  (`statement_id_for`); importing the same file again changes nothing, a different file under the same
  id is refused (409).
- Lines have unique references, known currencies and positive amounts with the currency's decimals.
- A line is matched (to a payment, or incoming money to a receivable) at most once, automatically on
  import or by an operator afterwards; lines nobody matched stay open for the operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from streams.company.identifiers import InvalidDetail, text
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.payment import currency as money
from streams.payment.commands import Direction
from streams.payment.statement.commands import (
    ImportStatement,
    LineMatch,
    MatchLine,
    StatementCommand,
    StatementLine,
)
from streams.payment.statement.events import StatementEvent, StatementImported, StatementLineMatched

STATEMENT_NAMESPACE = uuid.UUID("4f2d8b6a-9e13-4c7d-b5a0-3e8f1d6c2b94")
MAX_LINES = 5000
SOURCE_FORMATS = frozenset({"camt.053", "1c"})

Decision = Sequence[StatementEvent] | Rejection


@dataclass(frozen=True)
class Statement:
    tenant_id: str | None = None
    statement_id: str = ""
    account: str = ""
    currency: str = ""
    period_from: date | None = None
    period_to: date | None = None
    source_format: str = ""
    lines: tuple[StatementLine, ...] = ()
    matches: tuple[LineMatch, ...] = ()

    @property
    def imported(self) -> bool:
        return self.tenant_id is not None

    def line(self, line_ref: str) -> StatementLine | None:
        return next((line for line in self.lines if line.line_ref == line_ref), None)

    def match_of(self, line_ref: str) -> LineMatch | None:
        return next((match for match in self.matches if match.line_ref == line_ref), None)

    def unmatched(self) -> tuple[StatementLine, ...]:
        matched = {match.line_ref for match in self.matches}
        return tuple(line for line in self.lines if line.line_ref not in matched)


def statement_id_for(tenant_id: str, account: str, statement_id: str) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{tenant_id}\n{account}\n{statement_id}"))


def _checked_line(line: StatementLine, field: str) -> StatementLine:
    code = money.currency(line.currency, f"{field}.currency")
    return replace(
        line,
        line_ref=text(line.line_ref, f"{field}.line_ref", 255),
        currency=code,
        amount=money.amount(line.amount, code, f"{field}.amount"),
        direction=Direction(line.direction),
    )


def _match_problem(statement: Statement, match: LineMatch, field: str) -> Rejection | None:
    line = statement.line(match.line_ref)
    if line is None:
        return reject(RejectionCode.NOT_FOUND, f"the statement has no line {match.line_ref}", f"{field}.line_ref")
    if (match.payment_id is None) == (match.invoice_id is None):
        return reject(RejectionCode.INVALID, "a line is matched to a payment or to an invoice", f"{field}.payment_id")
    if match.invoice_id is not None and line.direction is not Direction.INCOMING:
        return reject(RejectionCode.INVALID, "only incoming money pays a receivable", f"{field}.invoice_id")
    if (already := statement.match_of(match.line_ref)) is not None:
        target = already.payment_id or already.invoice_id
        return reject(RejectionCode.CONFLICT, f"line {match.line_ref} is already matched to {target}", field)
    return None


def _import(state: Statement, cmd: ImportStatement, context: CommandContext) -> Decision:
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    if not 0 < len(cmd.lines) <= MAX_LINES:
        return reject(RejectionCode.INVALID, f"a statement has 1 to {MAX_LINES} lines", "lines")
    if cmd.source_format not in SOURCE_FORMATS:
        return reject(RejectionCode.INVALID, f"the format is one of {', '.join(sorted(SOURCE_FORMATS))}", "source")
    try:
        lines = tuple(_checked_line(line, f"lines[{n}]") for n, line in enumerate(cmd.lines))
        statement_id = text(cmd.statement_id, "statement_id", 255)
        account = text(cmd.account, "account", 64)
        code = money.currency(cmd.currency)
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
    if len({line.line_ref for line in lines}) != len(lines):
        return reject(RejectionCode.INVALID, "two lines have the same reference", "lines")
    if cmd.period_to < cmd.period_from:
        return reject(RejectionCode.INVALID, "the period ends before it starts", "period_to")
    imported = StatementImported(
        context.tenant_id, statement_id, account, code, cmd.period_from, cmd.period_to, cmd.source_format, lines,
        context.issued_at, context.actor_id,
    )  # fmt: skip
    if state.imported:
        if state.lines == lines:
            return []  # the same file again
        return reject(RejectionCode.CONFLICT, f"statement {statement_id} was imported with other lines", "lines")
    statement = evolve(state, imported)
    events: list[StatementEvent] = [imported]
    for number, match in enumerate(cmd.matches):
        if problem := _match_problem(statement, match, f"matches[{number}]"):
            return problem
        matched = StatementLineMatched(
            match.line_ref, match.payment_id, match.invoice_id, False, context.issued_at, context.actor_id
        )
        statement = evolve(statement, matched)
        events.append(matched)
    return events


def _match(state: Statement, cmd: MatchLine, context: CommandContext) -> Decision:
    if not state.imported:
        return reject(RejectionCode.NOT_FOUND, "no such statement")
    match = LineMatch(cmd.line_ref, cmd.payment_id or None, cmd.invoice_id or None)
    if problem := _match_problem(state, match, "line_ref"):
        return problem
    return [
        StatementLineMatched(
            match.line_ref, match.payment_id, match.invoice_id, True, context.issued_at, context.actor_id
        )
    ]


def decide(state: Statement, command: StatementCommand, context: CommandContext) -> Decision:
    match command:
        case ImportStatement():
            return _import(state, command, context)
        case MatchLine():
            return _match(state, command, context)
    raise TypeError(f"not a statement command: {command!r}")


def evolve(state: Statement, event: StatementEvent) -> Statement:
    match event:
        case StatementImported():
            return Statement(
                event.tenant_id, event.statement_id, event.account, event.currency, event.period_from,
                event.period_to, event.source_format, event.lines,
            )  # fmt: skip
        case StatementLineMatched():
            return replace(
                state, matches=(*state.matches, LineMatch(event.line_ref, event.payment_id, event.invoice_id))
            )
    raise TypeError(f"not a statement event: {event!r}")


statement_decider: Decider[Statement, StatementCommand, StatementEvent] = Decider(Statement(), decide, evolve)
