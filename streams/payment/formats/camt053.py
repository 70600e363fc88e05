"""ISO 20022 camt.053 (bank-to-customer statement) in: the statement's account, period and booked lines.

Reads any camt.053.001.xx (elements are found whatever the version's namespace). Each entry's
transaction details give one line (a batch entry gives several), with its end-to-end id, the
counterparty and the remittance text; pending entries (`Sts` PDNG) are not booked and are skipped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from streams.payment.commands import Direction
from streams.payment.formats.statements import ParsedStatement, StatementFormatError
from streams.payment.statement.commands import StatementLine

# No DTD, no entities, no network: a statement is data from outside.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
NO_REFERENCE = "NOTPROVIDED"  # what banks put in EndToEndId when the payer gave none


def _find(element: etree._Element, path: str) -> etree._Element | None:
    return element.find("/".join(f"{{*}}{step}" for step in path.split("/")))


def _text(element: etree._Element, path: str) -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None else ""


def _date(element: etree._Element, path: str) -> date | None:
    value = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")[:10]
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise StatementFormatError(f"{path}: {value!r} is not a date") from None


def _amount(element: etree._Element | None, where: str) -> tuple[Decimal, str]:
    if element is None or not element.get("Ccy"):
        raise StatementFormatError(f"{where}: no amount with its currency")
    try:
        return Decimal((element.text or "").strip()), element.get("Ccy", "")
    except InvalidOperation:
        raise StatementFormatError(f"{where}: {element.text!r} is not an amount") from None


def _account_id(element: etree._Element, path: str) -> str:
    return _text(element, f"{path}/Id/IBAN") or _text(element, f"{path}/Id/Othr/Id")


def _lines_of_entry(entry: etree._Element, number: int) -> list[StatementLine]:
    where = f"entry {number}"
    amount, currency = _amount(_find(entry, "Amt"), where)
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in {"CRDT", "DBIT"}:
        raise StatementFormatError(f"{where}: CdtDbtInd must be CRDT or DBIT")
    direction = Direction.INCOMING if indicator == "CRDT" else Direction.OUTGOING
    booked_on = _date(entry, "BookgDt") or _date(entry, "ValDt")
    if booked_on is None:
        raise StatementFormatError(f"{where}: no booking date")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef") or str(number)
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    lines = []
    for index, transaction in enumerate(details or [entry]):
        own = _find(transaction, "AmtDtls/TxAmt/Amt")
        if own is None:
            own = _find(transaction, "Amt")  # lxml elements are falsy when childless: no `or` between them
        line_amount, line_currency = _amount(own, where) if len(details) > 1 else (amount, currency)
        # The counterparty is the other side: the debtor of money in, the creditor of money out.
        side = "Dbtr" if direction is Direction.INCOMING else "Cdtr"
        end_to_end = _text(transaction, "Refs/EndToEndId")
        lines.append(
            StatementLine(
                line_ref=f"{entry_ref}/{index + 1}" if len(details) > 1 else entry_ref,
                booked_on=booked_on,
                direction=direction,
                amount=line_amount,
                currency=line_currency,
                counterparty_name=_text(transaction, f"RltdPties/{side}/Nm"),
                counterparty_account=_account_id(transaction, f"RltdPties/{side}Acct"),
                reference="" if end_to_end == NO_REFERENCE else end_to_end,
                purpose=" ".join((u.text or "").strip() for u in transaction.findall("{*}RmtInf/{*}Ustrd")),
                counterparty_bic=_text(transaction, f"RltdAgts/{side}Agt/FinInstnId/BIC") or None,
            )
        )
    return lines


def parse(document: bytes) -> ParsedStatement:
    """The first statement of a camt.053 document."""
    try:
        root = etree.fromstring(document, PARSER)
    except etree.XMLSyntaxError as fault:
        raise StatementFormatError(f"not XML: {fault}") from None
    statement = _find(root, "BkToCstmrStmt/Stmt")
    if statement is None:
        raise StatementFormatError("no BkToCstmrStmt/Stmt: not a camt.053 statement")
    account = _account_id(statement, "Acct")
    if not account:
        raise StatementFormatError("Stmt/Acct: no account")
    entries = statement.findall("{*}Ntry")
    lines = tuple(
        line
        for number, entry in enumerate(entries, start=1)
        if _text(entry, "Sts") not in {"PDNG", "INFO"} and _text(entry, "Sts/Cd") not in {"PDNG", "INFO"}
        for line in _lines_of_entry(entry, number)
    )
    if not lines:
        raise StatementFormatError("the statement has no booked entries")
    booked = [line.booked_on for line in lines]
    start = _text(statement, "FrToDt/FrDtTm")[:10]
    end = _text(statement, "FrToDt/ToDtTm")[:10]
    period_from = date.fromisoformat(start) if start else min(booked)
    period_to = date.fromisoformat(end) if end else max(booked)
    currency = _text(statement, "Acct/Ccy") or lines[0].currency
    statement_id = _text(statement, "Id") or f"{account}:{period_from}:{period_to}"
    return ParsedStatement(statement_id, account, currency, period_from, period_to, "camt.053", lines)
