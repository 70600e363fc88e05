"""The purchase order decider: an order's lifecycle, each step legal only in its state.

draft -> approved -> sent -> confirmed -> partly received -> received -> closed, or cancelled.

- One currency per order; every price is a positive amount of it with no more decimals than it has
  (`streams.money`); a line's amount is its quantity times its price, rounded half up to the minor unit.
- Approval needs a role allowed to approve and within its limit for the order's total
  (streams/purchase_order/approval.py); above it the approval is refused (403) naming the limit.
- With a prepayment due, an approved order waits for the money: the saga records the prepayment asked for
  and settled, then releases the order to the supplier (`ReleaseToSupplier`); a returned prepayment
  reopens it as a draft, whose owner is told. These steps come only from a process
  (`streams.process.sent_by_process`). Without a prepayment a person sends the approved order.
- Goods are received per line, never more in total than was ordered; the order is received once
  every line is. A partly received order may be closed short; one with receipts cannot be cancelled.
- Links to shipments and declarations are kept whatever the state but cancelled (a link twice is one).
- For a supplier invoice's three-way match the order shares what it says now (`ShareFactsForMatch` ->
  `OrderFactsShared`: lines, prices, received so far), so the saga "invoice received -> matched ->
  scheduled" needs no state: it passes the facts on to the invoice as `MatchToOrder`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from streams.company.identifiers import InvalidDetail, country, optional_text, text
from streams.company.permissions import ROLE_CLAIM
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.invoice.commands import OrderLineFacts
from streams.payment.parties import checked_party
from streams.process import sent_by_process
from streams.purchase_order import amounts
from streams.purchase_order.approval import limit_problem
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    BalanceDue,
    CancelPurchaseOrder,
    ClosePurchaseOrder,
    ConfirmPurchaseOrder,
    CreatePurchaseOrder,
    EditPurchaseOrder,
    Incoterm,
    LinkDeclaration,
    LinkShipment,
    OrderLine,
    OrderTerms,
    PaymentTerms,
    PurchaseOrderCommand,
    ReceiveGoods,
    RecordPrepaymentRequested,
    RecordPrepaymentSettled,
    ReleaseToSupplier,
    ReopenAfterReturnedPayment,
    SendToSupplier,
    ShareFactsForMatch,
    Supplier,
)
from streams.purchase_order.events import (
    DeclarationLinked,
    GoodsReceived,
    OrderFactsShared,
    PrepaymentRequested,
    PrepaymentSettled,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    PurchaseOrderConfirmed,
    PurchaseOrderCreated,
    PurchaseOrderEdited,
    PurchaseOrderEvent,
    PurchaseOrderReopened,
    PurchaseOrderSent,
    ShipmentLinked,
)

MAX_LINES = 500
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
HS_CODE_PATTERN = re.compile(r"^\d{6}(\d{4})?$")  # HS (6 digits) or EAEU CN FEA (10)
UNIT_PATTERN = re.compile(r"^\d{3}$")  # OKEI code
ID_MAX = 64
REASON_MAX = 500
MAX_NET_DAYS = 365

Decision = Sequence[PurchaseOrderEvent] | Rejection


class OrderStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    CONFIRMED = "confirmed"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PurchaseOrder:
    status: OrderStatus = OrderStatus.NONE
    tenant_id: str | None = None
    reference: str = ""
    terms: OrderTerms | None = None
    total: Decimal = Decimal(0)
    owner_id: str | None = None
    received: tuple[tuple[int, Decimal], ...] = ()  # (line_no, received so far), for lines with receipts
    prepayment_id: str | None = None
    prepayment_settled: bool = False
    shipment_ids: tuple[str, ...] = ()
    declaration_ids: tuple[str, ...] = ()
    supplier_reference: str = ""
    reason: str | None = None  # why it was cancelled, closed or reopened

    def received_on_line(self, line_no: int) -> Decimal:
        return dict(self.received).get(line_no, Decimal(0))

    def line(self, line_no: int) -> OrderLine | None:
        assert self.terms is not None
        return next((line for line in self.terms.lines if line.line_no == line_no), None)

    @property
    def prepayment_amount(self) -> Decimal:
        assert self.terms is not None
        return prepayment_of(self.total, self.terms)


def prepayment_of(total: Decimal, terms: OrderTerms) -> Decimal:
    """The prepayment due: its percent of the total, rounded half up to the currency's minor unit."""
    return amounts.rounded(total * terms.payment_terms.prepayment_percent / 100, terms.currency)


def order_facts(order: PurchaseOrder) -> tuple[OrderLineFacts, ...]:
    """The order's lines as the three-way match sees them: ordered, price, received so far."""
    assert order.terms is not None
    return tuple(
        OrderLineFacts(line.line_no, line.quantity, line.unit_price, order.received_on_line(line.line_no))
        for line in order.terms.lines
    )


def order_total(terms: OrderTerms) -> Decimal:
    return sum(
        (amounts.line_amount(line.quantity, line.unit_price, terms.currency) for line in terms.lines),
        amounts.zero(terms.currency),
    )


def _optional_weight(value: Decimal | None, field: str) -> Decimal | None:
    return None if value is None else amounts.quantity(value, field)


def _checked_line(line: OrderLine, currency: str, field: str) -> OrderLine:
    hs_code = None
    if line.hs_code is not None and line.hs_code.strip():
        hs_code = line.hs_code.replace(" ", "").replace(".", "")
        if not HS_CODE_PATTERN.match(hs_code):
            raise InvalidDetail(f"{field}.hs_code", "an HS code is 6 digits, an EAEU CN FEA code 10")
    unit = line.unit.strip()
    if not UNIT_PATTERN.match(unit):
        raise InvalidDetail(f"{field}.unit", "a unit is its three-digit OKEI code, e.g. 796 pieces, 166 kg")
    return replace(
        line,
        description=text(line.description, f"{field}.description", 500),
        quantity=amounts.quantity(line.quantity, f"{field}.quantity"),
        unit=unit,
        unit_price=amounts.amount(line.unit_price, currency, f"{field}.unit_price"),
        hs_code=hs_code,
        origin_country=None if line.origin_country is None else country(line.origin_country, f"{field}.origin_country"),
        net_weight_kg=_optional_weight(line.net_weight_kg, f"{field}.net_weight_kg"),
        gross_weight_kg=_optional_weight(line.gross_weight_kg, f"{field}.gross_weight_kg"),
    )


def _checked_payment_terms(terms: PaymentTerms) -> PaymentTerms:
    percent = terms.prepayment_percent
    if not isinstance(percent, Decimal) or not percent.is_finite() or not 0 <= percent <= 100:
        raise InvalidDetail("terms.payment_terms.prepayment_percent", "must be from 0 to 100")
    if percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidDetail("terms.payment_terms.prepayment_percent", "has more than 2 decimals")
    balance = BalanceDue(terms.balance_due)
    if balance is BalanceDue.NET_DAYS and not 0 <= terms.net_days <= MAX_NET_DAYS:
        raise InvalidDetail("terms.payment_terms.net_days", f"must be from 0 to {MAX_NET_DAYS} days")
    return PaymentTerms(percent, balance, terms.net_days if balance is BalanceDue.NET_DAYS else 0)


def checked_terms(terms: OrderTerms) -> OrderTerms:
    """The order's terms normalised, or InvalidDetail naming the field (e.g. `terms.lines[2].unit_price`)."""
    code = amounts.currency(terms.currency, "terms.currency")
    if not terms.lines:
        raise InvalidDetail("terms.lines", "an order has at least one line")
    if len(terms.lines) > MAX_LINES:
        raise InvalidDetail("terms.lines", f"an order has at most {MAX_LINES} lines")
    numbers = [line.line_no for line in terms.lines]
    if len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise InvalidDetail("terms.lines", "line numbers are positive and unique")
    lines = tuple(_checked_line(line, code, f"terms.lines[{index}]") for index, line in enumerate(terms.lines))
    try:
        incoterm = Incoterm(terms.incoterm)
    except ValueError:
        raise InvalidDetail("terms.incoterm", f"{terms.incoterm!r} is not an Incoterms 2020 rule") from None
    bank = checked_party(terms.supplier.bank, code, "terms.supplier.bank")
    paying = None if terms.paying_account is None else checked_party(terms.paying_account, code, "terms.paying_account")
    if paying is not None and paying.account == bank.account:
        raise InvalidDetail("terms.paying_account.account", "the paying account is the supplier's own")
    return OrderTerms(
        supplier=Supplier(
            bank=bank,
            tax_id=" ".join(terms.supplier.tax_id.split())[:40],
            address=" ".join(terms.supplier.address.split())[:300],
        ),
        currency=code,
        lines=lines,
        incoterm=incoterm,
        incoterm_place=text(terms.incoterm_place, "terms.incoterm_place", 140),
        payment_terms=_checked_payment_terms(terms.payment_terms),
        delivery_terms=" ".join(terms.delivery_terms.split())[:1000],
        expected_delivery=terms.expected_delivery,
        paying_account=paying,
    )


def _invalid(fault: InvalidDetail) -> Rejection:
    return reject(RejectionCode.INVALID, fault.reason, fault.field)


def _create(state: PurchaseOrder, cmd: CreatePurchaseOrder, context: CommandContext) -> Decision:
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    reference = cmd.reference.strip()
    if not REFERENCE_PATTERN.match(reference):
        return reject(RejectionCode.INVALID, "reference must be 1 to 40 letters, digits or . / _ -", "reference")
    try:
        terms = checked_terms(cmd.terms)
    except InvalidDetail as fault:
        return _invalid(fault)
    if state.status is not OrderStatus.NONE:
        if state.reference == reference and state.terms == terms:
            return []  # the same create again (a retry): nothing new
        return reject(RejectionCode.CONFLICT, "this purchase order already exists with other details", "reference")
    created = PurchaseOrderCreated(
        context.tenant_id, reference, terms, order_total(terms), context.actor_id, context.issued_at
    )
    return [created]


# Where each step may start from (creation is NONE -> DRAFT above).
LEGAL_FROM: dict[type, frozenset[OrderStatus]] = {
    EditPurchaseOrder: frozenset({OrderStatus.DRAFT}),
    ApprovePurchaseOrder: frozenset({OrderStatus.DRAFT}),
    RecordPrepaymentRequested: frozenset({OrderStatus.APPROVED}),
    RecordPrepaymentSettled: frozenset({OrderStatus.APPROVED}),
    ReopenAfterReturnedPayment: frozenset({OrderStatus.APPROVED, OrderStatus.SENT, OrderStatus.CONFIRMED}),
    ReleaseToSupplier: frozenset({OrderStatus.APPROVED}),
    SendToSupplier: frozenset({OrderStatus.APPROVED}),
    ConfirmPurchaseOrder: frozenset({OrderStatus.SENT}),
    ReceiveGoods: frozenset({OrderStatus.CONFIRMED, OrderStatus.PARTLY_RECEIVED}),
    ClosePurchaseOrder: frozenset({OrderStatus.PARTLY_RECEIVED, OrderStatus.RECEIVED}),
    CancelPurchaseOrder: frozenset({OrderStatus.DRAFT, OrderStatus.APPROVED, OrderStatus.SENT, OrderStatus.CONFIRMED}),
    LinkShipment: frozenset(set(OrderStatus) - {OrderStatus.NONE, OrderStatus.CANCELLED}),
    LinkDeclaration: frozenset(set(OrderStatus) - {OrderStatus.NONE, OrderStatus.CANCELLED}),
    # Goods are billed once the supplier has the order; a closed order still answers for late invoices.
    ShareFactsForMatch: frozenset(
        {OrderStatus.SENT, OrderStatus.CONFIRMED, OrderStatus.PARTLY_RECEIVED, OrderStatus.RECEIVED, OrderStatus.CLOSED}
    ),
}
PROCESS_ONLY: frozenset[type] = frozenset(
    {RecordPrepaymentRequested, RecordPrepaymentSettled, ReopenAfterReturnedPayment, ReleaseToSupplier}
)


def _step(state: PurchaseOrder, cmd: PurchaseOrderCommand, context: CommandContext) -> Decision:
    if state.status is OrderStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such purchase order")
    if type(cmd) in PROCESS_ONLY and not sent_by_process(context):
        return reject(RejectionCode.FORBIDDEN, f"only the prepayment process takes {type(cmd).__name__}")
    legal = LEGAL_FROM[type(cmd)]
    if state.status not in legal:
        return reject(
            RejectionCode.ILLEGAL_STATE,
            f"a purchase order that is {state.status} cannot take {type(cmd).__name__}"
            f" (only when {', '.join(sorted(legal))})",
            "status",
        )
    try:
        return _events_of_step(state, cmd, context)
    except InvalidDetail as fault:
        return _invalid(fault)


def _identifier(value: str, field: str) -> str:
    return text(value, field, ID_MAX)


def _approve(state: PurchaseOrder, context: CommandContext) -> Decision:
    assert state.terms is not None
    role = context.claim(ROLE_CLAIM)
    if problem := limit_problem(role, state.terms.currency, state.total):
        return reject(RejectionCode.FORBIDDEN, problem, "total")
    return [
        PurchaseOrderApproved(
            approved_by=context.actor_id,
            approver_role=role or "",
            approved_at=context.issued_at,
            reference=state.reference,
            currency=state.terms.currency,
            total=state.total,
            prepayment_amount=state.prepayment_amount,
            payment_terms=state.terms.payment_terms,
            supplier=state.terms.supplier.bank,
            paying_account=state.terms.paying_account,
            owner_id=state.owner_id,
        )
    ]


def _receive(state: PurchaseOrder, cmd: ReceiveGoods) -> Decision:
    assert state.terms is not None
    line = state.line(cmd.line_no)
    if line is None:
        return reject(RejectionCode.INVALID, f"the order has no line {cmd.line_no}", "line_no")
    quantity = amounts.quantity(cmd.quantity, "quantity")
    already = state.received_on_line(cmd.line_no)
    if already + quantity > line.quantity:
        return reject(
            RejectionCode.CONFLICT,
            f"line {cmd.line_no}: {already} of {line.quantity} received; {quantity} more is above what was ordered",
            "quantity",
        )
    shipment = None if cmd.shipment_id is None else _identifier(cmd.shipment_id, "shipment_id")
    after = replace(state, received=_with_received(state.received, cmd.line_no, already + quantity))
    fully = all(after.received_on_line(each.line_no) >= each.quantity for each in state.terms.lines)
    return [GoodsReceived(cmd.line_no, quantity, cmd.received_on, already + quantity, fully, shipment)]


Received = tuple[tuple[int, Decimal], ...]  # (line_no, received so far), for lines with receipts


def _with_received(received: Received, line_no: int, total: Decimal) -> Received:
    return tuple(sorted({**dict(received), line_no: total}.items()))


def _events_of_step(state: PurchaseOrder, cmd: PurchaseOrderCommand, context: CommandContext) -> Decision:
    at, actor = context.issued_at, context.actor_id
    assert state.terms is not None
    match cmd:
        case EditPurchaseOrder(terms=terms):
            checked = checked_terms(terms)
            if checked == state.terms:
                return []
            return [PurchaseOrderEdited(checked, order_total(checked), actor, at)]
        case ApprovePurchaseOrder():
            return _approve(state, context)
        case RecordPrepaymentRequested(payment_id=payment_id):
            payment = _identifier(payment_id, "payment_id")
            if state.prepayment_id == payment:
                return []
            if state.prepayment_amount == 0:
                return reject(RejectionCode.ILLEGAL_STATE, "this order has no prepayment due", "payment_id")
            return [PrepaymentRequested(payment, at)]
        case RecordPrepaymentSettled(payment_id=payment_id, settled_on=settled_on):
            payment = _identifier(payment_id, "payment_id")
            if state.prepayment_settled and state.prepayment_id == payment:
                return []
            if state.prepayment_id is not None and state.prepayment_id != payment:
                return reject(RejectionCode.CONFLICT, f"the order's prepayment is {state.prepayment_id}", "payment_id")
            return [PrepaymentSettled(payment, settled_on, state.prepayment_amount, state.terms.currency)]
        case ReopenAfterReturnedPayment(payment_id=payment_id, reason=reason):
            payment = _identifier(payment_id, "payment_id")
            if state.prepayment_id != payment:
                return reject(RejectionCode.CONFLICT, f"{payment} is not this order's prepayment", "payment_id")
            why = text(reason, "reason", REASON_MAX)
            return [PurchaseOrderReopened(payment, why, at, state.reference, state.owner_id)]
        case ReleaseToSupplier():
            if not state.prepayment_settled:
                return reject(RejectionCode.ILLEGAL_STATE, "the prepayment is not settled yet", "status")
            return [PurchaseOrderSent(at, actor, after_prepayment=True)]
        case SendToSupplier():
            if state.prepayment_amount > 0:
                return reject(
                    RejectionCode.ILLEGAL_STATE,
                    f"a prepayment of {state.prepayment_amount} {state.terms.currency} is due first;"
                    " the order goes out once it settles",
                    "status",
                )
            return [PurchaseOrderSent(at, actor, after_prepayment=False)]
        case ConfirmPurchaseOrder(supplier_reference=supplier_reference, confirmed_delivery=confirmed_delivery):
            reference = optional_text(supplier_reference or None, "supplier_reference", 64) or ""
            return [PurchaseOrderConfirmed(at, reference, confirmed_delivery)]
        case ReceiveGoods():
            return _receive(state, cmd)
        case ClosePurchaseOrder(reason=reason):
            return [PurchaseOrderClosed(at, " ".join(reason.split())[:REASON_MAX])]
        case CancelPurchaseOrder(reason=reason):
            return [PurchaseOrderCancelled(text(reason, "reason", REASON_MAX), actor, at, state.prepayment_id)]
        case LinkShipment(shipment_id=shipment_id):
            shipment = _identifier(shipment_id, "shipment_id")
            return [] if shipment in state.shipment_ids else [ShipmentLinked(shipment)]
        case LinkDeclaration(declaration_id=declaration_id):
            declaration = _identifier(declaration_id, "declaration_id")
            return [] if declaration in state.declaration_ids else [DeclarationLinked(declaration)]
        case ShareFactsForMatch(invoice_id=invoice_id):
            return [OrderFactsShared(_identifier(invoice_id, "invoice_id"), state.terms.currency, order_facts(state))]
    raise TypeError(f"not a purchase order step: {cmd!r}")


def decide(state: PurchaseOrder, command: PurchaseOrderCommand, context: CommandContext) -> Decision:
    if isinstance(command, CreatePurchaseOrder):
        return _create(state, command, context)
    return _step(state, command, context)


def evolve(state: PurchaseOrder, event: PurchaseOrderEvent) -> PurchaseOrder:
    match event:
        case PurchaseOrderCreated():
            return replace(
                state, status=OrderStatus.DRAFT, tenant_id=event.tenant_id, reference=event.reference,
                terms=event.terms, total=event.total, owner_id=event.created_by,
            )  # fmt: skip
        case PurchaseOrderEdited():
            return replace(state, terms=event.terms, total=event.total)
        case PurchaseOrderApproved():
            return replace(state, status=OrderStatus.APPROVED)
        case PrepaymentRequested():
            return replace(state, prepayment_id=event.payment_id, prepayment_settled=False)
        case PrepaymentSettled():
            return replace(state, prepayment_id=event.payment_id, prepayment_settled=True)
        case PurchaseOrderReopened():
            return replace(
                state, status=OrderStatus.DRAFT, prepayment_id=None, prepayment_settled=False, reason=event.reason
            )
        case PurchaseOrderSent():
            return replace(state, status=OrderStatus.SENT)
        case PurchaseOrderConfirmed():
            return replace(state, status=OrderStatus.CONFIRMED, supplier_reference=event.supplier_reference)
        case GoodsReceived():
            return replace(
                state,
                status=OrderStatus.RECEIVED if event.fully_received else OrderStatus.PARTLY_RECEIVED,
                received=_with_received(state.received, event.line_no, event.line_received),
            )
        case PurchaseOrderClosed():
            return replace(state, status=OrderStatus.CLOSED, reason=event.reason or None)
        case PurchaseOrderCancelled():
            return replace(state, status=OrderStatus.CANCELLED, reason=event.reason)
        case ShipmentLinked():
            return replace(state, shipment_ids=(*state.shipment_ids, event.shipment_id))
        case DeclarationLinked():
            return replace(state, declaration_ids=(*state.declaration_ids, event.declaration_id))
        case OrderFactsShared():
            return state
    raise TypeError(f"not a purchase order event: {event!r}")


purchase_order_decider: Decider[PurchaseOrder, PurchaseOrderCommand, PurchaseOrderEvent] = Decider(
    PurchaseOrder(), decide, evolve
)
