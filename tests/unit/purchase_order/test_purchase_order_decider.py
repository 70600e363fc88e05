"""Given/when/then for every rule of a purchase order, and its transition table over every state and step."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.invoice.commands import OrderLineFacts
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ConfirmPurchaseOrder,
    CreatePurchaseOrder,
    EditPurchaseOrder,
    LinkDeclaration,
    LinkShipment,
    OrderLine,
    PaymentTerms,
    ReceiveGoods,
    RecordPrepaymentRequested,
    RecordPrepaymentSettled,
    ReleaseToSupplier,
    ReopenAfterReturnedPayment,
    SendToSupplier,
    ShareFactsForMatch,
)
from streams.purchase_order.customs_prefill import declaration_items
from streams.purchase_order.decider import LEGAL_FROM, OrderStatus
from streams.purchase_order.domain import PURCHASE_ORDER
from streams.purchase_order.events import (
    DeclarationLinked,
    GoodsReceived,
    OrderFactsShared,
    PrepaymentRequested,
    PrepaymentSettled,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderCreated,
    PurchaseOrderReopened,
    PurchaseOrderSent,
    ShipmentLinked,
)
from tests.unit.deciders import AT, context, given
from tests.unit.purchase_order.orders import (
    NO_PREPAYMENT,
    OWNER,
    PROCESS,
    TERMS,
    TOTAL,
    confirmed,
    created,
    events_of,
    fully_received,
    partly_received,
)

DECIDER = PURCHASE_ORDER.decider


def test_creating_an_order_totals_its_lines_rounded_to_the_currency() -> None:
    state = (
        given(DECIDER)
        .when(CreatePurchaseOrder("PO-2026-0042", TERMS), OWNER)
        .then(PurchaseOrderCreated("tenant-a", "PO-2026-0042", TERMS, TOTAL, "user-1", AT))
    )
    assert state.status is OrderStatus.DRAFT and state.owner_id == "user-1"
    assert state.prepayment_amount == Decimal("3824.99")  # 30% of 12749.98 = 3824.994


def test_creating_again_with_the_same_terms_is_nothing_and_with_others_a_conflict() -> None:
    order = given(DECIDER, *events_of(created()))
    order.when(CreatePurchaseOrder("PO-2026-0042", TERMS), OWNER).then()
    order.when(CreatePurchaseOrder("PO-2026-0042", NO_PREPAYMENT), OWNER).then_rejected(RejectionCode.CONFLICT)


def _line(**changes: Any) -> Any:
    return replace(TERMS, lines=(replace(TERMS.lines[0], **changes), TERMS.lines[1]))


@pytest.mark.parametrize(
    ("terms", "field", "reason"),
    [
        (replace(TERMS, currency="XYZ"), "terms.currency", "ISO 4217"),
        (_line(unit_price=Decimal("1250.001")), "terms.lines[0].unit_price", "2 decimals"),
        (_line(unit_price=Decimal("-5")), "terms.lines[0].unit_price", "greater than zero"),
        (_line(quantity=Decimal(0)), "terms.lines[0].quantity", "positive"),
        (_line(quantity=Decimal("1.0000001")), "terms.lines[0].quantity", "decimals"),
        (_line(hs_code="84136"), "terms.lines[0].hs_code", "HS code"),
        (_line(unit="pcs"), "terms.lines[0].unit", "OKEI"),
        (_line(origin_country="XX"), "terms.lines[0].origin_country", "ISO 3166"),
        (_line(line_no=2), "terms.lines", "unique"),
        (replace(TERMS, lines=()), "terms.lines", "at least one"),
        (replace(TERMS, incoterm="FOB2000"), "terms.incoterm", "Incoterms 2020"),
        (replace(TERMS, incoterm_place=" "), "terms.incoterm_place", "1 to 140"),
        (replace(TERMS, payment_terms=PaymentTerms(Decimal(101))), "terms.payment_terms.prepayment_percent", "to 100"),
        (replace(TERMS, payment_terms=PaymentTerms(net_days=400)), "terms.payment_terms.net_days", "0 to 365"),
        (
            replace(TERMS, supplier=replace(TERMS.supplier, bank=replace(TERMS.supplier.bank, bank_bic=None))),
            "terms.supplier.bank.bank_bic",
            "SWIFT",
        ),
    ],
)
def test_bad_terms_are_refused_naming_the_field(terms: Any, field: str, reason: str) -> None:
    given(DECIDER).when(CreatePurchaseOrder("PO-1", terms), OWNER).then_rejected(RejectionCode.INVALID, field, reason)


def test_a_yen_order_refuses_any_decimals() -> None:
    yen = replace(TERMS, currency="JPY", lines=(OrderLine(1, "Lathe", Decimal(1), "796", Decimal("100.5")),))
    given(DECIDER).when(CreatePurchaseOrder("PO-1", yen), OWNER).then_rejected(
        RejectionCode.INVALID, "terms.lines[0].unit_price", "JPY has 0 decimals"
    )


def test_a_draft_is_edited_and_its_total_follows() -> None:
    order = given(DECIDER, *events_of(created()))
    cheaper = replace(TERMS, lines=(replace(TERMS.lines[0], quantity=Decimal(1)),))
    state = order.when(EditPurchaseOrder(cheaper), OWNER).then_accepted()
    assert state[0].total == Decimal("1250.00")


def test_approval_carries_what_the_prepayment_saga_needs() -> None:
    events = given(DECIDER, *events_of(created())).when(ApprovePurchaseOrder(), OWNER).then_accepted()
    assert events == [
        PurchaseOrderApproved(
            "user-1", "owner", AT, "PO-2026-0042", "EUR", TOTAL, Decimal("3824.99"), TERMS.payment_terms,
            TERMS.supplier.bank, TERMS.paying_account, "user-1",
        )
    ]  # fmt: skip


def test_approval_above_the_role_s_limit_is_forbidden_naming_the_limit() -> None:
    order = given(DECIDER, *events_of(created()))
    order.when(ApprovePurchaseOrder(), context(role="accountant")).then_rejected(
        RejectionCode.FORBIDDEN, "total", "above the accountant's approval limit of 11000 EUR"
    )
    order.when(ApprovePurchaseOrder(), context(role="admin")).then_accepted()  # admin: up to 55000 EUR
    order.when(ApprovePurchaseOrder(), context(role="operator")).then_rejected(
        RejectionCode.FORBIDDEN, "total", "may not approve"
    )


def test_an_order_needing_no_prepayment_is_sent_by_a_person() -> None:
    order = given(DECIDER, *events_of([*created(NO_PREPAYMENT), (ApprovePurchaseOrder(), OWNER)]))
    state = order.when(SendToSupplier(), OWNER).then(PurchaseOrderSent(AT, "user-1", after_prepayment=False))
    assert state.status is OrderStatus.SENT


def test_an_order_with_a_prepayment_goes_out_only_once_it_is_paid() -> None:
    approved = given(DECIDER, *events_of([*created(), (ApprovePurchaseOrder(), OWNER)]))
    approved.when(SendToSupplier(), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE, "status", "3824.99 EUR is due")
    approved.when(ReleaseToSupplier(), PROCESS).then_rejected(RejectionCode.ILLEGAL_STATE, "status", "not settled")
    requested = approved.when(RecordPrepaymentRequested("pay-1"), PROCESS).then(PrepaymentRequested("pay-1", AT))
    settled = given(DECIDER).with_state(**requested.__dict__)
    paid = settled.when(RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS).then(
        PrepaymentSettled("pay-1", date(2026, 3, 3), Decimal("3824.99"), "EUR")
    )
    released = given(DECIDER).with_state(**paid.__dict__)
    state = released.when(ReleaseToSupplier(), PROCESS).then(PurchaseOrderSent(AT, "user-1", after_prepayment=True))
    assert state.status is OrderStatus.SENT


def test_the_saga_s_steps_repeat_without_effect() -> None:
    steps = [*created(), (ApprovePurchaseOrder(), OWNER), (RecordPrepaymentRequested("pay-1"), PROCESS)]
    order = given(DECIDER, *events_of(steps))
    order.when(RecordPrepaymentRequested("pay-1"), PROCESS).then()
    settled = given(DECIDER, *events_of([*steps, (RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS)]))
    settled.when(RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS).then()
    order.when(RecordPrepaymentSettled("pay-2", date(2026, 3, 3)), PROCESS).then_rejected(
        RejectionCode.CONFLICT, "payment_id"
    )


@pytest.mark.parametrize(
    "command",
    [RecordPrepaymentRequested("p"), RecordPrepaymentSettled("p", date(2026, 3, 3)), ReleaseToSupplier(),
     ReopenAfterReturnedPayment("p", "returned")],
)  # fmt: skip
def test_the_saga_s_steps_are_refused_to_a_person(command: Any) -> None:
    approved = given(DECIDER, *events_of([*created(), (ApprovePurchaseOrder(), OWNER)]))
    approved.when(command, OWNER).then_rejected(RejectionCode.FORBIDDEN, reason_has="only the prepayment process")


def test_a_returned_prepayment_reopens_the_order_as_a_draft_telling_its_owner() -> None:
    steps = [*created(), (ApprovePurchaseOrder(), OWNER), (RecordPrepaymentRequested("pay-1"), PROCESS)]
    order = given(DECIDER, *events_of(steps))
    order.when(ReopenAfterReturnedPayment("pay-9", "wrong IBAN"), PROCESS).then_rejected(RejectionCode.CONFLICT)
    state = order.when(ReopenAfterReturnedPayment("pay-1", "wrong IBAN"), PROCESS).then(
        PurchaseOrderReopened("pay-1", "wrong IBAN", AT, "PO-2026-0042", "user-1")
    )
    assert state.status is OrderStatus.DRAFT and state.prepayment_id is None
    given(DECIDER).with_state(**state.__dict__).when(EditPurchaseOrder(NO_PREPAYMENT), OWNER).then_accepted()


def test_goods_are_received_per_line_never_above_what_was_ordered() -> None:
    order = given(DECIDER, *events_of(partly_received()))
    assert order.state.status is OrderStatus.PARTLY_RECEIVED
    order.when(ReceiveGoods(1, Decimal("6.5"), date(2026, 4, 3)), OWNER).then_rejected(
        RejectionCode.CONFLICT, "quantity", "line 1: 4 of 10 received; 6.5 more is above what was ordered"
    )
    order.when(ReceiveGoods(3, Decimal(1), date(2026, 4, 3)), OWNER).then_rejected(RejectionCode.INVALID, "line_no")
    order.when(ReceiveGoods(1, Decimal(-1), date(2026, 4, 3)), OWNER).then_rejected(RejectionCode.INVALID, "quantity")
    state = order.when(ReceiveGoods(1, Decimal(6), date(2026, 4, 3), "ship-1"), OWNER).then(
        GoodsReceived(1, Decimal(6), date(2026, 4, 3), Decimal(10), False, "ship-1")
    )
    assert state.status is OrderStatus.PARTLY_RECEIVED  # line 2 is still due
    full = given(DECIDER, *events_of(fully_received()))
    assert full.state.status is OrderStatus.RECEIVED
    assert full.when(ClosePurchaseOrder(), OWNER).then(PurchaseOrderClosed(AT)).status is OrderStatus.CLOSED


def test_a_partly_received_order_closes_short_but_cannot_be_cancelled() -> None:
    order = given(DECIDER, *events_of(partly_received()))
    order.when(CancelPurchaseOrder("late"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE, "status")
    order.when(ClosePurchaseOrder("rest not coming"), OWNER).then(PurchaseOrderClosed(AT, "rest not coming"))


def test_cancelling_names_the_prepayment_the_saga_must_recover() -> None:
    steps = [*created(), (ApprovePurchaseOrder(), OWNER), (RecordPrepaymentRequested("pay-1"), PROCESS)]
    given(DECIDER, *events_of(steps)).when(CancelPurchaseOrder("supplier gone"), OWNER).then(
        PurchaseOrderCancelled("supplier gone", "user-1", AT, "pay-1")
    )


def test_shipments_and_declarations_are_linked_once() -> None:
    order = given(DECIDER, *events_of(confirmed()))
    linked = order.when(LinkShipment("ship-1"), OWNER).then(ShipmentLinked("ship-1"))
    given(DECIDER).with_state(**linked.__dict__).when(LinkShipment("ship-1"), OWNER).then()
    order.when(LinkDeclaration("decl-1"), OWNER).then(DeclarationLinked("decl-1"))


def test_the_order_shares_what_it_says_now_for_an_invoice_s_three_way_match() -> None:
    order = given(DECIDER, *events_of(partly_received()))
    order.when(ShareFactsForMatch("inv-1"), PROCESS).then(
        OrderFactsShared(
            "inv-1",
            "EUR",
            (
                OrderLineFacts(1, Decimal(10), Decimal("1250.00"), Decimal(4)),
                OrderLineFacts(2, Decimal("2.5"), Decimal("99.99"), Decimal(0)),
            ),
        )
    )
    given(DECIDER, *events_of(created())).when(ShareFactsForMatch("inv-1"), OWNER).then_rejected(
        RejectionCode.ILLEGAL_STATE, "status"
    )


# The transition table: every step in every state, legal exactly where LEGAL_FROM says.

_APPROVED = [*created(), (ApprovePurchaseOrder(), OWNER)]
STATES: dict[OrderStatus, list[tuple[Any, Any]]] = {
    OrderStatus.DRAFT: created(),
    OrderStatus.APPROVED: _APPROVED,
    OrderStatus.SENT: confirmed()[:-1],
    OrderStatus.CONFIRMED: confirmed(),
    OrderStatus.PARTLY_RECEIVED: partly_received(),
    OrderStatus.RECEIVED: fully_received(),
    OrderStatus.CLOSED: [*fully_received(), (ClosePurchaseOrder(), OWNER)],
    OrderStatus.CANCELLED: [*created(), (CancelPurchaseOrder("no"), OWNER)],
}
STEPS: list[tuple[Any, Any]] = [
    (EditPurchaseOrder(NO_PREPAYMENT), OWNER),
    (ApprovePurchaseOrder(), OWNER),
    (RecordPrepaymentRequested("pay-1"), PROCESS),
    (RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS),
    (ReopenAfterReturnedPayment("pay-1", "returned"), PROCESS),
    (ReleaseToSupplier(), PROCESS),
    (SendToSupplier(), OWNER),
    (ConfirmPurchaseOrder(), OWNER),
    (ReceiveGoods(2, Decimal(1), date(2026, 4, 3)), OWNER),
    (ClosePurchaseOrder(), OWNER),
    (CancelPurchaseOrder("no"), OWNER),
    (LinkShipment("ship-1"), OWNER),
    (LinkDeclaration("decl-1"), OWNER),
    (ShareFactsForMatch("inv-1"), PROCESS),
]


def test_the_table_covers_every_state_and_step() -> None:
    assert set(STATES) == set(OrderStatus) - {OrderStatus.NONE}
    assert {type(command) for command, _ in STEPS} == set(LEGAL_FROM)


@pytest.mark.parametrize("status", list(STATES))
@pytest.mark.parametrize(("command", "ctx"), STEPS, ids=[type(c).__name__ for c, _ in STEPS])
def test_every_step_is_legal_exactly_in_its_states(status: OrderStatus, command: Any, ctx: Any) -> None:
    order = given(DECIDER, *events_of(STATES[status]))
    assert order.state.status is status
    decision = DECIDER.decide(order.state, command, ctx)
    illegal = isinstance(decision, Rejection) and "cannot take" in decision.reason
    assert illegal == (status not in LEGAL_FROM[type(command)]), decision
    if illegal:
        assert isinstance(decision, Rejection) and decision.code is RejectionCode.ILLEGAL_STATE


@pytest.mark.parametrize(("command", "ctx"), STEPS, ids=[type(c).__name__ for c, _ in STEPS])
def test_no_step_reaches_an_order_that_does_not_exist(command: Any, ctx: Any) -> None:
    given(DECIDER).when(command, ctx).then_rejected(RejectionCode.NOT_FOUND, reason_has="no such purchase order")


def test_customs_goods_items_are_prefilled_from_the_order_lines() -> None:
    items = declaration_items("0123456789abcdef", TERMS)
    first, second = items
    assert (first.item.commodity_code, first.item.origin_country, first.item.quantity, first.item.unit_code) == (
        "8413602000", "DE", Decimal(10), "796",
    )  # fmt: skip
    assert (first.item.invoice_value, first.item.currency) == (Decimal("12500.00"), "EUR")
    assert first.missing == ("gross_weight_kg", "net_weight_kg")
    assert second.item.invoice_value == Decimal("249.98")
    assert second.missing == ("commodity_code", "origin_country", "gross_weight_kg", "net_weight_kg")
    assert first.item.item_id != second.item.item_id
