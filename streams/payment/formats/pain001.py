"""ISO 20022 pain.001.001.03 (customer credit transfer initiation): foreign-currency payment orders to the bank.

One `PmtInf` block per debtor account, currency and execution date (banks book a block as one
instruction), each transfer carrying the payment's end-to-end id so the bank's camt.053 names it back.
The file is checked against the schema shipped in `streams/payment/data/pain.001.001.03.xsd`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import groupby

from lxml import etree

from streams.payment.commands import Party
from streams.payment.currency import MINOR_UNITS
from streams.payment.formats.orders import PaymentOrder
from streams.payment.parties import IBAN_SHAPE

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SCHEMA_FILE = "pain.001.001.03.xsd"
TEXT_MAX = 140  # Max140Text: names and each line of unstructured remittance information
ID_MAX = 35  # Max35Text


def _element(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        child.text = text
    return child


def _path(parent: etree._Element, *tags: str, text: str) -> etree._Element:
    """Nested elements `tags[0]/tags[1]/...`, the last holding `text`."""
    for tag in tags[:-1]:
        parent = _element(parent, tag)
    return _element(parent, tags[-1], text)


def _amount(amount: Decimal, currency: str) -> str:
    return f"{amount:.{MINOR_UNITS[currency]}f}"


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    element = _element(parent, tag)
    _element(element, "Nm", party.name[:TEXT_MAX])
    _path(element, "PstlAdr", "Ctry", text=party.country)


def _account(parent: etree._Element, tag: str, account: str, currency: str | None = None) -> None:
    element = _element(parent, tag)
    if IBAN_SHAPE.fullmatch(account):
        _path(element, "Id", "IBAN", text=account)
    else:
        _path(element, "Id", "Othr", "Id", text=account)
    if currency is not None:
        _element(element, "Ccy", currency)


def _agent(parent: etree._Element, tag: str, party: Party) -> None:
    institution = _element(_element(parent, tag), "FinInstnId")
    if party.bank_bic:
        _element(institution, "BIC", party.bank_bic)
    if party.bank_name:
        _element(institution, "Nm", party.bank_name[:TEXT_MAX])


def _transfer(block: etree._Element, order: PaymentOrder) -> None:
    transfer = _element(block, "CdtTrfTxInf")
    _path(transfer, "PmtId", "EndToEndId", text=order.end_to_end_id[:ID_MAX])
    _path(transfer, "Amt", "InstdAmt", text=_amount(order.amount, order.currency)).set("Ccy", order.currency)
    _agent(transfer, "CdtrAgt", order.beneficiary)
    _party(transfer, "Cdtr", order.beneficiary)
    _account(transfer, "CdtrAcct", order.beneficiary.account)
    remittance = _element(transfer, "RmtInf")
    for start in range(0, len(order.purpose), TEXT_MAX):
        _element(remittance, "Ustrd", order.purpose[start : start + TEXT_MAX])


def _block_key(order: PaymentOrder) -> tuple[str, str, date]:
    return (order.payer.account, order.currency, order.execution_date)


def _control_sum(orders: Iterable[PaymentOrder]) -> str:
    # CtrlSum adds amounts as written, whatever their currencies (the standard's own definition).
    return str(sum((order.amount for order in orders), Decimal(0)))


def export(orders: Sequence[PaymentOrder], message_id: str, created_at: datetime, initiator: str) -> bytes:
    """The pain.001 document of `orders` (at least one), UTF-8 with its declaration."""
    if not orders:
        raise ValueError("a pain.001 file carries at least one payment order")
    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _element(document, "CstmrCdtTrfInitn")
    header = _element(initiation, "GrpHdr")
    _element(header, "MsgId", message_id[:ID_MAX])
    _element(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _element(header, "NbOfTxs", str(len(orders)))
    _element(header, "CtrlSum", _control_sum(orders))
    _path(header, "InitgPty", "Nm", text=initiator[:TEXT_MAX])
    for (account, currency, execution_date), grouped in groupby(sorted(orders, key=_block_key), key=_block_key):
        block_orders = list(grouped)
        block = _element(initiation, "PmtInf")
        digest = hashlib.sha256(f"{message_id}\n{account}\n{currency}\n{execution_date}".encode()).hexdigest()
        _element(block, "PmtInfId", digest[:ID_MAX])
        _element(block, "PmtMtd", "TRF")
        _element(block, "NbOfTxs", str(len(block_orders)))
        _element(block, "CtrlSum", _control_sum(block_orders))
        _element(block, "ReqdExctnDt", execution_date.isoformat())
        payer = block_orders[0].payer
        _party(block, "Dbtr", payer)
        _account(block, "DbtrAcct", account, currency)
        _agent(block, "DbtrAgt", payer)
        _element(block, "ChrgBr", "SHAR")  # each side pays its own bank's charges: the usual for trade payments
        for order in block_orders:
            _transfer(block, order)
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@cache
def schema() -> etree.XMLSchema:
    source = resources.files("streams.payment").joinpath("data", SCHEMA_FILE).read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


def schema_problems(document: bytes) -> list[str]:
    """What makes `document` invalid against the pain.001.001.03 schema (empty when it is valid)."""
    checker = schema()
    if checker.validate(etree.fromstring(document)):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]
