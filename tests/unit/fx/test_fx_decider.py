"""FX deals, given/when/then: a quote at a stated rate, agreed only before it expires, settled once agreed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.fx.commands import AgreeDeal, QuoteConversion, SettleDeal
from streams.fx.decider import DealStatus, bought, quote_id_for
from streams.fx.domain import FX
from streams.fx.events import ConversionQuoted, DealAgreed, DealSettled
from tests.unit.deciders import AT, context, given

DECIDER = FX.decider
QUOTE = QuoteConversion("EUR", "RUB", Decimal("1000.00"), Decimal("94.1234"), date(2026, 3, 2), "CBR 2026-03-02", 300)
QUOTED = ConversionQuoted(
    "tenant-a", "EUR", "RUB", Decimal("1000.00"), Decimal("94123.40"), Decimal("94.1234"), date(2026, 3, 2),
    "CBR 2026-03-02", AT, AT + timedelta(seconds=300),
)  # fmt: skip
AGREED = DealAgreed("EUR", "RUB", Decimal("1000.00"), Decimal("94123.40"), Decimal("94.1234"), AT, "user-1")


def at(seconds: int) -> Any:
    return replace(context(), issued_at=AT + timedelta(seconds=seconds))


def test_a_quote_states_rate_date_source_and_expiry() -> None:
    state = given(DECIDER).when(QUOTE, context()).then(QUOTED)
    assert (state.status, state.expires_at) == (DealStatus.QUOTED, AT + timedelta(seconds=300))


def test_the_bought_amount_is_rounded_half_even_to_the_buy_currency() -> None:
    assert bought(Decimal("1.00"), Decimal("0.125"), "USD") == Decimal("0.12")
    assert bought(Decimal("100"), Decimal("1.555"), "JPY") == Decimal("156")
    assert bought(Decimal("1.000"), Decimal("3.2625"), "KWD") == Decimal("3.262")


@pytest.mark.parametrize("ambient", [ROUND_HALF_UP, ROUND_UP, ROUND_DOWN])
def test_the_bought_amount_is_half_even_whatever_the_ambient_decimal_context_rounds(ambient: str) -> None:
    with localcontext() as ctx:
        ctx.rounding = ambient
        assert bought(Decimal("1.00"), Decimal("0.125"), "USD") == Decimal("0.12")
        assert bought(Decimal("1.00"), Decimal("0.135"), "USD") == Decimal("0.14")
        assert bought(Decimal("1.00"), Decimal("0.1251"), "USD") == Decimal("0.13")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"sell_currency": "ABC"}, "sell_currency", "not an ISO 4217 currency code"),
        ({"buy_currency": "EUR"}, "buy_currency", "another"),
        ({"sell_amount": Decimal("-1")}, "sell_amount", "greater than zero"),
        ({"sell_amount": Decimal("1.001")}, "sell_amount", "EUR has 2 decimals"),
        ({"rate": Decimal("0")}, "rate", "positive"),
        ({"valid_for_seconds": 0}, "valid_for_seconds", "1 to 3600"),
        ({"valid_for_seconds": 3601}, "valid_for_seconds", "1 to 3600"),
        ({"sell_amount": Decimal("0.01"), "rate": Decimal("0.0001")}, "sell_amount", "less than the smallest"),
    ],
)
def test_a_bad_quote_is_refused_naming_the_field(changes: dict[str, Any], field: str, reason: str) -> None:
    given(DECIDER).when(replace(QUOTE, **changes), context()).then_rejected(RejectionCode.INVALID, field, reason)


def test_a_deal_is_agreed_on_a_live_quote_up_to_its_last_second() -> None:
    given(DECIDER, QUOTED).when(AgreeDeal(), at(300)).then(replace(AGREED, agreed_at=AT + timedelta(seconds=300)))


def test_an_expired_quote_is_refused_naming_expires_at_and_nothing_changes() -> None:
    when = given(DECIDER, QUOTED).when(AgreeDeal(), at(301))
    when.then_rejected(RejectionCode.CONFLICT, "expires_at", "quote expired at 2026-03-02T09:35:00+00:00")
    assert when.state.status is DealStatus.QUOTED


BY_PROCESS = context(role="process", process="fx-ledger")


def test_a_deal_is_agreed_once_and_settled_once_agreed_by_the_ledger_s_process_only() -> None:
    given(DECIDER, QUOTED, AGREED).when(AgreeDeal(), context()).then_rejected(RejectionCode.ILLEGAL_STATE)
    given(DECIDER, QUOTED).when(SettleDeal("tr-1"), BY_PROCESS).then_rejected(RejectionCode.ILLEGAL_STATE)
    given(DECIDER, QUOTED, AGREED).when(SettleDeal("tr-1"), context(role="owner")).then_rejected(
        RejectionCode.FORBIDDEN
    )
    state = given(DECIDER, QUOTED, AGREED).when(SettleDeal("tr-1"), BY_PROCESS).then(DealSettled("tr-1", AT))
    assert state.status is DealStatus.SETTLED
    given(DECIDER, QUOTED, AGREED, DealSettled("tr-1", AT)).when(SettleDeal("tr-2"), BY_PROCESS).then_rejected(
        RejectionCode.ILLEGAL_STATE
    )
    given(DECIDER).when(AgreeDeal(), context()).then_rejected(RejectionCode.NOT_FOUND)
    given(DECIDER, QUOTED).when(QUOTE, context()).then_rejected(RejectionCode.CONFLICT)


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"sell_currency": "ABC"}, ("'ABC' is not an ISO 4217 currency code", "sell_currency")),
        ({"buy_currency": "EUR"}, ("an exchange sells one currency for another", "buy_currency")),
        ({"rate": Decimal("NaN")}, ("the rate must be positive", "rate")),
        ({"rate": Decimal("-1")}, ("the rate must be positive", "rate")),
        ({"valid_for_seconds": 3601}, ("a quote is valid 1 to 3600 s", "valid_for_seconds")),
        (
            {"sell_amount": Decimal("0.01"), "rate": Decimal("0.0001")},
            ("0.01 EUR buys less than the smallest RUB", "sell_amount"),
        ),
        ({"source": " "}, ("source must be 1 to 500 characters", "source")),
    ],
)
def test_a_bad_quote_is_refused_with_its_exact_reason(changes: dict[str, Any], refusal: tuple[str, str]) -> None:
    reason, field = refusal
    refused = given(DECIDER).when(replace(QUOTE, **changes), context()).then_rejected(RejectionCode.INVALID, field)
    assert refused.reason == reason


def test_a_quote_valid_for_the_longest_time_expires_an_hour_after_it_was_given() -> None:
    state = (
        given(DECIDER)
        .when(replace(QUOTE, valid_for_seconds=3600), context())
        .then(replace(QUOTED, expires_at=AT + timedelta(seconds=3600)))
    )
    assert (state.tenant_id, state.rate_date, state.expires_at) == (
        "tenant-a",
        date(2026, 3, 2),
        AT + timedelta(hours=1),
    )


def test_refusals_out_of_order_say_why() -> None:
    assert given(DECIDER).when(AgreeDeal(), context()).then_rejected(RejectionCode.NOT_FOUND).reason == "no such quote"
    assert given(DECIDER).when(SettleDeal("tr-1"), BY_PROCESS).then_rejected(RejectionCode.NOT_FOUND).reason == (
        "no such quote"
    )
    assert (
        given(DECIDER, QUOTED).when(QUOTE, context()).then_rejected(RejectionCode.CONFLICT, "quote_id").reason
        == "this quote was already given"
    )
    again = given(DECIDER, QUOTED, AGREED).when(AgreeDeal(), context())
    assert again.then_rejected(RejectionCode.ILLEGAL_STATE, "status").reason == "the deal is already agreed"
    early = given(DECIDER, QUOTED).when(SettleDeal("tr-1"), BY_PROCESS)
    assert early.then_rejected(RejectionCode.ILLEGAL_STATE, "status").reason == (
        "only an agreed deal settles; this one is quoted"
    )
    blank = given(DECIDER, QUOTED, AGREED).when(SettleDeal(" "), BY_PROCESS)
    assert blank.then_rejected(RejectionCode.INVALID, "settlement_ref").reason == (
        "settlement_ref must be 1 to 255 characters"
    )


def test_the_deal_remembers_the_quote_the_agreement_and_the_settlement() -> None:
    state = given(DECIDER, QUOTED, AGREED, DealSettled("tr-1", AT)).state
    assert (state.sell_currency, state.buy_currency, state.sell_amount, state.buy_amount, state.rate) == (
        "EUR", "RUB", Decimal("1000.00"), Decimal("94123.40"), Decimal("94.1234")
    )  # fmt: skip
    assert (state.source, state.quoted_at, state.agreed_at, state.settlement_ref) == ("CBR 2026-03-02", AT, AT, "tr-1")
    assert state.status is DealStatus.SETTLED


def test_a_quote_s_id_is_stable_per_tenant_and_idempotency_key() -> None:
    # Pinned: a retried request after a deploy must find the same quote, so the derivation may never change.
    assert quote_id_for("tenant-a", "key-1") == "7f6c1a21-19de-5d8e-9715-38787d6e70ec"
    assert quote_id_for("tenant-b", "key-1") != quote_id_for("tenant-a", "key-1")


def test_the_agreement_names_the_bank_accounts_and_who_agreed() -> None:
    given(DECIDER, QUOTED).when(AgreeDeal(" 40702978 ", " 40702810 "), context(actor="user-7")).then(
        replace(AGREED, agreed_by="user-7", sell_account="40702978", buy_account="40702810")
    )


def test_an_unknown_buy_currency_is_refused_naming_the_buy_currency() -> None:
    refused = given(DECIDER).when(replace(QUOTE, buy_currency="XYZ"), context())
    assert (
        refused.then_rejected(RejectionCode.INVALID, "buy_currency").reason == "'XYZ' is not an ISO 4217 currency code"
    )


def test_the_shortest_quote_and_the_smallest_purchase_are_accepted() -> None:
    # one second of validity; 0.01 EUR at 100 buys exactly 1.00 RUB
    smallest = replace(QUOTE, sell_amount=Decimal("0.01"), rate=Decimal("100"), valid_for_seconds=1)
    [event] = given(DECIDER).when(smallest, context()).then_accepted()
    assert (event.buy_amount, event.expires_at) == (Decimal("1.00"), AT + timedelta(seconds=1))


def test_a_person_may_not_settle_a_deal_the_ledger_s_process_settles() -> None:
    refused = given(DECIDER, QUOTED, AGREED).when(SettleDeal("tr-1"), context(role="owner"))
    assert refused.then_rejected(RejectionCode.FORBIDDEN).reason == (
        "settling an FX deal is a step of a process, not of a person"
    )


def test_an_unknown_fx_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not an FX command"):
        given(DECIDER).when("quote", context())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not an FX event"):
        given(DECIDER, "quoted")


def test_a_source_and_a_settlement_reference_are_kept_up_to_their_column_lengths() -> None:
    [quoted] = given(DECIDER).when(replace(QUOTE, source="  CBR " + "s" * 494), context()).then_accepted()
    assert quoted.source == "CBR " + "s" * 494  # 498: collapsed, within 500
    given(DECIDER).when(replace(QUOTE, source="s" * 500), context()).then_accepted()
    too_long = given(DECIDER).when(replace(QUOTE, source="s" * 501), context())
    assert too_long.then_rejected(RejectionCode.INVALID, "source").reason == "source must be 1 to 500 characters"
    given(DECIDER, QUOTED, AGREED).when(SettleDeal(" " + "r" * 255), BY_PROCESS).then(DealSettled("r" * 255, AT))
    longer = given(DECIDER, QUOTED, AGREED).when(SettleDeal("r" * 256), BY_PROCESS)
    assert longer.then_rejected(RejectionCode.INVALID, "settlement_ref").reason == (
        "settlement_ref must be 1 to 255 characters"
    )


def test_a_rate_that_is_not_a_finite_number_is_refused() -> None:
    for rate in (Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")):
        refused = given(DECIDER).when(replace(QUOTE, rate=rate), context())
        assert refused.then_rejected(RejectionCode.INVALID, "rate").reason == "the rate must be positive"
