"""OCR on a small generated set: field accuracy per type, language and quality, and PP-OCR with no network.

The full set (63 documents) is the benchmark's (`python -m benchmarks.recognition_bench`); OCR is slow on
2 cores, so this reads nine pages: Russian and English invoices, packing lists and CMRs, clean and scanned,
through `recognise()` with no language hint (the probe finds it), and one Chinese page through PP-OCR.
"""

from __future__ import annotations

import socket
from collections import defaultdict
from pathlib import Path

import pytest

from recognition import Recognition, recognise
from recognition.samples import Sample, sample

SET = [
    ("commercial_invoice", "ru", "clean"),
    ("commercial_invoice", "ru", "scanned"),
    ("commercial_invoice", "en", "scanned"),
    ("packing_list", "ru", "scanned"),
    ("packing_list", "en", "clean"),
    ("cmr", "ru", "scanned"),
    ("cmr", "en", "scanned"),
    ("cmr", "en", "clean"),
]
GOALS = {"clean": 0.95, "scanned": 0.85}


def hits(s: Sample, recognition: Recognition) -> tuple[int, int]:
    got = recognition.as_dict()
    return sum(1 for name, value in s.fields.items() if got.get(name) == value), len(s.fields)


@pytest.fixture(scope="module")
def recognised() -> list[tuple[Sample, Recognition]]:
    samples = [sample(0, kind, language, quality) for kind, language, quality in SET]  # type: ignore[arg-type]
    return [(s, recognise(s.data, s.content_type)) for s in samples]


def test_scans_are_read_by_tesseract_in_the_language_the_probe_finds(
    recognised: list[tuple[Sample, Recognition]],
) -> None:
    for s, recognition in recognised:
        assert recognition.engine == "tesseract", s.name
        assert recognition.language == s.language, s.name
        assert recognition.document_type == s.document_type, s.name
        assert recognition.pages == 1 and recognition.timings.ocr > 0 and recognition.timings.text_layer == 0


def test_field_accuracy_meets_the_goals_per_language_and_quality(recognised: list[tuple[Sample, Recognition]]) -> None:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for s, recognition in recognised:
        right, count = hits(s, recognition)
        totals[(s.language, s.quality)][0] += right
        totals[(s.language, s.quality)][1] += count
        assert right / count >= 0.8, (s.name, right, count)  # every document, whatever its type
    for (language, quality), (right, count) in totals.items():
        assert right / count >= GOALS[quality], (language, quality, right, count)


def test_fields_read_by_ocr_carry_confidence_boxes_and_flags(recognised: list[tuple[Sample, Recognition]]) -> None:
    for _, recognition in recognised:
        for field in recognition.fields:
            assert 0 < field.confidence <= 1
            x0, y0, x1, y1 = field.box
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, field
            if field.confidence < 0.8:
                assert field.needs_verification, field


def test_pp_ocr_reads_chinese_from_the_models_in_its_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rapidocr

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("recognition tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    models = Path(rapidocr.__file__).parent / "models"
    before = sorted(p.name for p in models.iterdir())
    s = sample(0, "cmr", "zh", "clean")
    recognition = recognise(s.data, s.content_type, hint="zh")
    assert recognition.engine == "paddle"
    assert recognition.document_type == "cmr" and recognition.language == "zh"
    right, count = hits(s, recognition)
    assert right / count >= 0.7, recognition.as_dict()
    assert sorted(p.name for p in models.iterdir()) == before  # nothing fetched into the package either
