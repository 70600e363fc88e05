"""The bank-statement decider rule by rule: what an import must carry, what a match may name, and what is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.payment.commands import Direction
from streams.payment.statement.commands import ImportStatement, LineMatch, MatchLine, StatementLine
from streams.payment.statement.decider import MAX_LINES, Statement, statement_id_for
from streams.payment.statement.domain import BANK_STATEMENT
from streams.payment.statement.events import StatementImported, StatementLineMatched
from tests.unit.deciders import AT, context, given

DECIDER = BANK_STATEMENT.decider
DAY = date(2026, 12, 1)


def line(ref: str, amount: str = "100.00", direction: Direction = Direction.OUTGOING, **kw: object) -> StatementLine:
    values: dict[str, object] = {
        "line_ref": ref, "booked_on": DAY, "direction": direction, "amount": Decimal(amount), "currency": "EUR",
        "counterparty_name": "Hamburger Maschinenbau GmbH", "counterparty_account": "DE89370400440532013000", **kw,
    }  # fmt: skip
    return StatementLine(**values)  # type: ignore[arg-type]


OUT = line("L-OUT", "250.00")
IN = line("L-IN", "80.50", Direction.INCOMING)
IMPORT = ImportStatement("STMT-7", "DE89370400440532013000", "EUR", DAY, date(2026, 12, 2), "camt.053", (OUT, IN))
IMPORTED = StatementImported(
    "tenant-a", "STMT-7", "DE89370400440532013000", "EUR", DAY, date(2026, 12, 2), "camt.053", (OUT, IN), AT, "user-1"
)


def test_a_statement_s_id_is_stable_per_tenant_account_and_bank_statement_id() -> None:
    # Pinned: importing the same file after a deploy must reach the same aggregate, so the derivation never changes.
    assert statement_id_for("tenant-a", "ACC-1", "STMT-7") == "d1683bbd-8fc0-5896-82ff-63a2ec923bb8"
    assert statement_id_for("tenant-a", "ACC-1", "STMT-7") != statement_id_for("tenant-a", "ACC-1\nSTMT", "7")
    assert statement_id_for("tenant-b", "ACC-1", "STMT-7") != statement_id_for("tenant-a", "ACC-1", "STMT-7")


def test_an_import_keeps_the_normalised_lines_and_who_imported_them_when() -> None:
    # The line's reference is trimmed, the currency upper-cased and the amount given the currency's decimals.
    raw = line(" L-OUT ", "250", currency="eur")
    state = (
        given(DECIDER)
        .when(replace(IMPORT, statement_id=" STMT-7 ", account=" DE89370400440532013000 ", currency="eur",
                      lines=(raw, IN)), context())
        .then(IMPORTED)
    )  # fmt: skip
    assert state == Statement(
        "tenant-a", "STMT-7", "DE89370400440532013000", "EUR", DAY, date(2026, 12, 2), "camt.053", (OUT, IN)
    )
    assert state.imported and Statement().imported is False
    assert str(state.lines[0].amount) == "250.00"


def test_the_matcher_s_findings_are_recorded_as_automatic_matches_in_order() -> None:
    matches = (LineMatch("L-IN", invoice_id="inv-9"), LineMatch("L-OUT", payment_id="p-1"))
    state = (
        given(DECIDER)
        .when(replace(IMPORT, matches=matches), context(actor="user-4"))
        .then(
            replace(IMPORTED, imported_by="user-4"),
            StatementLineMatched("L-IN", None, "inv-9", False, AT, "user-4"),
            StatementLineMatched("L-OUT", "p-1", None, False, AT, "user-4"),
        )
    )
    assert state.matches == matches
    assert state.unmatched() == ()
    assert state.match_of("L-OUT") == LineMatch("L-OUT", payment_id="p-1")
    assert state.match_of("L-NONE") is None and state.line("L-NONE") is None


@pytest.mark.parametrize(
    ("matches", "code", "field", "reason"),
    [
        ((LineMatch("L-X", payment_id="p-1"),), RejectionCode.NOT_FOUND, "matches[0].line_ref",
         "the statement has no line L-X"),
        ((LineMatch("L-OUT"),), RejectionCode.INVALID, "matches[0].payment_id",
         "a line is matched to a payment or to an invoice"),
        ((LineMatch("L-OUT", "p-1", "inv-1"),), RejectionCode.INVALID, "matches[0].payment_id",
         "a line is matched to a payment or to an invoice"),
        ((LineMatch("L-OUT", invoice_id="inv-1"),), RejectionCode.INVALID, "matches[0].invoice_id",
         "only incoming money pays a receivable"),
        # The second finding of the same line conflicts with the first one of the same import.
        ((LineMatch("L-IN", "p-1"), LineMatch("L-IN", invoice_id="inv-1")), RejectionCode.CONFLICT, "matches[1]",
         "line L-IN is already matched to p-1"),
    ],
)  # fmt: skip
def test_a_finding_of_the_matcher_is_checked_like_an_operator_s_match(
    matches: tuple[LineMatch, ...], code: RejectionCode, field: str, reason: str
) -> None:
    refused = given(DECIDER).when(replace(IMPORT, matches=matches), context()).then_rejected(code, field)
    assert refused.reason == reason


def test_incoming_money_may_settle_an_outgoing_payment_returned() -> None:
    given(DECIDER, IMPORTED).when(MatchLine("L-IN", payment_id="p-1"), context()).then(
        StatementLineMatched("L-IN", "p-1", None, True, AT, "user-1")
    )


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"lines": ()}, "lines", f"a statement has 1 to {MAX_LINES} lines"),
        ({"source_format": "mt940"}, "source", "the format is one of 1c, camt.053"),
        ({"lines": (OUT, line("L-2", currency="ABC"))}, "lines[1].currency", "'ABC' is not an ISO 4217 currency code"),
        ({"lines": (line(" "),)}, "lines[0].line_ref", "lines[0].line_ref must be 1 to 255 characters"),
        ({"lines": (line("L" * 256),)}, "lines[0].line_ref", "lines[0].line_ref must be 1 to 255 characters"),
        ({"lines": (line("L-1", "0"),)}, "lines[0].amount", "must be greater than zero"),
        ({"statement_id": "S" * 256}, "statement_id", "statement_id must be 1 to 255 characters"),
        ({"account": "A" * 65}, "account", "account must be 1 to 64 characters"),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an ISO 4217 currency code"),
        ({"lines": (OUT, line(" L-OUT"))}, "lines", "two lines have the same reference"),
        ({"period_to": date(2026, 11, 30)}, "period_to", "the period ends before it starts"),
    ],
)
def test_a_bad_statement_is_refused_naming_the_field(changes: dict[str, Any], field: str, reason: str) -> None:
    refused = given(DECIDER).when(replace(IMPORT, **changes), context())
    assert refused.then_rejected(RejectionCode.INVALID, field).reason == reason


def test_the_longest_texts_the_most_lines_and_a_one_day_period_are_accepted() -> None:
    longest = replace(
        IMPORT,
        statement_id="S" * 255,
        account="A" * 64,
        period_to=DAY,
        lines=(line("L" * 255), *(line(f"L-{n}") for n in range(1, MAX_LINES))),
        source_format="1c",
    )
    [imported] = given(DECIDER).when(longest, context()).then_accepted()
    assert isinstance(imported, StatementImported)
    assert (len(imported.lines), imported.statement_id, imported.account) == (MAX_LINES, "S" * 255, "A" * 64)
    given(DECIDER).when(replace(longest, lines=(*longest.lines, line("L-5000"))), context()).then_rejected(
        RejectionCode.INVALID, "lines", "a statement has 1 to 5000 lines"
    )


def test_the_same_file_again_is_no_change_even_with_other_findings_but_other_lines_conflict() -> None:
    again = replace(IMPORT, matches=(LineMatch("L-OUT", payment_id="p-1"),))
    given(DECIDER, IMPORTED).when(again, context()).then()
    refused = given(DECIDER, IMPORTED).when(replace(IMPORT, lines=(OUT,)), context())
    assert (
        refused.then_rejected(RejectionCode.CONFLICT, "lines").reason
        == "statement STMT-7 was imported with other lines"
    )


def test_an_operator_s_match_is_manual_and_blank_targets_count_as_none() -> None:
    statement = given(DECIDER, IMPORTED)
    statement.when(MatchLine("L-OUT", payment_id="p-1", invoice_id=""), context(actor="user-2")).then(
        StatementLineMatched("L-OUT", "p-1", None, True, AT, "user-2")
    )
    statement.when(MatchLine("L-IN", payment_id="", invoice_id="inv-1"), context()).then(
        StatementLineMatched("L-IN", None, "inv-1", True, AT, "user-1")
    )
    blank = statement.when(MatchLine("L-OUT", payment_id="", invoice_id=""), context())
    assert blank.then_rejected(RejectionCode.INVALID, "line_ref.payment_id").reason == (
        "a line is matched to a payment or to an invoice"
    )


@pytest.mark.parametrize(
    ("command", "code", "field", "reason"),
    [
        (MatchLine("L-X", "p-1"), RejectionCode.NOT_FOUND, "line_ref.line_ref", "the statement has no line L-X"),
        (MatchLine("L-OUT", invoice_id="inv-1"), RejectionCode.INVALID, "line_ref.invoice_id",
         "only incoming money pays a receivable"),
        (MatchLine("L-IN", "p-2"), RejectionCode.CONFLICT, "line_ref", "line L-IN is already matched to inv-9"),
    ],
)  # fmt: skip
def test_a_manual_match_is_refused_naming_why(command: MatchLine, code: RejectionCode, field: str, reason: str) -> None:
    matched = StatementLineMatched("L-IN", None, "inv-9", False, AT, "user-1")
    refused = given(DECIDER, IMPORTED, matched).when(command, context()).then_rejected(code, field)
    assert refused.reason == reason


def test_a_match_on_a_statement_never_imported_is_not_found() -> None:
    refused = given(DECIDER).when(MatchLine("L-OUT", "p-1"), context()).then_rejected(RejectionCode.NOT_FOUND)
    assert refused.reason == "no such statement"


def test_an_unknown_statement_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a statement command"):
        given(DECIDER).when("import", context())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a statement event"):
        given(DECIDER, "imported")
