"""Bank formats: pain.001 valid against its XSD, 1C orders parsed back equal, camt.053 and 1C statements read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from streams.payment.commands import Direction
from streams.payment.decider import payment_decider, payment_id_for
from streams.payment.events import PaymentApproved
from streams.payment.formats import camt053, onec, pain001
from streams.payment.formats.orders import (
    PaymentOrder,
    RoubleOrder,
    export_problem,
    payment_order,
    rouble_order,
    rouble_party,
)
from streams.payment.formats.statements import StatementFormatError
from tests.unit.deciders import AT, context
from tests.unit.payment.parties import (
    GERMAN_SUPPLIER,
    OUR_EURO_ACCOUNT,
    OUR_ROUBLE_ACCOUNT,
    ROUBLE_SUPPLIER,
    euro_request,
    rouble_request,
)

CREATED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
NS = {"p": pain001.NAMESPACE}


def euro_order(end_to_end_id: str = "e2e-1", amount: str = "1250.50", **changes: object) -> PaymentOrder:
    order = PaymentOrder(
        end_to_end_id, Decimal(amount), "EUR", OUR_EURO_ACCOUNT, GERMAN_SUPPLIER, "Invoice HM-2026-118",
        date(2026, 12, 1),
    )  # fmt: skip
    return replace(order, **changes)  # type: ignore[arg-type]


def test_pain001_is_valid_against_its_xsd_and_carries_each_transfer() -> None:
    orders = [
        euro_order("e2e-1"),
        euro_order("e2e-2", "99.99", purpose="x" * 200),  # two lines of remittance text
        euro_order("e2e-3", "12000", currency="USD"),
        euro_order("e2e-4", "150000", currency="JPY"),
    ]
    document = pain001.export(orders, "MSG-1", CREATED, "WellWon Trade LLC")
    assert pain001.schema_problems(document) == []
    root = etree.fromstring(document)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "4"
    assert len(root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)) == 3  # one block per account, currency and date
    instructed = {
        t.findtext("p:PmtId/p:EndToEndId", namespaces=NS): t.find("p:Amt/p:InstdAmt", NS)
        for t in root.iter(f"{{{pain001.NAMESPACE}}}CdtTrfTxInf")
    }
    amounts = {e2e: (amount.text, amount.get("Ccy")) for e2e, amount in instructed.items() if amount is not None}
    assert amounts == {
        "e2e-1": ("1250.50", "EUR"), "e2e-2": ("99.99", "EUR"), "e2e-3": ("12000.00", "USD"), "e2e-4": ("150000", "JPY")
    }  # fmt: skip
    iban = root.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS)
    other = root.findtext(".//p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS)
    assert (iban, other) == ("DE89370400440532013000", "40702978100000012345")


def test_the_xsd_check_catches_a_broken_document() -> None:
    document = pain001.export([euro_order()], "MSG-1", CREATED, "WellWon")
    broken = document.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>WIRE</PmtMtd>")
    assert any("PmtMtd" in problem for problem in pain001.schema_problems(broken))


def test_a_payment_becomes_an_order_only_once_approved() -> None:
    events = payment_decider.decide(payment_decider.initial_state, euro_request(), context())
    assert not isinstance(events, type(None)) and isinstance(events, list)
    requested = payment_decider.fold(events)
    assert export_problem(requested) is not None
    approved = payment_decider.evolve(requested, PaymentApproved("u", "owner", AT, Decimal(1), "EUR", "a", "b", "c"))
    assert export_problem(approved) is None
    order = payment_order(approved, date(2026, 12, 1))
    assert (order.end_to_end_id, order.amount, order.execution_date) == (
        approved.end_to_end_id, Decimal("1250.50"), date(2026, 12, 1)
    )  # fmt: skip


def rouble(number: str, amount: str, purpose: str = "Оплата по счету 57 за перевозку. В т.ч. НДС 20%") -> RoubleOrder:
    payer, beneficiary = rouble_party(OUR_ROUBLE_ACCOUNT), rouble_party(ROUBLE_SUPPLIER)
    return RoubleOrder(number, date(2026, 11, 30), Decimal(amount), payer, beneficiary, purpose)


def test_1c_orders_parse_back_equal() -> None:
    orders = [
        rouble("417", "98000.00"),
        rouble("418", "15.5", 'Аванс по договору № 12/26 "Перевозка" = оплата'),  # '=' inside a value
        replace(rouble("419", "1000000"), beneficiary=replace(rouble_party(ROUBLE_SUPPLIER), kpp=None)),  # no KPP
    ]
    exported = onec.export(orders, CREATED)
    assert exported.startswith(b"1CClientBankExchange\r\n")
    text = exported.decode("cp1251")
    assert "СекцияДокумент=Платежное поручение" in text and text.rstrip().endswith("КонецФайла")
    assert "Сумма=15.50" in text
    assert onec.parse_orders(exported) == orders


def test_a_rouble_payment_becomes_a_1c_order() -> None:
    events = payment_decider.decide(payment_decider.initial_state, rouble_request(), context())
    assert isinstance(events, list)
    approved = payment_decider.evolve(
        payment_decider.fold(events), PaymentApproved("u", "owner", AT, Decimal(1), "EUR", "a", "b", "c")
    )
    order = rouble_order(payment_id_for("tenant-a", "key-rub"), approved, date(2026, 11, 30))
    assert order.purpose.endswith("В т.ч. НДС 20% - 16333.33 руб.")
    assert 1 <= int(order.number) <= 999_999
    assert onec.parse_orders(onec.export([order], CREATED)) == [order]


ONEC_STATEMENT = "\r\n".join(
    [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Сбербанк Бизнес Онлайн",
        "ДатаНачала=30.11.2026",
        "ДатаКонца=30.11.2026",
        "РасчСчет=40702810200000012345",
        "СекцияРасчСчет",
        "ДатаНачала=30.11.2026",
        "ДатаКонца=30.11.2026",
        "РасчСчет=40702810200000012345",
        "НачальныйОстаток=500000.00",
        "ВсегоСписано=98000.00",
        "ВсегоПоступило=12000.00",
        "КонечныйОстаток=414000.00",
        "КонецРасчСчет",
        "СекцияДокумент=Платежное поручение",
        "Номер=417",
        "Дата=30.11.2026",
        "Сумма=98000.00",
        "ПлательщикСчет=40702810200000012345",
        "ПлательщикИНН=7707083893",
        'Плательщик1=ООО "Веллвон Трейд"',
        "ПолучательСчет=40702810300000067890",
        "ПолучательИНН=7728168971",
        'Получатель1=АО "Альфа Логистик"',
        "ПолучательБИК=044525593",
        "НазначениеПлатежа=Оплата по счету 57",
        "ДатаСписано=30.11.2026",
        "КонецДокумента",
        "СекцияДокумент=Платежное поручение",
        "Номер=88",
        "Дата=29.11.2026",
        "Сумма=12000.00",
        "ПлательщикСчет=40702810300000067890",
        "ПлательщикИНН=7728168971",
        'Плательщик1=АО "Альфа Логистик"',
        "ПолучательСчет=40702810200000012345",
        'Получатель1=ООО "Веллвон Трейд"',
        "НазначениеПлатежа=Оплата по счету WW-2026-7",
        "ДатаПоступило=30.11.2026",
        "КонецДокумента",
        "КонецФайла",
    ]
).encode("cp1251")


def test_a_1c_statement_gives_its_lines() -> None:
    statement = onec.parse_statement(ONEC_STATEMENT)
    assert (statement.account, statement.currency, statement.period_from) == (
        "40702810200000012345", "RUB", date(2026, 11, 30)
    )  # fmt: skip
    out, money_in = statement.lines
    assert (out.direction, out.amount, out.reference, out.counterparty_account, out.counterparty_inn) == (
        Direction.OUTGOING, Decimal("98000.00"), "417", "40702810300000067890", "7728168971"
    )  # fmt: skip
    assert (money_in.direction, money_in.amount, money_in.counterparty_name, money_in.purpose) == (
        Direction.INCOMING, Decimal("12000.00"), 'АО "Альфа Логистик"', "Оплата по счету WW-2026-7"
    )  # fmt: skip
    assert out.line_ref != money_in.line_ref


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"hello", "first line"),
        ("1CClientBankExchange\r\nСекцияДокумент=Платежное поручение\r\nНомер=1".encode("cp1251"), "not closed"),
        (b"1CClientBankExchange\r\nKonec\r\n", "no СекцияРасчСчет"),
    ],
)
def test_a_broken_1c_file_is_refused_saying_why(data: bytes, problem: str) -> None:
    with pytest.raises(StatementFormatError, match=problem):
        onec.parse_statement(data)


CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-MSG-1</MsgId><CreDtTm>2026-12-02T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-2026-12-01</Id>
   <CreDtTm>2026-12-02T06:00:00</CreDtTm>
   <FrToDt><FrDtTm>2026-12-01T00:00:00</FrDtTm><ToDtTm>2026-12-01T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><Othr><Id>40702978100000012345</Id></Othr></Id><Ccy>EUR</Ccy></Acct>
   <Ntry>
    <Amt Ccy="EUR">1250.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>BNK-0001</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>e2e-1</EndToEndId></Refs>
     <RltdPties><Cdtr><Nm>Hamburger Maschinenbau GmbH</Nm></Cdtr>
      <CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties>
     <RmtInf><Ustrd>Invoice HM-2026-118</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>BNK-0002</AcctSvcrRef>
    <NtryDtls>
     <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">400.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Lyon Textiles SA</Nm></Dbtr><DbtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id>
      </DbtrAcct></RltdPties><RmtInf><Ustrd>Facture WW-2026-9</Ustrd></RmtInf></TxDtls>
     <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">300.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Unknown payer</Nm></Dbtr></RltdPties></TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"""


def test_a_camt053_statement_gives_its_booked_lines() -> None:
    statement = camt053.parse(CAMT)
    assert (statement.statement_id, statement.account, statement.currency) == (
        "STMT-2026-12-01", "40702978100000012345", "EUR"
    )  # fmt: skip
    assert (statement.period_from, statement.period_to) == (date(2026, 12, 1), date(2026, 12, 1))
    out, first_in, second_in = statement.lines  # the pending entry is not booked
    assert (out.line_ref, out.direction, out.amount, out.reference, out.counterparty_account) == (
        "BNK-0001", Direction.OUTGOING, Decimal("1250.50"), "e2e-1", "DE89370400440532013000"
    )  # fmt: skip
    assert (first_in.line_ref, first_in.amount, first_in.reference, first_in.purpose) == (
        "BNK-0002/1", Decimal("400.00"), "", "Facture WW-2026-9"
    )  # fmt: skip
    assert (second_in.line_ref, second_in.amount, second_in.counterparty_name) == (
        "BNK-0002/2", Decimal("300.00"), "Unknown payer"
    )  # fmt: skip


def test_camt053_refuses_entities_and_other_documents() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Document><BkToCstmrStmt>&e;</BkToCstmrStmt></Document>'
    with pytest.raises(StatementFormatError):
        camt053.parse(bomb)
    with pytest.raises(StatementFormatError, match=r"not a camt\.053"):
        camt053.parse(pain001.export([euro_order()], "M", CREATED, "W"))
