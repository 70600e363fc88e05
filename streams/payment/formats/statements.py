"""A bank statement as parsed from a file (camt.053 or 1C): the account, its period and its lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from streams.payment.statement.commands import ImportStatement, LineMatch, StatementLine


class StatementFormatError(ValueError):
    """The file is not a statement this format reader understands; the message says where."""


@dataclass(frozen=True)
class ParsedStatement:
    statement_id: str
    account: str
    currency: str
    period_from: date
    period_to: date
    source_format: str  # "camt.053" or "1c"
    lines: tuple[StatementLine, ...]

    def to_import(self, matches: tuple[LineMatch, ...] = ()) -> ImportStatement:
        return ImportStatement(
            self.statement_id, self.account, self.currency, self.period_from, self.period_to, self.source_format,
            self.lines, matches,
        )  # fmt: skip
