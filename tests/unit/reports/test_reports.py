"""Compliance reports without the stack: periods, the schedule's rules, the content from rows, the files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pypdfium2 as pdfium
import pytest

from api.mailer import Attachment, mime_message
from pipelines.reports import TenantSchedule, due_reports, parse_report_key, report_document_id, report_key
from reports.content import ReadModelRows, Report, assemble
from reports.periods import last_completed, period_of
from reports.render import frame, html, pdf, xlsx
from streams.decider import RejectionCode
from streams.report_schedule.commands import Cadence, ReportLanguage, SetReportSchedule
from streams.report_schedule.domain import REPORT_SCHEDULE
from streams.report_schedule.events import ReportScheduleSet
from tests.unit.deciders import context, given

TENANT = "company-1"


def rows(company: str = "ООО «Ромашка»") -> ReadModelRows:
    return ReadModelRows(
        company=company,
        declarations=[
            {"id": "d1", "reference": "ДТ-1 <script>alert(1)</script>", "registration_number": "10702010/301126/0001",
             "procedure_code": "40", "status": "released", "declaration_date": date(2026, 11, 3),
             "payments_due": "1234.50", "duty_paid": "t-1", "duty_problem": None},
            {"id": "d2", "reference": "", "registration_number": None, "procedure_code": "40", "status": "draft",
             "declaration_date": None, "payments_due": None, "duty_paid": None, "duty_problem": None},
        ],
        findings=[{"declaration_id": "d2", "reference": "", "kind": "missing", "document_type_code": "03011",
                   "requirement_id": "contract", "message": "Нет контракта", "expires_on": None}],
        documents_expiring=[
            {"id": "doc-1", "title": "Сертификат соответствия", "document_type": "conformity_certificate",
             "expires_on": "2026-12-10"},
            {"id": "doc-2", "title": "Разрешение", "document_type": "permit", "expires_on": "2026-11-15"},
        ],
        reconciliation=[
            {"declaration_id": "d1", "reference": "ДТ-1", "registration_number": "10702010/301126/0001",
             "reconciled_on": date(2026, 11, 4), "payment_code": "2010", "difference_class": "rate_changed",
             "calculated": Decimal("500.00"), "declared": Decimal("500.00"), "assessed": Decimal("600.00"),
             "paid": Decimal("850.00"), "difference": Decimal("100.00")},
            {"declaration_id": "d1", "reference": "ДТ-1", "registration_number": "10702010/301126/0001",
             "reconciled_on": date(2026, 11, 4), "payment_code": "5010", "difference_class": "overpayment",
             "calculated": Decimal("734.50"), "declared": Decimal("734.50"), "assessed": Decimal("734.50"),
             "paid": Decimal("984.50"), "difference": Decimal("250.00")},
            {"declaration_id": "d3", "reference": "", "registration_number": None,
             "reconciled_on": date(2026, 11, 6), "payment_code": "5010", "difference_class": "missing_payment",
             "calculated": Decimal("10.00"), "declared": Decimal("10.00"), "assessed": Decimal("10.00"),
             "paid": Decimal("9.50"), "difference": Decimal("-0.50")},
        ],
        edi_dead_letters=[{"received_at": datetime(2026, 11, 5, 10, 0, tzinfo=UTC), "partner_id": "p1",
                           "control_reference": "CR1", "reason": "UNH missing"}],
        overdue_invoices=[{"id": "i1", "number": "INV-7", "supplier_invoice_number": None, "counterparty": "ACME",
                           "currency": "EUR", "outstanding": Decimal("100.00"), "due_on": date(2026, 11, 20)}],
    )  # fmt: skip


def report(language: str = "ru") -> Report:
    return assemble(TENANT, period_of("2026-11", "Europe/Moscow"), language, rows())


def test_periods_are_counted_where_the_tenant_is() -> None:
    now = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 1 December, 01:30 in Moscow
    assert last_completed(Cadence.DAILY, "Europe/Moscow", now).key == "2026-11-30"
    assert last_completed(Cadence.DAILY, "UTC", now).key == "2026-11-29"
    assert last_completed(Cadence.MONTHLY, "Europe/Moscow", now).key == "2026-11"
    assert last_completed(Cadence.MONTHLY, "UTC", now).key == "2026-10"
    assert last_completed(Cadence.WEEKLY, "UTC", now).key == "2026-W48"  # Monday 30 Nov is W49's first day
    month = period_of("2026-11", "Europe/Moscow")
    assert (month.starts_at, month.ends_at) == (
        datetime(2026, 10, 31, 21, tzinfo=UTC), datetime(2026, 11, 30, 21, tzinfo=UTC),
    )  # fmt: skip
    week = period_of("2026-W48", "UTC")
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    assert period_of("2026-02", "UTC").last_day == date(2026, 2, 28)
    for bad in ("2026", "2026-13", "2026-W60", "26-11-01", "x"):
        with pytest.raises(ValueError):
            period_of(bad, "UTC")


def test_due_reports_are_one_per_enabled_tenant_and_period() -> None:
    schedules = [
        TenantSchedule("a", "daily", "Europe/Moscow", "ru", ("c@a.ru",), True),
        TenantSchedule("b", "monthly", "UTC", "en", ("c@b.com",), True),
        TenantSchedule("c", "daily", "UTC", "en", (), False),
    ]
    due = due_reports(schedules, datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    assert [(w.partition_key, dict(w.tags)) for w in due] == [
        ("a:2026-11-30", {"wellwon/tenant": "a"}), ("b:2026-10", {"wellwon/tenant": "b"}),
    ]  # fmt: skip
    assert parse_report_key(report_key("a:b", "2026-W48")) == ("a:b", "2026-W48")
    assert report_document_id("a", "2026-11", "pdf") == report_document_id("a", "2026-11", "pdf")
    assert (
        len({report_document_id(t, p, k) for t in "ab" for p in ("2026-10", "2026-11") for k in ("pdf", "xlsx")}) == 8
    )


def test_the_schedule_is_set_checked_and_setting_it_again_changes_nothing() -> None:
    decider = REPORT_SCHEDULE.decider
    command = SetReportSchedule(Cadence.WEEKLY, "Asia/Shanghai", (" Ops@Example.com", "ops@example.com"),
                                ReportLanguage.EN)  # fmt: skip
    ctx = context(tenant="t1")
    set_ = given(decider).when(command, ctx).then_accepted()
    assert len(set_) == 1 and isinstance(set_[0], ReportScheduleSet)
    assert (set_[0].tenant_id, set_[0].contacts, set_[0].timezone) == ("t1", ("ops@example.com",), "Asia/Shanghai")
    assert given(decider, set_[0]).when(command, ctx).then_accepted() == []
    given(decider).when(SetReportSchedule(Cadence.DAILY, "Mars/Olympus", ("a@b.ru",), ReportLanguage.RU), ctx) \
        .then_rejected(RejectionCode.INVALID, "timezone")  # fmt: skip
    given(decider).when(SetReportSchedule(Cadence.DAILY, "../etc/passwd", ("a@b.ru",), ReportLanguage.RU), ctx) \
        .then_rejected(RejectionCode.INVALID, "timezone")  # fmt: skip
    given(decider).when(SetReportSchedule(Cadence.DAILY, "UTC", ("not-an-email",), ReportLanguage.RU), ctx) \
        .then_rejected(RejectionCode.INVALID, "contacts")  # fmt: skip
    given(decider).when(SetReportSchedule(Cadence.DAILY, "UTC", (), ReportLanguage.RU), ctx) \
        .then_rejected(RejectionCode.INVALID, "contacts")  # fmt: skip
    assert given(decider).when(SetReportSchedule(Cadence.DAILY, "UTC", (), ReportLanguage.RU, enabled=False), ctx) \
        .then_accepted()  # fmt: skip


def test_the_content_is_assembled_from_the_rows_in_the_tenants_language() -> None:
    ru, en = report("ru"), report("en")
    assert [s.key for s in ru.sections] == [
        "declarations", "compliance", "reconciliation", "edi_dead_letters", "overdue_invoices",
    ]  # fmt: skip
    assert [s.title for s in en.sections] == [
        "Declarations", "Open compliance items", "Reconciliation findings", "EDI dead letters", "Overdue invoices",
    ]  # fmt: skip
    declarations, compliance, reconciliation, dead_letters, overdue = ru.sections
    assert declarations.rows == (
        ("ДТ-1 <script>alert(1)</script>", "10702010/301126/0001", "40", "released", "2026-11-03", Decimal("1234.50"),
         "оплачена"),
        ("d2", None, "40", "draft", None, None, "нет"),
    )  # fmt: skip
    # A finding, a document expiring after the period and one expired within it.
    assert [(r[0], r[1], r[4]) for r in compliance.rows] == [
        ("отсутствует", "d2", None), ("истекает", "Сертификат соответствия", "2026-12-10"),
        ("истёк", "Разрешение", "2026-11-15"),
    ]  # fmt: skip
    # Every finding with its figures; the overpayment is a refund claim of what was paid over.
    assert reconciliation.headers == (
        "Декларация", "Рег. номер", "Дата сверки", "Вид платежа", "Расхождение", "Рассчитано", "Заявлено",
        "Начислено", "Уплачено", "Разница, руб.", "К возврату, руб.",
    )  # fmt: skip
    assert reconciliation.rows == (
        ("ДТ-1", "10702010/301126/0001", "2026-11-04", "2010", "изменена ставка", Decimal("500.00"),
         Decimal("500.00"), Decimal("600.00"), Decimal("850.00"), Decimal("100.00"), None),
        ("ДТ-1", "10702010/301126/0001", "2026-11-04", "5010", "переплата: заявление на возврат", Decimal("734.50"),
         Decimal("734.50"), Decimal("734.50"), Decimal("984.50"), Decimal("250.00"), Decimal("250.00")),
        ("d3", None, "2026-11-06", "5010", "недоплата", Decimal("10.00"), Decimal("10.00"), Decimal("10.00"),
         Decimal("9.50"), Decimal("-0.50"), None),
    )  # fmt: skip
    assert ru.refund_claims == Decimal("250.00") and en.sections[2].rows[1][4] == "overpaid: refund claim"
    assert dead_letters.rows == (("2026-11-05 13:00", "p1", "CR1", "UNH missing"),)  # Moscow time
    assert overdue.rows == (("INV-7", "ACME", "EUR", Decimal("100.00"), "2026-11-20", 11),)  # to 1 December
    assert ru.generated_at == datetime(2026, 11, 30, 21, tzinfo=UTC)
    assert ru.summary == (("Декларации", 2), ("Открытые требования", 3), ("Расхождения сверки", 3),
                          ("Необработанные сообщения EDI", 1), ("Просроченные счета", 1))  # fmt: skip
    assert ru == report("ru")  # the same rows, the same report


def test_the_html_escapes_the_data() -> None:
    page = html(assemble(TENANT, period_of("2026-11", "UTC"), "ru", rows(company="<b>Evil & Co</b>")))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page and "<b>Evil" not in page


def test_the_xlsx_reads_back_equal_to_the_sections() -> None:
    made = report()
    data = xlsx(made)
    for section in made.sections:
        back = pl.read_excel(io.BytesIO(data), sheet_name=section.title[:31])
        expected = frame(section)
        assert back.columns == list(section.headers)
        assert back.rows() == expected.rows()
    amounts = pl.read_excel(io.BytesIO(data), sheet_name="Декларации")["Платежи, руб."].to_list()
    assert amounts == [1234.5, None]
    findings = pl.read_excel(io.BytesIO(data), sheet_name="Расхождения сверки")
    assert findings["Вид платежа"].to_list() == ["2010", "5010", "5010"]
    assert findings["К возврату, руб."].to_list() == [None, 250.0, None]
    assert findings["Разница, руб."].to_list() == [100.0, 250.0, -0.5]


def test_the_pdf_has_every_section_in_cyrillic_and_both_files_are_the_same_bytes_again() -> None:
    made = report()
    document = pdf(made)
    text = "".join(page.get_textpage().get_text_bounded() for page in pdfium.PdfDocument(document))
    for expected in (
        "Отчёт о соблюдении требований",
        "ООО «Ромашка»",
        "Декларации",
        "Открытые требования",
        "Расхождения сверки",
        "переплата:",
        "Заявления на возврат, руб.",
        "Необработанные сообщения EDI",
        "Просроченные счета",
        "Сертификат соответствия",
        "INV-7",
    ):
        assert expected in text, expected  # fmt: skip
    assert document == pdf(report()) and xlsx(made) == xlsx(report())
    assert document != pdf(report("en"))


def test_a_letter_with_attachments_carries_each_as_a_mime_part_of_its_type() -> None:
    message = mime_message("c@example.com", "Report", "Attached.", [
        Attachment("r.pdf", "application/pdf", b"%PDF-1.7 x"),
        Attachment("r.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ])  # fmt: skip
    parts = list(message.iter_attachments())
    assert [(p.get_filename(), p.get_content_type(), p.get_content()) for p in parts] == [
        ("r.pdf", "application/pdf", b"%PDF-1.7 x"),
        ("r.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ]
    assert message.get_body(("plain",)).get_content().strip() == "Attached."  # type: ignore[union-attr]


def test_the_code_location_has_the_hourly_reports_schedule_and_its_partitioned_job() -> None:
    from dagster import DefaultScheduleStatus

    import pipelines
    from pipelines.reports import REPORT_PERIODS

    schedule = pipelines.defs.resolve_schedule_def("compliance_reports")
    assert schedule.cron_schedule == "0 * * * *" and schedule.default_status == DefaultScheduleStatus.RUNNING
    job = pipelines.defs.resolve_job_def("compliance_reports_job")
    assert job.partitions_def == REPORT_PERIODS and job.executor_def.name == "in_process"


def test_making_a_pdf_leaves_pillows_truncated_image_check_on_for_the_process() -> None:
    from PIL import ImageFile

    pdf(report())
    # WeasyPrint's import turns it off process-wide; uploaded scans checked in the same process must still fail.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
