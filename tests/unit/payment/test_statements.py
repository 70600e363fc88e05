"""The statement matcher and the statement decider: the right payments settle, the rest stay for an operator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streams.decider import RejectionCode
from streams.payment.commands import Direction
from streams.payment.formats import camt053, onec
from streams.payment.matching import OpenPayment, OpenReceivable, match
from streams.payment.statement.commands import ImportStatement, LineMatch, MatchLine, StatementLine
from streams.payment.statement.domain import BANK_STATEMENT
from streams.payment.statement.events import StatementImported, StatementLineMatched
from tests.unit.deciders import AT, context, given
from tests.unit.payment.test_bank_formats import CAMT, ONEC_STATEMENT

DECIDER = BANK_STATEMENT.decider
GERMAN_IBAN = "DE89370400440532013000"


def sent(
    payment_id: str, end_to_end_id: str, amount: str, account: str = GERMAN_IBAN, number: str = "1"
) -> OpenPayment:
    return OpenPayment(payment_id, end_to_end_id, number, Decimal(amount), "EUR", account)


def line(ref: str, amount: str, reference: str = "", account: str = GERMAN_IBAN, **kw: object) -> StatementLine:
    values: dict[str, object] = {
        "line_ref": ref, "booked_on": date(2026, 12, 1), "direction": Direction.OUTGOING, "amount": Decimal(amount),
        "currency": "EUR", "counterparty_name": "Hamburger Maschinenbau GmbH", "counterparty_account": account,
        "reference": reference, **kw,
    }  # fmt: skip
    return StatementLine(**values)  # type: ignore[arg-type]


def test_camt053_lines_settle_the_payment_named_by_end_to_end_id_and_leave_the_rest() -> None:
    statement = camt053.parse(CAMT)
    payments = [sent("p-1", "e2e-1", "1250.50"), sent("p-2", "e2e-2", "1250.50")]
    receivables = [OpenReceivable("inv-9", "WW-2026-9", "EUR", Decimal("400.00"))]
    assert match(statement.lines, payments, receivables) == (
        LineMatch("BNK-0001", payment_id="p-1"),
        LineMatch("BNK-0002/1", invoice_id="inv-9"),
    )  # BNK-0002/2 (an unknown payer) stays unmatched


def test_1c_lines_settle_by_order_number_and_account_and_pay_receivables_named_in_the_purpose() -> None:
    statement = onec.parse_statement(ONEC_STATEMENT)
    payments = [
        OpenPayment("p-417", "e2e", "417", Decimal("98000.00"), "RUB", "40702810300000067890"),
        OpenPayment("p-418", "e2e2", "418", Decimal("98000.00"), "RUB", "40702810300000067890"),
    ]
    receivables = [
        OpenReceivable("inv-7", "WW-2026-7", "RUB", Decimal("12000.00")),
        OpenReceivable("inv-70", "WW-2026-70", "RUB", Decimal("12000.00")),  # its number contains the other's
    ]
    out, money_in = statement.lines
    assert match(statement.lines, payments, receivables) == (
        LineMatch(out.line_ref, payment_id="p-417"),
        LineMatch(money_in.line_ref, invoice_id="inv-7"),
    )


def test_without_a_reference_only_an_unambiguous_amount_and_account_settles() -> None:
    one = [sent("p-1", "x", "500.00")]
    assert match([line("L1", "500.00")], one) == (LineMatch("L1", payment_id="p-1"),)
    two = [sent("p-1", "x", "500.00"), sent("p-2", "y", "500.00")]
    assert match([line("L1", "500.00")], two) == ()  # which one? an operator decides
    assert match([line("L1", "500.01")], one) == ()  # another amount
    assert match([line("L1", "500.00", account="DE02120300000000202051")], one) == ()  # another beneficiary


def test_a_reference_beats_amount_and_account_and_each_payment_settles_once() -> None:
    payments = [sent("p-1", "e2e-1", "500.00"), sent("p-2", "e2e-2", "500.00")]
    # L2 repeats a reference already settled: not guessed onto p-1; L3 names none and only p-1 is left.
    lines = [line("L1", "500.00", "e2e-2"), line("L2", "500.00", "e2e-2"), line("L3", "500.00")]
    assert match(lines, payments) == (LineMatch("L1", payment_id="p-2"), LineMatch("L3", payment_id="p-1"))


def test_incoming_money_above_what_is_due_or_in_another_currency_is_left_open() -> None:
    due = [OpenReceivable("inv-1", "INV-1", "EUR", Decimal("100.00"))]
    incoming = {"direction": Direction.INCOMING, "purpose": "payment INV-1"}
    assert match([line("L1", "100.01", **incoming)], [], due) == ()
    assert match([line("L1", "100.00", currency="USD", **incoming)], [], due) == ()
    assert match([line("L1", "60.00", **incoming)], [], due) == (LineMatch("L1", invoice_id="inv-1"),)


IMPORT = camt053.parse(CAMT).to_import((LineMatch("BNK-0001", payment_id="p-1"),))


def imported() -> StatementImported:
    return StatementImported(
        "tenant-a", IMPORT.statement_id, IMPORT.account, "EUR", IMPORT.period_from, IMPORT.period_to, "camt.053",
        IMPORT.lines, AT, "user-1",
    )  # fmt: skip


def test_importing_a_statement_records_its_lines_and_the_matcher_s_findings() -> None:
    state = (
        given(DECIDER)
        .when(IMPORT, context())
        .then(imported(), StatementLineMatched("BNK-0001", "p-1", None, False, AT, "user-1"))
    )
    assert [unmatched.line_ref for unmatched in state.unmatched()] == ["BNK-0002/1", "BNK-0002/2"]


def test_the_same_statement_again_changes_nothing_and_other_lines_under_its_id_conflict() -> None:
    given(DECIDER, imported()).when(IMPORT, context()).then()
    other = ImportStatement(
        IMPORT.statement_id, IMPORT.account, "EUR", IMPORT.period_from, IMPORT.period_to, "camt.053", IMPORT.lines[:1]
    )
    given(DECIDER, imported()).when(other, context()).then_rejected(RejectionCode.CONFLICT, "lines")


def test_an_operator_matches_an_open_line_once() -> None:
    state = (
        given(DECIDER, imported())
        .when(MatchLine("BNK-0002/2", invoice_id="inv-3"), context())
        .then(StatementLineMatched("BNK-0002/2", None, "inv-3", True, AT, "user-1"))
    )
    assert [open_line.line_ref for open_line in state.unmatched()] == ["BNK-0001", "BNK-0002/1"]
    matched = StatementLineMatched("BNK-0002/2", None, "inv-3", True, AT, "user-1")
    given(DECIDER, imported(), matched).when(MatchLine("BNK-0002/2", invoice_id="inv-4"), context()).then_rejected(
        RejectionCode.CONFLICT, reason_has="already matched to inv-3"
    )


def test_a_manual_match_names_one_existing_line_and_one_target_of_the_right_kind() -> None:
    statement = given(DECIDER, imported())
    statement.when(MatchLine("NOPE", payment_id="p-1"), context()).then_rejected(RejectionCode.NOT_FOUND)
    statement.when(MatchLine("BNK-0002/1"), context()).then_rejected(RejectionCode.INVALID)
    statement.when(MatchLine("BNK-0002/1", "p-1", "inv-1"), context()).then_rejected(RejectionCode.INVALID)
    statement.when(MatchLine("BNK-0001", invoice_id="inv-1"), context()).then_rejected(
        RejectionCode.INVALID, reason_has="only incoming money"
    )
    given(DECIDER).when(MatchLine("BNK-0001", "p-1"), context()).then_rejected(RejectionCode.NOT_FOUND)


def test_a_statement_line_with_a_bad_amount_is_refused_naming_it() -> None:
    bad = ImportStatement("S-1", "ACC", "EUR", date(2026, 12, 1), date(2026, 12, 1), "camt.053", (line("L1", "1.001"),))
    given(DECIDER).when(bad, context()).then_rejected(RejectionCode.INVALID, "lines[0].amount", "2 decimals")


def test_incoming_money_naming_our_payment_s_end_to_end_id_is_that_payment_returned() -> None:
    ours = [sent("p-1", "e2e-1", "500.00")]
    back = line("L1", "495.00", "e2e-1", direction=Direction.INCOMING)  # less the banks' charges
    assert match([back], [], returnable=ours) == (LineMatch("L1", payment_id="p-1"),)
    assert match([back], [], returnable=[sent("p-1", "e2e-1", "400.00")]) == ()  # more than was paid: not it
    assert match([back], ours) == ()  # a payment awaiting settlement is not a return unless it may come back
