"""A compliance report's content, assembled from read-model rows (pure): a summary and five sections of rows.

Every section is a table (`Section`): the PDF shows it and the XLSX has it as a sheet, from the same values,
so the two cannot disagree. Titles and headers are in the tenant's language; values are the read models' own
(codes, references, ISO dates, exact amounts). The duty reconciliation's findings are those recorded in the
period; an overpayment among them is a refund claim (as /api/customs/refund-claims lists them), its amount shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from reports.periods import Period
from streams.customs.reconciliation import DifferenceClass

Cell = str | int | Decimal | None
Row = Mapping[str, Any]


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Section:
    key: str  # declarations, compliance, reconciliation, edi_dead_letters, overdue_invoices
    title: str
    columns: tuple[Column, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Report:
    tenant_id: str
    company: str
    period: Period
    language: str
    title: str
    generated_at: datetime  # the period's end: a re-run of the period gives the same report
    summary: tuple[tuple[str, int], ...]  # (label, count) per section
    sections: tuple[Section, ...]
    refund_claims: Decimal  # the total of the period's overpayments, roubles


@dataclass(frozen=True)
class ReadModelRows:
    """What `reports.read` fetched for one tenant and period."""

    company: str
    declarations: Sequence[Row]
    findings: Sequence[Row]  # open declarations' missing or expiring documents
    documents_expiring: Sequence[Row]  # stored documents expired or expiring soon after the period
    reconciliation: Sequence[Row]  # the duty reconciliation's findings recorded in the period
    edi_dead_letters: Sequence[Row]
    overdue_invoices: Sequence[Row]


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Compliance report",
        "declarations": "Declarations",
        "compliance": "Open compliance items",
        "reconciliation": "Reconciliation findings",
        "edi_dead_letters": "EDI dead letters",
        "overdue_invoices": "Overdue invoices",
        "reference": "Reference", "registration_number": "Registration No.", "procedure": "Procedure",
        "status": "Status", "declaration_date": "Date", "payments_due": "Payments, RUB", "duty": "Duty",
        "item": "Item", "subject": "Declaration / document", "requirement": "Requirement", "message": "Details",
        "expires_on": "Expires on", "received_at": "Received", "partner": "Partner",
        "control_reference": "Control ref.", "reason": "Reason", "number": "Number", "counterparty": "Counterparty",
        "currency": "Currency", "outstanding": "Outstanding", "due_on": "Due on", "days_overdue": "Days overdue",
        "missing": "missing", "expiring": "expiring", "expired": "expired",
        "paid": "paid", "due": "due", "refused": "refused", "none": "none",
        "declaration": "Declaration", "reconciled_on": "Reconciled", "payment_code": "Payment type",
        "difference_class": "Class", "calculated": "Calculated", "declared": "Declared", "assessed": "Assessed",
        "amount_paid": "Paid", "difference": "Difference, RUB", "refund_claim": "Refund claim, RUB",
        "rate_changed": "rate changed", "fx_date": "exchange rate date", "rounding": "rounding",
        "manual_correction": "manual correction", "missing_payment": "underpaid",
        "overpayment": "overpaid: refund claim", "unexplained": "unexplained",
        "refund_claims": "Refund claims, RUB",
        "period": "Period", "company": "Company", "generated": "As of", "none_found": "Nothing in this period.",
    },
    "ru": {
        "title": "Отчёт о соблюдении требований",
        "declarations": "Декларации",
        "compliance": "Открытые требования",
        "reconciliation": "Расхождения сверки",
        "edi_dead_letters": "Необработанные сообщения EDI",
        "overdue_invoices": "Просроченные счета",
        "reference": "Номер", "registration_number": "Рег. номер", "procedure": "Процедура",
        "status": "Статус", "declaration_date": "Дата", "payments_due": "Платежи, руб.", "duty": "Пошлина",
        "item": "Вид", "subject": "Декларация / документ", "requirement": "Требование", "message": "Подробности",
        "expires_on": "Действует до", "received_at": "Получено", "partner": "Партнёр",
        "control_reference": "Контр. номер", "reason": "Причина", "number": "Номер", "counterparty": "Контрагент",
        "currency": "Валюта", "outstanding": "К оплате", "due_on": "Срок оплаты", "days_overdue": "Дней просрочки",
        "missing": "отсутствует", "expiring": "истекает", "expired": "истёк",
        "paid": "оплачена", "due": "к оплате", "refused": "отказ", "none": "нет",
        "declaration": "Декларация", "reconciled_on": "Дата сверки", "payment_code": "Вид платежа",
        "difference_class": "Расхождение", "calculated": "Рассчитано", "declared": "Заявлено", "assessed": "Начислено",
        "amount_paid": "Уплачено", "difference": "Разница, руб.", "refund_claim": "К возврату, руб.",
        "rate_changed": "изменена ставка", "fx_date": "дата курса", "rounding": "округление",
        "manual_correction": "ручная корректировка", "missing_payment": "недоплата",
        "overpayment": "переплата: заявление на возврат", "unexplained": "не объяснено",
        "refund_claims": "Заявления на возврат, руб.",
        "period": "Период", "company": "Компания", "generated": "По состоянию на", "none_found": "За период нет.",
    },
}  # fmt: skip
LANGUAGES = tuple(WORDS)


def _date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _amount(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def duty_status(row: Row) -> str:
    if row.get("duty_paid"):
        return "paid"
    if row.get("duty_problem"):
        return "refused"
    return "due" if _amount(row.get("payments_due")) else "none"


def refund_claim(finding: Row) -> Decimal | None:
    """What an overpayment asks back (paid over assessed); other findings claim nothing."""
    return _amount(finding["difference"]) if finding["difference_class"] == DifferenceClass.OVERPAYMENT else None


def _section(
    key: str, columns: Sequence[Column], rows: Sequence[tuple[Cell, ...]], words: Mapping[str, str]
) -> Section:
    return Section(key, words[key], tuple(columns), tuple(words[c.key] for c in columns), tuple(rows))


def assemble(tenant_id: str, period: Period, language: str, rows: ReadModelRows) -> Report:
    """The report of one tenant's period from its read-model rows; the same rows give the same report."""
    words = WORDS[language if language in WORDS else "en"]
    declarations = _section(
        "declarations",
        (Column("reference"), Column("registration_number"), Column("procedure"), Column("status"),
         Column("declaration_date"), Column("payments_due", Kind.AMOUNT), Column("duty")),
        [
            (r["reference"] or r["id"], r.get("registration_number"), r.get("procedure_code"), r["status"],
             _date(r.get("declaration_date")), _amount(r.get("payments_due")), words[duty_status(r)])
            for r in rows.declarations
        ],
        words,
    )  # fmt: skip
    as_of = period.last_day
    compliance_rows: list[tuple[Cell, ...]] = [
        (words[f["kind"]] if f["kind"] in words else f["kind"], f.get("reference") or f["declaration_id"],
         f.get("document_type_code") or f.get("requirement_id"), f.get("message"), _date(f.get("expires_on")))
        for f in rows.findings
    ]  # fmt: skip
    for d in rows.documents_expiring:
        expires = date.fromisoformat(str(d["expires_on"])) if d.get("expires_on") else None
        state = "expired" if expires is not None and expires <= as_of else "expiring"
        compliance_rows.append((words[state], d.get("title") or d["id"], d.get("document_type"), None, _date(expires)))
    compliance = _section(
        "compliance",
        (Column("item"), Column("subject"), Column("requirement"), Column("message"), Column("expires_on")),
        compliance_rows,
        words,
    )
    reconciliation = _section(
        "reconciliation",
        (Column("declaration"), Column("registration_number"), Column("reconciled_on"), Column("payment_code"),
         Column("difference_class"), Column("calculated", Kind.AMOUNT), Column("declared", Kind.AMOUNT),
         Column("assessed", Kind.AMOUNT), Column("amount_paid", Kind.AMOUNT), Column("difference", Kind.AMOUNT),
         Column("refund_claim", Kind.AMOUNT)),
        [
            (r.get("reference") or r["declaration_id"], r.get("registration_number"), _date(r["reconciled_on"]),
             r["payment_code"], words.get(r["difference_class"], r["difference_class"]), _amount(r["calculated"]),
             _amount(r["declared"]), _amount(r["assessed"]), _amount(r["paid"]), _amount(r["difference"]),
             refund_claim(r))
            for r in rows.reconciliation
        ],
        words,
    )  # fmt: skip
    dead_letters = _section(
        "edi_dead_letters",
        (Column("received_at"), Column("partner"), Column("control_reference"), Column("reason")),
        [
            (_timestamp(r["received_at"], period), r.get("partner_id"), r.get("control_reference"), r.get("reason"))
            for r in rows.edi_dead_letters
        ],
        words,
    )
    overdue = _section(
        "overdue_invoices",
        (Column("number"), Column("counterparty"), Column("currency"), Column("outstanding", Kind.AMOUNT),
         Column("due_on"), Column("days_overdue", Kind.COUNT)),
        [
            (r.get("number") or r.get("supplier_invoice_number") or r["id"], r.get("counterparty"), r["currency"],
             _amount(r["outstanding"]), _date(r["due_on"]), _days_overdue(r["due_on"], as_of))
            for r in rows.overdue_invoices
        ],
        words,
    )  # fmt: skip
    sections = (declarations, compliance, reconciliation, dead_letters, overdue)
    refund_claims = sum((claim for r in rows.reconciliation if (claim := refund_claim(r)) is not None), Decimal(0))
    return Report(
        tenant_id, rows.company, period, language, words["title"], period.ends_at,
        tuple((s.title, len(s.rows)) for s in sections), sections, refund_claims,
    )  # fmt: skip


def _timestamp(value: Any, period: Period) -> str:
    """An instant as the tenant's local time (minutes), the way the period is counted."""
    from zoneinfo import ZoneInfo

    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(ZoneInfo(period.timezone)).strftime("%Y-%m-%d %H:%M")


def _days_overdue(due_on: Any, as_of: date) -> int:
    due = due_on if isinstance(due_on, date) else date.fromisoformat(str(due_on))
    return max(0, (as_of - due).days + 1)  # as of the end of the period's last day


def words_of(language: str) -> Mapping[str, str]:
    return WORDS[language if language in WORDS else "en"]
