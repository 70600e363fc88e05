"""Document recognition: a file's bytes in, its type, language and validated fields out (no platform I/O).

`recognise(data, content_type, hint)` reads a PDF's text layer first and OCRs only pages without one and
images (scans, photos); then finds the document's type and fields and validates them. The Dagster sensor
(pipelines/) calls it per document version and sends the outcome as a `RecordRecognition` command.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from recognition.engines import engine_for, engines
from recognition.extraction import Found, document_type_of, extract, language_of
from recognition.model import (
    LANGUAGES,
    DocumentType,
    Field,
    Language,
    Line,
    Problem,
    Recognition,
    Timings,
    Unreadable,
)
from recognition.pages import open_image, pdf_pages, prepare_for_ocr
from recognition.validation import check_required, check_sums, check_value

__all__ = ["Field", "Problem", "Reading", "Recognition", "Timings", "Unreadable", "interpret", "read", "recognise"]

PDF_TYPES = ("application/pdf",)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg", "image/tiff", "image/webp", "image/bmp", "image/gif")
CONFIDENCE_THRESHOLD = 0.80  # a field read with less is shown to an operator to verify
MIN_OCR_CHARS = 20  # fewer characters read on every page: nothing recognisable there
PROBE_LANGUAGE: Language = "ru"  # the first OCR pass on an image of unknown language: Russian + English models
# In a first pass with the Russian+English models, Chinese comes out as words read with little confidence:
# on the generated set 29-44% of the words of Chinese pages were under 0.6, at most 5% of Russian or English ones.
CJK_SUSPECT_SHARE = 0.2


@dataclass(frozen=True)
class Reading:
    """What was read from a file: lines per page, by what, and how long each way of reading took."""

    lines: tuple[Line, ...]
    language: Language
    engine: str
    pages: int
    text_layer_seconds: float
    ocr_seconds: float


def recognise(data: bytes, content_type: str, hint: str | None = None) -> Recognition:
    """Recognise one document. `hint` is the expected language ('ru', 'en', 'zh') when the uploader knows it.

    Raises `Unreadable` for an empty, corrupt, 0-page or oversized (image bomb) file, an unsupported type,
    or a file with no text found; anything recognised comes back with its problems listed.
    """
    reading = read(data, content_type, hint)
    return interpret(reading)


def read(data: bytes, content_type: str, hint: str | None = None) -> Reading:
    if not data:
        raise Unreadable("the file is empty")
    kind = content_type.split(";")[0].strip().lower()
    language = hint if hint in LANGUAGES else None
    if kind in PDF_TYPES or (kind == "application/octet-stream" and data[:5] == b"%PDF-"):
        return _read_pdf(data, language)  # type: ignore[arg-type]
    if kind in IMAGE_TYPES:
        started = time.perf_counter()
        image = prepare_for_ocr(open_image(data))
        return _ocr_pages([image], language, 0.0, time.perf_counter() - started)  # preparing is part of OCR  # type: ignore[arg-type]
    raise Unreadable(f"unsupported content type {content_type!r}: PDF or an image (PNG, JPEG, TIFF, WebP)")


def _read_pdf(data: bytes, language: Language | None) -> Reading:
    started = time.perf_counter()
    pages = list(pdf_pages(data))
    text_layer = time.perf_counter() - started
    scans = [prepare_for_ocr(p.image) for p in pages if p.image is not None]
    lines = tuple(line for p in pages for line in p.lines)
    if not scans:
        found = language or language_of("\n".join(line.text for line in lines))
        return Reading(lines, found, "text_layer", len(pages), text_layer, 0.0)
    ocr = _ocr_pages(scans, language, text_layer, 0.0)
    # Pages keep their order: text-layer pages first by number would mislabel; OCR'd pages are numbered in turn.
    numbered = [p.number for p in pages if p.image is not None]
    renumbered = tuple(Line(numbered[line.page - 1], line.words) for line in ocr.lines)
    merged = tuple(sorted((*lines, *renumbered), key=lambda line: line.page))
    engine = ocr.engine if not lines else f"text_layer+{ocr.engine}"
    return Reading(merged, ocr.language, engine, len(pages), text_layer, ocr.ocr_seconds)


def _ocr_pages(images: Sequence[Image.Image], language: Language | None, text_layer: float, ocr: float) -> Reading:
    started = time.perf_counter()
    if language is None:
        language = _probe_language(images[0])
    engine = engine_for(language)
    lines = tuple(line for number, image in enumerate(images, 1) for line in engine.read(image, language, number))
    if sum(len(line.text) for line in lines) < MIN_OCR_CHARS:
        raise Unreadable("no text found: the scan is blank, noise or too blurred to read")
    return Reading(lines, language, engine.name, len(images), text_layer, ocr + time.perf_counter() - started)


def _probe_language(image: Image.Image) -> Language:
    """A quick Tesseract pass with the Russian and English models: Cyrillic says Russian; a page of
    unsure words says another script (Chinese here); else English."""
    lines = engines()["tesseract"].read(image, PROBE_LANGUAGE, 1)
    words = [w for line in lines for w in line.words]
    if not words:
        return "en"
    unsure = sum(1 for w in words if w.confidence < 0.6) / len(words)
    if unsure >= CJK_SUSPECT_SHARE:
        return "zh"
    return language_of("\n".join(line.text for line in lines))


def interpret(reading: Reading) -> Recognition:
    """Type, fields and their validation from what was read."""
    started = time.perf_counter()
    document_type: DocumentType = document_type_of(reading.lines)
    found = extract(reading.lines, document_type)
    problems = _validate(document_type, found)
    at_fault = {p.field for p in problems}
    fields = tuple(_judged(f.field(), at_fault) for f in found)
    if document_type == "unknown":
        problems.insert(0, Problem("unknown_type", "", "Тип документа не распознан"))
    timings = Timings(reading.text_layer_seconds, reading.ocr_seconds, time.perf_counter() - started)
    return Recognition(
        document_type=document_type,
        language=reading.language,
        fields=fields,
        problems=tuple(str(p) for p in problems),
        engine=reading.engine,
        pages=reading.pages,
        timings=timings,
        issues=tuple(problems),
    )


def _validate(document_type: DocumentType, found: Sequence[Found]) -> list[Problem]:
    values = {f.name: f.value for f in found}
    single = [p for f in found if (p := check_value(f.name, f.value)) is not None]
    return [*single, *check_sums(values), *check_required(document_type, values)]


def _judged(field: Field, at_fault: set[str]) -> Field:
    doubtful = field.name in at_fault or field.confidence < CONFIDENCE_THRESHOLD
    if not doubtful:
        return field
    return Field(field.name, field.value, field.confidence, field.page, field.box, needs_verification=True)
