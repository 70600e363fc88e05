"""Purchase orders and invoices, driven by payments.

The prepayment of a purchase order:
- approved with a prepayment due: the prepayment is requested as a payment (its idempotency key is
  the approval's event id, so a re-read approval asks once; a reopened and re-approved order asks
  anew), and the order records which payment it waits for; the payment is then approved by an
  approver and reserved in the ledger (`streams.sagas.payments`);
- the prepayment settled: the order records it, and is released to the supplier;
- the prepayment returned by the bank: the order is reopened as a draft, with the reason (its owner
  sees it live on the order, the event names them);
- the order cancelled while its prepayment is outstanding: the payment is cancelled (a payment
  already sent cannot be, and the refusal is left for an operator: the bank must return it).

A supplier's invoice:
- received, naming its purchase order: the order shares what it says now (lines, prices, received
  quantities), and the invoice is matched against that three ways;
- matched to its order (or its mismatch accepted by a person): it is scheduled for payment on its
  due date (or on the day of the match, when that is later);
- any payment for an invoice settled (outgoing for a payable, incoming for a receivable): the
  invoice records it, and becomes partly paid or paid.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.invoice.commands import MatchToOrder, RecordPayment, SchedulePayment
from streams.invoice.events import InvoiceMatched, MismatchAccepted, SupplierInvoiceReceived
from streams.payment.commands import CancelPayment, RequestPayment
from streams.payment.decider import payment_id_for
from streams.payment.events import IncomingPaymentRecorded, PaymentReturned, PaymentSettled
from streams.process import Happened, Process, Send
from streams.purchase_order.commands import (
    RecordPrepaymentRequested,
    RecordPrepaymentSettled,
    ReleaseToSupplier,
    ReopenAfterReturnedPayment,
    ShareFactsForMatch,
)
from streams.purchase_order.events import (
    OrderFactsShared,
    PrepaymentSettled,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
)

PURCHASE_ORDER, INVOICE, PAYMENT = "purchase_order", "invoice", "payment"
PURPOSE_MAX = 210


def prepayment_key(approval_event_id: str) -> str:
    return f"prepayment:{approval_event_id}"


def react_to_orders(happened: Happened) -> Sequence[Send]:
    order_id, event, instance = happened.aggregate_id, happened.event, f"purchase_order:{happened.aggregate_id}"
    match event:
        case PurchaseOrderApproved(paying_account=payer) if event.prepayment_amount > 0 and payer is not None:
            key = prepayment_key(happened.event_id)
            payment_id = payment_id_for(happened.tenant_id, key)
            purpose = f"Prepayment {event.payment_terms.prepayment_percent}% for purchase order {event.reference}"
            request = RequestPayment(
                key, event.prepayment_amount, event.currency, payer, event.supplier, purpose[:PURPOSE_MAX],
                purchase_order_id=order_id,
            )  # fmt: skip
            return [
                Send(PAYMENT, payment_id, request, instance, "request prepayment"),
                Send(PURCHASE_ORDER, order_id, RecordPrepaymentRequested(payment_id), instance, "prepayment requested"),
            ]
        case PrepaymentSettled():
            return [Send(PURCHASE_ORDER, order_id, ReleaseToSupplier(), instance, "release")]
        case OrderFactsShared(invoice_id=invoice_id, currency=currency, order_lines=lines):
            match_it = MatchToOrder(order_id, currency, lines)
            return [Send(INVOICE, invoice_id, match_it, f"invoice:{invoice_id}", "match")]
        case PurchaseOrderCancelled(prepayment_id=str(payment_id)):
            cancel = CancelPayment(f"the purchase order was cancelled: {event.reason}"[:500])
            return [Send(PAYMENT, payment_id, cancel, instance, "cancel prepayment")]
    return []


def react_to_payments(happened: Happened) -> Sequence[Send]:
    payment_id, event = happened.aggregate_id, happened.event
    match event:
        case PaymentSettled(purchase_order_id=str(order_id), invoice_id=None):
            settled = RecordPrepaymentSettled(payment_id, event.settled_on)
            return [Send(PURCHASE_ORDER, order_id, settled, f"purchase_order:{order_id}", "prepayment settled")]
        case PaymentSettled(invoice_id=str(invoice_id)) if event.amount > 0:
            paid = RecordPayment(payment_id, event.amount, event.settled_on)
            return [Send(INVOICE, invoice_id, paid, f"invoice:{invoice_id}", f"paid by {payment_id}")]
        case IncomingPaymentRecorded(invoice_id=str(invoice_id)):
            received = RecordPayment(payment_id, event.amount, event.received_on)
            return [Send(INVOICE, invoice_id, received, f"invoice:{invoice_id}", f"paid by {payment_id}")]
        case PaymentReturned(purchase_order_id=str(order_id)):
            reopen = ReopenAfterReturnedPayment(payment_id, event.reason)
            return [Send(PURCHASE_ORDER, order_id, reopen, f"purchase_order:{order_id}", "reopen")]
    return []


def react_to_invoices(happened: Happened) -> Sequence[Send]:
    match happened.event:
        case SupplierInvoiceReceived(content=content) if content.purchase_order_id:
            invoice_id, order_id = happened.aggregate_id, content.purchase_order_id
            share = ShareFactsForMatch(invoice_id)
            return [Send(PURCHASE_ORDER, order_id, share, f"invoice:{invoice_id}", "order facts")]
        case InvoiceMatched(due_on=due_on) | MismatchAccepted(due_on=due_on):
            invoice_id = happened.aggregate_id
            pay_on = max(due_on, happened.context.issued_at.date())  # matched after its due date: at once
            return [Send(INVOICE, invoice_id, SchedulePayment(pay_on), f"invoice:{invoice_id}", "schedule")]
    return []


def react(happened: Happened) -> Sequence[Send]:
    by_domain = {PURCHASE_ORDER: react_to_orders, PAYMENT: react_to_payments, INVOICE: react_to_invoices}
    return by_domain[happened.domain](happened)


TRADE = Process(name="trade", follows=(PURCHASE_ORDER, PAYMENT, INVOICE), react=react)
