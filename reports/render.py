"""A report as HTML (Jinja2, autoescaped), as PDF (WeasyPrint, DejaVu Sans for Cyrillic) and as XLSX (polars).

Both files are byte-for-byte the same for the same report: the PDF's dates are the period's end (the template's
dcterms meta), and the workbook's creation date is set to it too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2
import polars as pl

from reports.content import Cell, Kind, Report, Section, words_of

TEMPLATES = Path(__file__).parent / "templates"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_LIMIT = 31  # Excel's


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    xlsx: bytes
    base_name: str  # compliance-report-2026-11, the files' names without the extension


def cell_text(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}".replace(",", "\u00a0")
    return str(value)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    environment.filters["cell"] = cell_text
    return environment


ENVIRONMENT = _environment()


def html(report: Report) -> str:
    generated = report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ENVIRONMENT.get_template("report.html.j2").render(
        report=report,
        words=words_of(report.language),
        generated=generated,
        as_of=report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def pdf(report: Report) -> bytes:
    from PIL import ImageFile

    loads_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # Pango through cffi: loaded when a report is made, not when the pipelines load

    # WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported. Reports hold no raster
    # images, and the same process (Dagster's code server) checks uploaded scans, which must refuse truncated files.
    ImageFile.LOAD_TRUNCATED_IMAGES = loads_truncated
    data: bytes = weasyprint.HTML(string=html(report)).write_pdf()
    return data


def frame(section: Section) -> pl.DataFrame:
    """A section as a table: text columns as text, counts as integers, amounts as numbers (2 decimals)."""
    data: dict[str, pl.Series] = {}
    for index, (column, header) in enumerate(zip(section.columns, section.headers, strict=True)):
        values = [row[index] for row in section.rows]
        if column.kind is Kind.AMOUNT:
            data[header] = pl.Series(header, [None if v is None else float(v) for v in values], pl.Float64)  # type: ignore[arg-type]
        elif column.kind is Kind.COUNT:
            data[header] = pl.Series(header, values, pl.Int64)
        else:
            data[header] = pl.Series(header, [None if v is None else str(v) for v in values], pl.String)
    return pl.DataFrame(data)


def xlsx(report: Report) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"title": f"{report.title} {report.period.key}", "author": report.company,
                             "created": report.generated_at.replace(tzinfo=None)})  # fmt: skip
    for section in report.sections:
        frame(section).write_excel(
            workbook, worksheet=section.title[:SHEET_NAME_LIMIT], autofit=True, float_precision=2
        )
    workbook.close()
    return out.getvalue()


def rendered(report: Report) -> RenderedReport:
    return RenderedReport(pdf(report), xlsx(report), f"compliance-report-{report.period.key}")
