"""Whole files through `recognise()`: text-layer PDFs of the labelled set, scanned PDFs, and inputs it must refuse."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image

from recognition import Unreadable, recognise
from recognition.samples import encode, labelled_set, rasterise, sample


def test_the_generator_is_deterministic_and_its_values_are_valid() -> None:
    first, again = sample(7, "commercial_invoice", "ru", "text"), sample(7, "commercial_invoice", "ru", "text")
    assert first.data == again.data and first.fields == again.fields
    scan = sample(7, "cmr", "en", "scanned")
    random_state_of_c = Image.effect_noise((8, 8), 20)  # moves the C library's rand(), as other code in a process may
    assert random_state_of_c.size == (8, 8) and sample(7, "cmr", "en", "scanned").data == scan.data
    assert sample(8, "commercial_invoice", "ru", "text").fields != first.fields
    from recognition.validation import check_sums, check_value

    for kind in ("commercial_invoice", "packing_list", "cmr"):
        for language in ("ru", "en", "zh"):
            truth = sample(3, kind, language, "text").fields  # type: ignore[arg-type]
            assert [p for name, v in truth.items() if (p := check_value(name, v))] == []
            assert check_sums(truth) == []


def test_every_text_layer_pdf_of_a_labelled_set_is_read_exactly_without_ocr() -> None:
    samples = list(labelled_set({"text": 1}, seed=11))
    assert len(samples) == 9  # three types x three languages
    for s in samples:
        recognition = recognise(s.data, s.content_type)
        assert recognition.engine == "text_layer", s.name
        assert recognition.timings.ocr == 0.0
        assert recognition.document_type == s.document_type, s.name
        assert recognition.language == s.language, s.name
        assert recognition.as_dict() == s.fields, s.name
        assert recognition.problems == (), s.name
        for field in recognition.fields:
            x0, y0, x1, y1 = field.box
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, field
            assert field.confidence == 1.0 and not field.needs_verification


def test_a_pdf_page_without_text_is_ocrd() -> None:
    s = sample(2, "cmr", "en", "text")
    page = encode(rasterise(s.data, 200), "PNG")
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(io.BytesIO(page), x=0, y=0, w=210, h=297)
    recognition = recognise(bytes(pdf.output()), "application/pdf")
    assert recognition.engine == "tesseract"
    assert recognition.document_type == "cmr" and recognition.language == "en"
    assert recognition.value("number") == s.fields["number"]
    assert recognition.timings.ocr > 0


def _zero_page_pdf() -> bytes:
    document = pdfium.PdfDocument.new()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _image_bomb() -> bytes:
    """A PNG of 20000 x 20000 pixels (400 megapixels) that weighs a few dozen kilobytes."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(out, "PNG")
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _noise() -> bytes:
    rng = random.Random(5)
    return _png(Image.frombytes("L", (1240, 1754), bytes(rng.choice((0, 255)) for _ in range(1240 * 1754))))


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"", "application/pdf", "the file is empty"),
        (b"%PDF-1.7\n garbage that is no PDF", "application/pdf", "corrupt PDF"),
        (_zero_page_pdf(), "application/pdf", "0 pages"),
        (_image_bomb(), "image/png", "image bomb"),
        (b"\x89PNG\r\n\x1a\n truncated", "image/png", "not a readable image"),
        (b"MZ\x90\x00 an executable", "application/x-msdownload", "unsupported content type"),
        (_png(Image.new("L", (1240, 1754), 255)), "image/png", "no text found"),
    ],
    ids=["empty", "corrupt-pdf", "zero-page-pdf", "image-bomb", "corrupt-image", "wrong-type", "blank-scan"],
)
def test_unreadable_inputs_are_refused_with_a_clear_reason(data: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(Unreadable) as refused:
        recognise(data, content_type)
    assert reason in refused.value.reason


def test_a_scan_of_noise_is_refused_or_says_why() -> None:
    try:
        recognition = recognise(_noise(), "image/png")
    except Unreadable as refused:
        assert "no text found" in refused.reason
        return
    assert recognition.document_type == "unknown"
    assert recognition.problems[0].startswith("unknown_type:")
