"""A purchase order's rules exactly as a buyer reads them: each refusal's field and words, each limit at its edge.

The reasons are the API's answer (422/403/409 with the field at fault), so they are asserted whole.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    BalanceDue,
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
from streams.purchase_order.decider import OrderStatus, prepayment_of
from streams.purchase_order.domain import PURCHASE_ORDER
from streams.purchase_order.events import (
    GoodsReceived,
    PrepaymentSettled,
    PurchaseOrderConfirmed,
    PurchaseOrderCreated,
    PurchaseOrderEdited,
    PurchaseOrderReopened,
)
from tests.unit.deciders import AT, context, given
from tests.unit.purchase_order.orders import (
    NO_PREPAYMENT,
    OWNER,
    PAYING,
    PROCESS,
    TERMS,
    TOTAL,
    confirmed,
    created,
    events_of,
    partly_received,
)

DECIDER = PURCHASE_ORDER.decider
APPROVED = [*created(), (ApprovePurchaseOrder(), OWNER)]


def _first_line(**changes: Any) -> Any:
    return replace(TERMS, lines=(replace(TERMS.lines[0], **changes), TERMS.lines[1]))


def _refused(terms: Any) -> tuple[str | None, str]:
    rejection = given(DECIDER).when(CreatePurchaseOrder("PO-1", terms), OWNER).then_rejected(RejectionCode.INVALID)
    return rejection.field, rejection.reason


@pytest.mark.parametrize(
    ("terms", "field", "reason"),
    [
        (replace(TERMS, currency="XYZ"), "terms.currency", "'XYZ' is not an ISO 4217 currency code"),
        (replace(TERMS, lines=()), "terms.lines", "an order has at least one line"),
        (_first_line(line_no=0), "terms.lines", "line numbers are positive and unique"),
        (_first_line(line_no=2), "terms.lines", "line numbers are positive and unique"),
        (_first_line(hs_code="84136"), "terms.lines[0].hs_code", "an HS code is 6 digits, an EAEU CN FEA code 10"),
        (_first_line(hs_code="84136020"), "terms.lines[0].hs_code", "an HS code is 6 digits, an EAEU CN FEA code 10"),
        (_first_line(unit="pcs"), "terms.lines[0].unit",
         "a unit is its three-digit OKEI code, e.g. 796 pieces, 166 kg"),
        (_first_line(unit="7960"), "terms.lines[0].unit",
         "a unit is its three-digit OKEI code, e.g. 796 pieces, 166 kg"),
        (_first_line(description=" "), "terms.lines[0].description",
         "terms.lines[0].description must be 1 to 500 characters"),
        (_first_line(description="d" * 501), "terms.lines[0].description",
         "terms.lines[0].description must be 1 to 500 characters"),
        (_first_line(quantity=Decimal(0)), "terms.lines[0].quantity", "must be a positive decimal number"),
        (_first_line(quantity=Decimal("0.0000001")), "terms.lines[0].quantity", "has more than 6 decimals"),
        (_first_line(unit_price=Decimal(0)), "terms.lines[0].unit_price", "must be greater than zero"),
        (_first_line(origin_country="XX"), "terms.lines[0].origin_country",
         "terms.lines[0].origin_country must be an ISO 3166-1 alpha-2 country code, e.g. RU"),
        (_first_line(net_weight_kg=Decimal(0)), "terms.lines[0].net_weight_kg", "must be a positive decimal number"),
        (_first_line(gross_weight_kg=Decimal(-1)), "terms.lines[0].gross_weight_kg",
         "must be a positive decimal number"),
        (replace(TERMS, incoterm="FOB2000"), "terms.incoterm",  # type: ignore[arg-type]
         "'FOB2000' is not an Incoterms 2020 rule"),
        (replace(TERMS, incoterm_place=" "), "terms.incoterm_place",
         "terms.incoterm_place must be 1 to 140 characters"),
        (replace(TERMS, paying_account=replace(PAYING, account=TERMS.supplier.bank.account)),
         "terms.paying_account.account", "the paying account is the supplier's own"),
        (replace(TERMS, paying_account=replace(PAYING, bank_bic=None)),
         "terms.paying_account.bank_bic", "a foreign-currency transfer names the bank's SWIFT code"),
        (replace(TERMS, payment_terms=PaymentTerms(Decimal("100.01"))), "terms.payment_terms.prepayment_percent",
         "must be from 0 to 100"),
        (replace(TERMS, payment_terms=PaymentTerms(Decimal("-0.01"))), "terms.payment_terms.prepayment_percent",
         "must be from 0 to 100"),
        (replace(TERMS, payment_terms=PaymentTerms(Decimal("NaN"))), "terms.payment_terms.prepayment_percent",
         "must be from 0 to 100"),
        (replace(TERMS, payment_terms=PaymentTerms(30)), "terms.payment_terms.prepayment_percent",  # type: ignore[arg-type]
         "must be from 0 to 100"),
        (replace(TERMS, payment_terms=PaymentTerms(Decimal("33.333"))), "terms.payment_terms.prepayment_percent",
         "has more than 2 decimals"),
        (replace(TERMS, payment_terms=PaymentTerms(net_days=366)), "terms.payment_terms.net_days",
         "must be from 0 to 365 days"),
        (replace(TERMS, payment_terms=PaymentTerms(net_days=-1)), "terms.payment_terms.net_days",
         "must be from 0 to 365 days"),
    ],
)  # fmt: skip
def test_bad_terms_are_refused_with_the_field_and_the_exact_reason(terms: Any, field: str, reason: str) -> None:
    assert _refused(terms) == (field, reason)


def test_terms_at_their_limits_are_accepted() -> None:
    edge = replace(
        TERMS,
        currency=" eur ",
        lines=(
            replace(TERMS.lines[0], hs_code="8413 60.20 00", unit=" 796 ", origin_country="de", description="d" * 500,
                    net_weight_kg=Decimal("0.000001"), gross_weight_kg=Decimal("1.5")),
            replace(TERMS.lines[1], hs_code="841360", quantity=Decimal("2.500000")),
        ),
        payment_terms=PaymentTerms(Decimal("100.00"), BalanceDue.NET_DAYS, 365),
    )  # fmt: skip
    [event] = given(DECIDER).when(CreatePurchaseOrder(" PO-1 ", edge), OWNER).then_accepted()
    assert isinstance(event, PurchaseOrderCreated)
    first, second = event.terms.lines
    assert (event.reference, event.terms.currency) == ("PO-1", "EUR")
    assert (first.hs_code, first.unit, first.origin_country, len(first.description)) == ("8413602000", "796", "DE", 500)
    assert (first.net_weight_kg, first.gross_weight_kg) == (Decimal("0.000001"), Decimal("1.5"))
    assert (second.hs_code, second.origin_country, second.net_weight_kg) == ("841360", None, None)
    assert event.terms.payment_terms == PaymentTerms(Decimal("100.00"), BalanceDue.NET_DAYS, 365)
    # A blank HS code is no code; a prepayment of 0% and 0 net days are allowed.
    blank = replace(TERMS, lines=(replace(TERMS.lines[0], hs_code=" "),),
                    payment_terms=PaymentTerms(Decimal(0), BalanceDue.NET_DAYS, 0))  # fmt: skip
    [plain] = given(DECIDER).when(CreatePurchaseOrder("PO-1", blank), OWNER).then_accepted()
    assert plain.terms.lines[0].hs_code is None and plain.terms.payment_terms.net_days == 0


def test_net_days_count_only_when_the_balance_is_due_net_days() -> None:
    on_arrival = replace(TERMS, payment_terms=PaymentTerms(Decimal(30), BalanceDue.ON_ARRIVAL, 400))
    [event] = given(DECIDER).when(CreatePurchaseOrder("PO-1", on_arrival), OWNER).then_accepted()
    assert event.terms.payment_terms == PaymentTerms(Decimal(30), BalanceDue.ON_ARRIVAL, 0)


def test_the_supplier_s_texts_are_collapsed_and_cut_to_their_columns() -> None:
    long = replace(
        TERMS,
        supplier=replace(TERMS.supplier, tax_id="  DE 136 " + "9" * 60, address="Hauptstr.  1,\n Köln " + "x" * 400),
        delivery_terms=" one   shipment " + "y" * 1200,
    )
    [event] = given(DECIDER).when(CreatePurchaseOrder("PO-1", long), OWNER).then_accepted()
    assert event.terms.supplier.tax_id == ("DE 136 " + "9" * 60)[:40]
    assert event.terms.supplier.address == ("Hauptstr. 1, Köln " + "x" * 400)[:300]
    assert event.terms.delivery_terms == ("one shipment " + "y" * 1200)[:1000]
    assert len(event.terms.supplier.tax_id) == 40 and len(event.terms.delivery_terms) == 1000


def test_an_order_has_at_most_five_hundred_lines() -> None:
    lines = tuple(OrderLine(n, "Bolt", Decimal(1), "796", Decimal("0.01")) for n in range(1, 501))
    [event] = given(DECIDER).when(CreatePurchaseOrder("PO-1", replace(TERMS, lines=lines)), OWNER).then_accepted()
    assert event.total == Decimal("5.00")  # 500 x 0.01
    more = replace(TERMS, lines=(*lines, OrderLine(501, "Bolt", Decimal(1), "796", Decimal("0.01"))))
    assert _refused(more) == ("terms.lines", "an order has at most 500 lines")


@pytest.mark.parametrize(
    ("reference", "accepted"),
    [("A" * 40, True), ("A" * 41, False), ("PO.2026/7_a-b", True), (".PO", False), ("PO 1", False), (" ", False)],
)
def test_a_reference_is_forty_letters_digits_or_separators(reference: str, accepted: bool) -> None:
    when = given(DECIDER).when(CreatePurchaseOrder(reference, TERMS), OWNER)
    if accepted:
        assert when.then_accepted()[0].reference == reference
    else:
        assert when.then_rejected(RejectionCode.INVALID, "reference").reason == (
            "reference must be 1 to 40 letters, digits or . / _ -"
        )


def test_a_second_create_with_other_details_conflicts_naming_the_reference() -> None:
    order = given(DECIDER, *events_of(created()))
    refused = order.when(CreatePurchaseOrder("PO-2026-0043", TERMS), OWNER).then_rejected(RejectionCode.CONFLICT)
    assert (refused.field, refused.reason) == ("reference", "this purchase order already exists with other details")


def test_the_prepayment_is_its_percent_of_the_total_rounded_half_up() -> None:
    # 50% of 10.05 EUR = 5.025 -> 5.03 (half up; half-even would give 5.02); 0.5% of 100 JPY = 0.5 -> 1
    assert prepayment_of(Decimal("10.05"), replace(TERMS, payment_terms=PaymentTerms(Decimal(50)))) == Decimal("5.03")
    yen = replace(TERMS, currency="JPY", payment_terms=PaymentTerms(Decimal("0.5")))
    assert prepayment_of(Decimal(100), yen) == Decimal(1)


def test_each_line_is_rounded_before_the_total_is_summed() -> None:
    # 0.5 x 0.01 = 0.005 -> 0.01 per line; two such lines total 0.02 (not round(0.010) = 0.01)
    halves = replace(TERMS, lines=(OrderLine(1, "Nut", Decimal("0.5"), "796", Decimal("0.01")),
                                   OrderLine(2, "Nut", Decimal("0.5"), "796", Decimal("0.01"))))  # fmt: skip
    [event] = given(DECIDER).when(CreatePurchaseOrder("PO-1", halves), OWNER).then_accepted()
    assert event.total == Decimal("0.02")


def test_editing_to_the_same_terms_changes_nothing_and_other_terms_are_recorded() -> None:
    order = given(DECIDER, *events_of(created()))
    order.when(EditPurchaseOrder(TERMS), OWNER).then()
    state = order.when(EditPurchaseOrder(NO_PREPAYMENT), context(actor="user-3")).then(
        PurchaseOrderEdited(NO_PREPAYMENT, TOTAL, "user-3", AT)
    )
    assert (state.terms, state.total, state.status) == (NO_PREPAYMENT, TOTAL, OrderStatus.DRAFT)
    refused = order.when(EditPurchaseOrder(replace(TERMS, lines=())), OWNER).then_rejected(RejectionCode.INVALID)
    assert (refused.field, refused.reason) == ("terms.lines", "an order has at least one line")


def test_only_the_prepayment_process_takes_its_steps_and_the_refusal_names_the_step() -> None:
    order = given(DECIDER, *events_of(APPROVED))
    refused = order.when(ReleaseToSupplier(), OWNER).then_rejected(RejectionCode.FORBIDDEN)
    assert refused.reason == "only the prepayment process takes ReleaseToSupplier"


def test_a_step_out_of_its_states_names_the_states_it_needs() -> None:
    order = given(DECIDER, *events_of(partly_received()))
    refused = order.when(CancelPurchaseOrder("late"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE, "status")
    assert refused.reason == (
        "a purchase order that is partly_received cannot take CancelPurchaseOrder"
        " (only when approved, confirmed, draft, sent)"
    )
    missing = given(DECIDER).when(SendToSupplier(), OWNER).then_rejected(RejectionCode.NOT_FOUND)
    assert missing.reason == "no such purchase order"


def test_approval_by_someone_without_a_role_or_above_the_admin_s_limit_is_forbidden() -> None:
    order = given(DECIDER, *events_of(created()))
    nobody = order.when(ApprovePurchaseOrder(), context()).then_rejected(RejectionCode.FORBIDDEN, "total")
    assert nobody.reason == "role (none) may not approve purchase orders"
    # 45 x 1250.00 = 56250.00 EUR: above the admin's 55000 EUR
    big = replace(TERMS, lines=(replace(TERMS.lines[0], quantity=Decimal(45)),))
    above = given(DECIDER, *events_of(created(big))).when(ApprovePurchaseOrder(), context(role="admin"))
    assert above.then_rejected(RejectionCode.FORBIDDEN, "total").reason == (
        "56250.00 EUR is above the admin's approval limit of 55000 EUR"
    )
    [approved] = order.when(ApprovePurchaseOrder(), context(actor="user-5", role="admin")).then_accepted()
    assert (approved.approved_by, approved.approver_role) == ("user-5", "admin")


def test_the_prepayment_steps_refuse_what_does_not_fit_the_order() -> None:
    free = given(DECIDER, *events_of([*created(NO_PREPAYMENT), (ApprovePurchaseOrder(), OWNER)]))
    none_due = free.when(RecordPrepaymentRequested("pay-1"), PROCESS).then_rejected(
        RejectionCode.ILLEGAL_STATE, "payment_id"
    )
    assert none_due.reason == "this order has no prepayment due"
    requested = given(DECIDER, *events_of([*APPROVED, (RecordPrepaymentRequested("pay-1"), PROCESS)]))
    other = requested.when(RecordPrepaymentSettled("pay-2", date(2026, 3, 3)), PROCESS)
    assert other.then_rejected(RejectionCode.CONFLICT, "payment_id").reason == "the order's prepayment is pay-1"
    stranger = requested.when(ReopenAfterReturnedPayment("pay-9", "wrong IBAN"), PROCESS)
    assert stranger.then_rejected(RejectionCode.CONFLICT, "payment_id").reason == "pay-9 is not this order's prepayment"
    blank = requested.when(ReopenAfterReturnedPayment("pay-1", " "), PROCESS)
    assert blank.then_rejected(RejectionCode.INVALID, "reason").reason == "reason must be 1 to 500 characters"
    unnamed = requested.when(RecordPrepaymentRequested(" "), PROCESS)
    assert unnamed.then_rejected(RejectionCode.INVALID, "payment_id").reason == (
        "payment_id must be 1 to 64 characters"
    )
    unsettled = given(DECIDER, *events_of(APPROVED)).when(ReleaseToSupplier(), PROCESS)
    assert unsettled.then_rejected(RejectionCode.ILLEGAL_STATE, "status").reason == "the prepayment is not settled yet"
    due = given(DECIDER, *events_of(APPROVED)).when(SendToSupplier(), OWNER)
    assert due.then_rejected(RejectionCode.ILLEGAL_STATE, "status").reason == (
        "a prepayment of 3824.99 EUR is due first; the order goes out once it settles"
    )


def test_a_prepayment_settled_before_it_was_recorded_requested_still_counts_and_a_repeat_is_nothing() -> None:
    order = given(DECIDER, *events_of(APPROVED))
    state = order.when(RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS).then(
        PrepaymentSettled("pay-1", date(2026, 3, 3), Decimal("3824.99"), "EUR")
    )
    assert (state.prepayment_id, state.prepayment_settled) == ("pay-1", True)
    again = given(DECIDER).with_state(**state.__dict__)
    again.when(RecordPrepaymentSettled("pay-1", date(2026, 3, 4)), PROCESS).then()
    again.when(RecordPrepaymentRequested("pay-1"), PROCESS).then()
    refused = again.when(RecordPrepaymentSettled("pay-2", date(2026, 3, 4)), PROCESS)
    assert refused.then_rejected(RejectionCode.CONFLICT, "payment_id").reason == "the order's prepayment is pay-1"


def test_a_reopened_order_forgets_its_prepayment_and_keeps_why() -> None:
    steps = [*APPROVED, (RecordPrepaymentSettled("pay-1", date(2026, 3, 3)), PROCESS)]
    state = (
        given(DECIDER, *events_of(steps))
        .when(ReopenAfterReturnedPayment("pay-1", "  wrong   IBAN "), PROCESS)
        .then(PurchaseOrderReopened("pay-1", "wrong IBAN", AT, "PO-2026-0042", "user-1"))
    )
    assert (state.status, state.prepayment_id, state.prepayment_settled, state.reason) == (
        OrderStatus.DRAFT, None, False, "wrong IBAN"
    )  # fmt: skip


def test_a_confirmation_keeps_the_supplier_s_reference_trimmed_or_none() -> None:
    sent = given(DECIDER, *events_of(confirmed()[:-1]))
    state = sent.when(ConfirmPurchaseOrder("  SO-1 ", date(2026, 4, 1)), OWNER).then(
        PurchaseOrderConfirmed(AT, "SO-1", date(2026, 4, 1))
    )
    assert (state.status, state.supplier_reference) == (OrderStatus.CONFIRMED, "SO-1")
    sent.when(ConfirmPurchaseOrder(), OWNER).then(PurchaseOrderConfirmed(AT, "", None))
    refused = sent.when(ConfirmPurchaseOrder("S" * 65), OWNER).then_rejected(RejectionCode.INVALID)
    assert (refused.field, refused.reason) == ("supplier_reference", "supplier_reference must be 1 to 64 characters")


def test_receipts_are_kept_per_line_in_line_order_and_the_order_is_received_once_every_line_is() -> None:
    order = given(DECIDER, *events_of(confirmed()))
    second_first = events_of([*confirmed(), (ReceiveGoods(2, Decimal("2.5"), date(2026, 4, 2)), OWNER)])
    state = (
        given(DECIDER, *second_first)
        .when(ReceiveGoods(1, Decimal(10), date(2026, 4, 3)), OWNER)
        .then(GoodsReceived(1, Decimal(10), date(2026, 4, 3), Decimal(10), True, None))
    )
    assert state.received == ((1, Decimal(10)), (2, Decimal("2.5")))
    assert state.status is OrderStatus.RECEIVED
    missing = order.when(ReceiveGoods(3, Decimal(1), date(2026, 4, 3)), OWNER)
    assert missing.then_rejected(RejectionCode.INVALID, "line_no").reason == "the order has no line 3"
    negative = order.when(ReceiveGoods(1, Decimal(-1), date(2026, 4, 3)), OWNER)
    assert negative.then_rejected(RejectionCode.INVALID, "quantity").reason == "must be a positive decimal number"
    unnamed = order.when(ReceiveGoods(1, Decimal(1), date(2026, 4, 3), " "), OWNER)
    assert unnamed.then_rejected(RejectionCode.INVALID, "shipment_id").reason == (
        "shipment_id must be 1 to 64 characters"
    )


def test_closing_keeps_a_collapsed_reason_or_none_and_cancelling_needs_one() -> None:
    received = given(DECIDER, *events_of(partly_received()))
    closed = received.when(ClosePurchaseOrder("  rest  not coming " + "z" * 600), OWNER).then_accepted()
    assert closed[0].reason == ("rest not coming " + "z" * 600)[:500]
    assert DECIDER.fold(closed, received.state).reason == ("rest not coming " + "z" * 600)[:500]
    assert DECIDER.fold(received.when(ClosePurchaseOrder(), OWNER).then_accepted(), received.state).reason is None
    draft = given(DECIDER, *events_of(created()))
    refused = draft.when(CancelPurchaseOrder(" "), OWNER).then_rejected(RejectionCode.INVALID, "reason")
    assert refused.reason == "reason must be 1 to 500 characters"
    cancelled = DECIDER.fold(draft.when(CancelPurchaseOrder("late"), OWNER).then_accepted(), draft.state)
    assert (cancelled.status, cancelled.reason) == (OrderStatus.CANCELLED, "late")


@pytest.mark.parametrize(
    ("command", "field"),
    [(LinkShipment("s" * 65), "shipment_id"), (LinkDeclaration(" "), "declaration_id"),
     (ShareFactsForMatch("i" * 65), "invoice_id")],
)  # fmt: skip
def test_linked_and_shared_ids_are_one_to_sixty_four_characters(command: Any, field: str) -> None:
    refused = given(DECIDER, *events_of(confirmed())).when(command, PROCESS).then_rejected(RejectionCode.INVALID, field)
    assert refused.reason == f"{field} must be 1 to 64 characters"


def test_links_accumulate_in_order_and_a_declaration_is_linked_once() -> None:
    events = events_of([*confirmed(), (LinkShipment("ship-1"), OWNER), (LinkShipment("ship-2"), OWNER),
                        (LinkDeclaration("decl-1"), OWNER)])  # fmt: skip
    order = given(DECIDER, *events)
    assert (order.state.shipment_ids, order.state.declaration_ids) == (("ship-1", "ship-2"), ("decl-1",))
    order.when(LinkDeclaration("decl-1"), OWNER).then()
    shared = order.when(ShareFactsForMatch("inv-1"), PROCESS).then_accepted()
    assert DECIDER.fold(shared, order.state) == order.state  # sharing the facts changes nothing


def test_an_unknown_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a purchase order event"):
        given(DECIDER, "created")
