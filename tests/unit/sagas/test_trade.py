"""The trade saga with the payment-money saga, over the real order, invoice, payment and ledger deciders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from streams.invoice.commands import MatchToOrder, ReceiveSupplierInvoice
from streams.invoice.domain import INVOICE
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, TransferSpec
from streams.ledger.decider import ledger_id_for
from streams.ledger.domain import LEDGER
from streams.payment.commands import (
    ApprovePayment,
    MarkSent,
    RequestPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.decider import PaymentStatus, payment_id_for
from streams.payment.domain import PAYMENT
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    CancelPurchaseOrder,
    ConfirmPurchaseOrder,
    CreatePurchaseOrder,
    ReceiveGoods,
    SendToSupplier,
)
from streams.purchase_order.domain import PURCHASE_ORDER
from streams.sagas.payments import PAYMENT_MONEY
from streams.sagas.trade import TRADE
from tests.unit.invoice.invoices import ORDER_LINES, PAYABLE
from tests.unit.purchase_order.orders import NO_PREPAYMENT, PAYING, TERMS
from tests.unit.sagas.world import World

TENANT = "tenant-a"
OWNER = {"role": "owner"}
ORDER = "po-1"


def world() -> World:
    domains = {d.name: d for d in (PURCHASE_ORDER, INVOICE, PAYMENT, LEDGER)}
    w = World(domains, (PAYMENT_MONEY, TRADE), TENANT)
    ledger = ledger_id_for(TENANT)
    w.send("ledger", ledger, OpenAccount("52", "EUR", PAYING.account), OWNER)
    capital = TransferSpec("capital", AccountRef("52", PAYING.account), AccountRef("80"), Decimal(50000), "EUR")
    w.send("ledger", ledger, RecordTransfers((capital,)), OWNER)
    return w


def approved_order(w: World) -> str:
    """An approved order with 30% prepayment: the id of the prepayment it waits for."""
    w.send("purchase_order", ORDER, CreatePurchaseOrder("PO-2026-0042", TERMS), OWNER)
    w.send("purchase_order", ORDER, ApprovePurchaseOrder(), OWNER)
    order = w.state("purchase_order", ORDER)
    assert order.prepayment_id is not None
    return str(order.prepayment_id)


def sent_prepayment(w: World) -> str:
    payment_id = approved_order(w)
    w.send("payment", payment_id, ApprovePayment(), OWNER)
    assert w.state("payment", payment_id).status is PaymentStatus.RESERVED
    w.send("payment", payment_id, MarkSent("BANK-1"), OWNER)
    return payment_id


def test_an_approved_order_asks_for_its_prepayment_once_with_the_supplier_as_beneficiary() -> None:
    w = world()
    payment_id = approved_order(w)
    payment = w.state("payment", payment_id)
    assert (payment.status, payment.amount, payment.currency) == (PaymentStatus.REQUESTED, Decimal("3824.99"), "EUR")
    assert payment.beneficiary == TERMS.supplier.bank and payment.payer == PAYING
    assert payment.purchase_order_id == ORDER
    w.redeliver_everything()
    requested = [e for d, _, e in w.events if d == "payment" and type(e).__name__ == "PaymentRequested"]
    assert len(requested) == 1  # re-reading the approval asks for nothing more


def test_a_settled_prepayment_releases_the_order_to_the_supplier() -> None:
    w = world()
    payment_id = sent_prepayment(w)
    w.send("payment", payment_id, SettlePayment("line-1", date(2026, 12, 1)), OWNER)
    order = w.state("purchase_order", ORDER)
    assert str(order.status) == "sent"
    assert order.prepayment_settled


def test_a_returned_prepayment_reopens_the_order() -> None:
    w = world()
    payment_id = sent_prepayment(w)
    w.send("payment", payment_id, SettlePayment("line-1", date(2026, 12, 1)), OWNER)
    w.send("payment", payment_id, ReturnPayment("beneficiary account closed"), OWNER)
    order = w.state("purchase_order", ORDER)
    assert str(order.status) == "draft"
    assert "beneficiary account closed" in (order.reason or "")


def test_cancelling_an_order_cancels_its_outstanding_prepayment_and_frees_the_money() -> None:
    w = world()
    payment_id = approved_order(w)
    w.send("payment", payment_id, ApprovePayment(), OWNER)
    w.send("purchase_order", ORDER, CancelPurchaseOrder("supplier went out of business"), OWNER)
    assert w.state("payment", payment_id).status is PaymentStatus.CANCELLED
    bank = w.state("ledger", ledger_id_for(TENANT)).accounts[f"52:EUR:{PAYING.account}"]
    assert (bank.credits_pending, bank.balance) == (0, 5_000_000)


def test_a_matched_supplier_invoice_is_scheduled_on_its_due_date_and_paid_by_its_payment() -> None:
    w = world()
    invoice_id = "inv-1"
    content = replace(PAYABLE, purchase_order_id=ORDER, due_on=date(2026, 12, 30))
    w.send("invoice", invoice_id, ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), content), OWNER)
    w.send("invoice", invoice_id, MatchToOrder(ORDER, "EUR", ORDER_LINES), OWNER)
    invoice = w.state("invoice", invoice_id)
    assert invoice.pay_on == content.due_on

    payment_id = payment_id_for(TENANT, "pay-invoice")
    request = RequestPayment(
        "pay-invoice", Decimal("12749.98"), "EUR", PAYING, content.counterparty, "Invoice RE-2026-77",
        invoice_id=invoice_id, execution_date=content.due_on,
    )  # fmt: skip
    w.send("payment", payment_id, request, OWNER)
    w.send("payment", payment_id, ApprovePayment(), OWNER)
    w.send("payment", payment_id, MarkSent("BANK-2"), OWNER)
    w.send("payment", payment_id, SettlePayment("line-2", date(2026, 4, 30)), OWNER)
    invoice = w.state("invoice", invoice_id)
    assert str(invoice.status) == "paid"


def test_an_invoice_matched_after_its_due_date_is_scheduled_for_the_day_of_the_match() -> None:
    w = world()
    content = replace(PAYABLE, purchase_order_id=ORDER, due_on=date(2026, 11, 1))
    w.send("invoice", "inv-2", ReceiveSupplierInvoice("RE-2026-78", date(2026, 10, 1), content), OWNER)
    w.send("invoice", "inv-2", MatchToOrder(ORDER, "EUR", ORDER_LINES), OWNER)
    assert w.state("invoice", "inv-2").pay_on == date(2026, 11, 30)  # the world's today


def test_a_supplier_invoice_naming_its_order_is_matched_from_what_the_order_says_and_scheduled() -> None:
    w = world()
    w.send("purchase_order", ORDER, CreatePurchaseOrder("PO-2026-0042", NO_PREPAYMENT), OWNER)
    for step in (ApprovePurchaseOrder(), SendToSupplier(), ConfirmPurchaseOrder("SO-1", date(2026, 12, 5))):
        w.send("purchase_order", ORDER, step, OWNER)
    w.send("purchase_order", ORDER, ReceiveGoods(1, Decimal(10), date(2026, 12, 10)), OWNER)
    w.send("purchase_order", ORDER, ReceiveGoods(2, Decimal("2.5"), date(2026, 12, 10)), OWNER)
    content = replace(PAYABLE, purchase_order_id=ORDER, due_on=date(2026, 12, 30))
    w.send("invoice", "inv-3", ReceiveSupplierInvoice("RE-2026-79", date(2026, 12, 11), content), OWNER)
    invoice = w.state("invoice", "inv-3")
    assert (str(invoice.status), invoice.pay_on) == ("scheduled", date(2026, 12, 30))


def test_an_invoice_billing_more_than_was_received_is_flagged_and_not_scheduled() -> None:
    w = world()
    w.send("purchase_order", ORDER, CreatePurchaseOrder("PO-2026-0042", NO_PREPAYMENT), OWNER)
    for step in (ApprovePurchaseOrder(), SendToSupplier(), ConfirmPurchaseOrder("SO-1", date(2026, 12, 5))):
        w.send("purchase_order", ORDER, step, OWNER)
    w.send("purchase_order", ORDER, ReceiveGoods(1, Decimal(4), date(2026, 12, 10)), OWNER)  # 4 of 10 arrived
    content = replace(PAYABLE, purchase_order_id=ORDER, due_on=date(2026, 12, 30))
    w.send("invoice", "inv-4", ReceiveSupplierInvoice("RE-2026-80", date(2026, 12, 11), content), OWNER)
    invoice = w.state("invoice", "inv-4")
    assert str(invoice.status) == "mismatched" and invoice.pay_on is None
