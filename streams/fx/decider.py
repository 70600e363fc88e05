"""The FX deal decider: a quote at the official rate, valid for a while; a deal agreed on it in time; settled.

- A quote sells one known currency for another, a positive amount with the sell currency's decimals,
  at a positive rate, valid 1 second to 1 hour; the bought amount is rounded half-even to the buy
  currency's minor unit.
- Agreeing after `expires_at` is refused (409, field `expires_at`) and nothing changes; a quote is
  agreed at most once, and settled once its deal is agreed, by the ledger's process only (its linked
  transfers moved the money).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from streams.company.identifiers import InvalidDetail, text
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.fx.commands import AgreeDeal, FxCommand, QuoteConversion, SettleDeal
from streams.fx.events import ConversionQuoted, DealAgreed, DealSettled, FxEvent
from streams.immutable import replace
from streams.payment import currency as money
from streams.process import require_process

FX_NAMESPACE = uuid.UUID("b3a9e5d1-7c42-4e08-9f6b-2d5c8a1e0f37")
MAX_VALIDITY_SECONDS = 3600

Decision = Sequence[FxEvent] | Rejection


class DealStatus(StrEnum):
    NONE = "none"
    QUOTED = "quoted"
    AGREED = "agreed"
    SETTLED = "settled"


@dataclass(frozen=True)
class FxDeal:
    status: DealStatus = DealStatus.NONE
    tenant_id: str | None = None
    sell_currency: str = ""
    buy_currency: str = ""
    sell_amount: Decimal = Decimal(0)
    buy_amount: Decimal = Decimal(0)
    rate: Decimal = Decimal(0)
    rate_date: date | None = None
    source: str = ""
    quoted_at: datetime | None = None
    expires_at: datetime | None = None
    agreed_at: datetime | None = None
    settlement_ref: str | None = None


def quote_id_for(tenant_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(FX_NAMESPACE, f"{tenant_id}\n{idempotency_key}"))


def bought(sell_amount: Decimal, rate: Decimal, buy_currency: str) -> Decimal:
    """What `sell_amount` buys at `rate`, in the buy currency's minor unit."""
    return (sell_amount * rate).quantize(money.minor_unit(buy_currency), ROUND_HALF_EVEN)


def _quote(state: FxDeal, cmd: QuoteConversion, context: CommandContext) -> Decision:
    if state.status is not DealStatus.NONE:
        return reject(RejectionCode.CONFLICT, "this quote was already given", "quote_id")
    try:
        sell = money.currency(cmd.sell_currency, "sell_currency")
        buy = money.currency(cmd.buy_currency, "buy_currency")
        sell_amount = money.amount(cmd.sell_amount, sell, "sell_amount")
        source = text(cmd.source, "source", 500)
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
    if sell == buy:
        return reject(RejectionCode.INVALID, "an exchange sells one currency for another", "buy_currency")
    if not cmd.rate.is_finite() or cmd.rate <= 0:
        return reject(RejectionCode.INVALID, "the rate must be positive", "rate")
    if not 0 < cmd.valid_for_seconds <= MAX_VALIDITY_SECONDS:
        return reject(RejectionCode.INVALID, f"a quote is valid 1 to {MAX_VALIDITY_SECONDS} s", "valid_for_seconds")
    buy_amount = bought(sell_amount, cmd.rate, buy)
    if buy_amount <= 0:
        return reject(RejectionCode.INVALID, f"{sell_amount} {sell} buys less than the smallest {buy}", "sell_amount")
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    expires_at = context.issued_at + timedelta(seconds=cmd.valid_for_seconds)
    return [
        ConversionQuoted(
            context.tenant_id,
            sell,
            buy,
            sell_amount,
            buy_amount,
            cmd.rate,
            cmd.rate_date,
            source,
            context.issued_at,
            expires_at,
        )
    ]


def _agree(state: FxDeal, cmd: AgreeDeal, context: CommandContext) -> Decision:
    if state.status is DealStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such quote")
    if state.status is not DealStatus.QUOTED:
        return reject(RejectionCode.ILLEGAL_STATE, f"the deal is already {state.status}", "status")
    assert state.expires_at is not None
    if context.issued_at > state.expires_at:
        return reject(
            RejectionCode.CONFLICT,
            f"quote expired at {state.expires_at.isoformat()}; ask for a new quote",
            "expires_at",
        )
    return [
        DealAgreed(
            state.sell_currency,
            state.buy_currency,
            state.sell_amount,
            state.buy_amount,
            state.rate,
            context.issued_at,
            context.actor_id,
            cmd.sell_account.strip(),
            cmd.buy_account.strip(),
        )
    ]


def _settle(state: FxDeal, cmd: SettleDeal, context: CommandContext) -> Decision:
    if state.status is DealStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such quote")
    if state.status is not DealStatus.AGREED:
        return reject(RejectionCode.ILLEGAL_STATE, f"only an agreed deal settles; this one is {state.status}", "status")
    if problem := require_process(context, "settling an FX deal"):
        return problem
    try:
        settlement_ref = text(cmd.settlement_ref, "settlement_ref", 255)
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
    return [DealSettled(settlement_ref, context.issued_at)]


def decide(state: FxDeal, command: FxCommand, context: CommandContext) -> Decision:
    match command:
        case QuoteConversion():
            return _quote(state, command, context)
        case AgreeDeal():
            return _agree(state, command, context)
        case SettleDeal():
            return _settle(state, command, context)
    raise TypeError(f"not an FX command: {command!r}")


def evolve(state: FxDeal, event: FxEvent) -> FxDeal:
    match event:
        case ConversionQuoted():
            return FxDeal(
                DealStatus.QUOTED, event.tenant_id, event.sell_currency, event.buy_currency, event.sell_amount,
                event.buy_amount, event.rate, event.rate_date, event.source, event.quoted_at, event.expires_at,
            )  # fmt: skip
        case DealAgreed():
            return replace(state, status=DealStatus.AGREED, agreed_at=event.agreed_at)
        case DealSettled():
            return replace(state, status=DealStatus.SETTLED, settlement_ref=event.settlement_ref)
    raise TypeError(f"not an FX event: {event!r}")


fx_decider: Decider[FxDeal, FxCommand, FxEvent] = Decider(FxDeal(), decide, evolve)
