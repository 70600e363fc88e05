"""The 1C-to-bank exchange text (1CClientBankExchange 1.03, Windows-1251): rouble payment orders out, statements in.

A file is `key=value` lines: a header, then for a statement `СекцияРасчСчет ... КонецРасчСчет` with
the account's period and balances, then documents `СекцияДокумент=<kind> ... КонецДокумента`, and
`КонецФайла`. In a statement, a document with `ДатаСписано` left the account, one with
`ДатаПоступило` came in. Orders exported here parse back equal (`parse_orders`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from streams.payment.commands import Direction, Party
from streams.payment.currency import RUB
from streams.payment.formats.orders import RoubleOrder
from streams.payment.formats.statements import ParsedStatement, StatementFormatError
from streams.payment.statement.commands import StatementLine

SIGNATURE = "1CClientBankExchange"
ENCODING = "cp1251"
PAYMENT_ORDER = "Платежное поручение"
DATE_FORMAT = "%d.%m.%Y"
PAYMENT_KIND = "01"  # ВидОплаты 01: a payment order


@dataclass
class Section:
    kind: str  # the value after `СекцияДокумент=` or "РасчСчет"
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, "").strip()


@dataclass
class ExchangeFile:
    header: dict[str, str]
    accounts: list[Section]
    documents: list[Section]


def _date(value: str, where: str) -> date:
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT).date()
    except ValueError:
        raise StatementFormatError(f"{where}: {value!r} is not a date dd.mm.yyyy") from None


def _amount(value: str, where: str) -> Decimal:
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise StatementFormatError(f"{where}: {value!r} is not an amount") from None


def read(data: bytes) -> ExchangeFile:
    """The file's header, account sections and documents; StatementFormatError when it is not this format."""
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError:
        raise StatementFormatError("not Windows-1251 text") from None
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    if not lines or lines[0] != SIGNATURE:
        raise StatementFormatError(f"the first line must be {SIGNATURE}")
    exchange = ExchangeFile({}, [], [])
    current: Section | None = None
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        key, _, value = line.partition("=")
        if key == "КонецФайла":
            break
        if key == "СекцияРасчСчет":
            current = Section("РасчСчет")
        elif key == "СекцияДокумент":
            current = Section(value.strip())
        elif key in {"КонецРасчСчет", "КонецДокумента"}:
            if current is None:
                raise StatementFormatError(f"line {number}: {key} without its section")
            (exchange.accounts if key == "КонецРасчСчет" else exchange.documents).append(current)
            current = None
        elif current is not None:
            current.values[key] = value
        else:
            exchange.header.setdefault(key, value)
    if current is not None:
        raise StatementFormatError(f"the section {current.kind} is not closed")
    return exchange


def _party_lines(prefix: str, party: Party) -> Iterator[str]:
    yield f"{prefix}Счет={party.account}"
    yield f"{prefix}={party.name}"
    yield f"{prefix}ИНН={party.inn or ''}"
    yield f"{prefix}КПП={party.kpp or ''}"
    yield f"{prefix}1={party.name}"
    yield f"{prefix}РасчСчет={party.account}"
    yield f"{prefix}Банк1={party.bank_name}"
    yield f"{prefix}БИК={party.bik or ''}"
    yield f"{prefix}Корсчет={party.correspondent_account or ''}"


def _order_lines(order: RoubleOrder) -> Iterator[str]:
    yield f"СекцияДокумент={PAYMENT_ORDER}"
    yield f"Номер={order.number}"
    yield f"Дата={order.order_date.strftime(DATE_FORMAT)}"
    yield f"Сумма={order.amount:.2f}"
    yield from _party_lines("Плательщик", order.payer)
    yield from _party_lines("Получатель", order.beneficiary)
    yield f"ВидОплаты={PAYMENT_KIND}"
    yield f"Очередность={order.priority}"
    yield f"НазначениеПлатежа={order.purpose}"
    yield "КонецДокумента"


def export(orders: Sequence[RoubleOrder], created_at: datetime, sender: str = "WellWon") -> bytes:
    """The exchange file of rouble payment orders, in Windows-1251 with CRLF line ends."""
    if not orders:
        raise ValueError("an exchange file carries at least one payment order")
    dates = [order.order_date for order in orders]
    header = [
        SIGNATURE,
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        f"Отправитель={sender}",
        "Получатель=",
        f"ДатаСоздания={created_at.strftime(DATE_FORMAT)}",
        f"ВремяСоздания={created_at.strftime('%H:%M:%S')}",
        f"ДатаНачала={min(dates).strftime(DATE_FORMAT)}",
        f"ДатаКонца={max(dates).strftime(DATE_FORMAT)}",
        *(f"РасчСчет={account}" for account in sorted({order.payer.account for order in orders})),
        f"Документ={PAYMENT_ORDER}",
    ]
    body = [line for order in orders for line in _order_lines(order)]
    text = "\r\n".join([*header, *body, "КонецФайла"]) + "\r\n"
    # A character Windows-1251 lacks becomes "?": the bank's format cannot carry it.
    return text.encode(ENCODING, errors="replace")


def _party(section: Section, prefix: str) -> Party:
    return Party(
        name=section.get(f"{prefix}1") or section.get(prefix),
        country="RU",
        account=section.get(f"{prefix}РасчСчет") or section.get(f"{prefix}Счет"),
        bank_name=section.get(f"{prefix}Банк1"),
        inn=section.get(f"{prefix}ИНН") or None,
        kpp=section.get(f"{prefix}КПП") or None,
        bik=section.get(f"{prefix}БИК") or None,
        correspondent_account=section.get(f"{prefix}Корсчет") or None,
    )


def parse_orders(data: bytes) -> list[RoubleOrder]:
    """The payment orders of an exchange file."""
    orders = []
    for number, section in enumerate(read(data).documents, start=1):
        if section.kind != PAYMENT_ORDER:
            continue
        where = f"document {number}"
        orders.append(
            RoubleOrder(
                number=section.get("Номер"),
                order_date=_date(section.get("Дата"), f"{where} Дата"),
                amount=_amount(section.get("Сумма"), f"{where} Сумма"),
                payer=_party(section, "Плательщик"),
                beneficiary=_party(section, "Получатель"),
                purpose=section.get("НазначениеПлатежа"),
                priority=int(section.get("Очередность") or 5),
            )
        )
    return orders


def _statement_line(section: Section, account: str, number: int) -> StatementLine | None:
    where = f"document {number}"
    debited, credited = section.get("ДатаСписано"), section.get("ДатаПоступило")
    payer_account = section.get("ПлательщикРасчСчет") or section.get("ПлательщикСчет")
    if debited and payer_account == account:
        direction, booked, side = Direction.OUTGOING, debited, "Получатель"
    elif credited:
        direction, booked, side = Direction.INCOMING, credited, "Плательщик"
    elif debited:
        direction, booked, side = Direction.OUTGOING, debited, "Получатель"
    else:
        return None  # neither debited nor credited: not booked on this statement
    counterparty = _party(section, side)
    order_number, order_date = section.get("Номер"), section.get("Дата")
    return StatementLine(
        line_ref=f"{order_date}/{order_number}/{'D' if direction is Direction.OUTGOING else 'C'}/{number}",
        booked_on=_date(booked, f"{where} {'ДатаСписано' if direction is Direction.OUTGOING else 'ДатаПоступило'}"),
        direction=direction,
        amount=_amount(section.get("Сумма"), f"{where} Сумма"),
        currency=RUB,
        counterparty_name=counterparty.name,
        counterparty_account=counterparty.account,
        reference=order_number,
        purpose=section.get("НазначениеПлатежа"),
        counterparty_inn=counterparty.inn,
        counterparty_bic=counterparty.bik,
    )


def parse_statement(data: bytes) -> ParsedStatement:
    """The statement of one account (the first `СекцияРасчСчет`) with its booked documents as lines."""
    exchange = read(data)
    if not exchange.accounts:
        raise StatementFormatError("no СекцияРасчСчет: not a statement")
    section = exchange.accounts[0]
    account = section.get("РасчСчет")
    if not account:
        raise StatementFormatError("СекцияРасчСчет: no РасчСчет")
    period_from = _date(section.get("ДатаНачала"), "СекцияРасчСчет ДатаНачала")
    period_to = _date(section.get("ДатаКонца") or section.get("ДатаНачала"), "СекцияРасчСчет ДатаКонца")
    lines = tuple(
        line
        for number, document in enumerate(exchange.documents, start=1)
        if (line := _statement_line(document, account, number)) is not None
    )
    if not lines:
        raise StatementFormatError("the statement has no booked documents")
    statement_id = f"{account}:{period_from.isoformat()}:{period_to.isoformat()}"
    return ParsedStatement(statement_id, account, RUB, period_from, period_to, "1c", lines)
