"""The upload checks at the API's edge: the type by content, the filename kept for display only, files that open."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import HTTPException

from api.routers.document_files import page_count, receive_file, render_page, sanitised_filename, sniffed_type
from tests.document_samples import CORRUPT_PDF, HTML, TRUNCATED_PNG, jpeg_bytes, pdf_bytes, png_bomb, png_bytes


def test_the_type_is_what_the_first_bytes_say() -> None:
    assert sniffed_type(pdf_bytes()[:16]) == "application/pdf"
    assert sniffed_type(png_bytes()[:16]) == "image/png"
    assert sniffed_type(jpeg_bytes()[:16]) == "image/jpeg"
    assert sniffed_type(b"II*\x00rest") == "image/tiff" and sniffed_type(b"MM\x00*rest") == "image/tiff"
    assert sniffed_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniffed_type(HTML) is None and sniffed_type(b"PK\x03\x04") is None


def test_a_filename_is_only_a_display_name() -> None:
    assert sanitised_filename("../../etc/passwd") == "passwd"
    assert sanitised_filename("C:\\Users\\anna\\счёт%20№7.pdf") == "счёт №7.pdf"
    assert sanitised_filename("inv\x00oice\x1b.pdf") == "invoice.pdf"
    assert sanitised_filename("report\u202efdp.exe") == "reportfdp.exe"  # no right-to-left override
    assert sanitised_filename("..") == "document" and sanitised_filename(None) == "document"
    long = sanitised_filename("x" * 500 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_files_that_open_give_their_pages(tmp_path: Path) -> None:
    three = tmp_path / "three.pdf"
    three.write_bytes(pdf_bytes(3))
    assert page_count(three, "application/pdf") == 3
    image = tmp_path / "scan.png"
    image.write_bytes(png_bytes())
    assert page_count(image, "image/png") == 1


@pytest.mark.parametrize(
    ("data", "content_type", "says"),
    [
        (pdf_bytes(0), "application/pdf", "PDF"),  # pdfium refuses to load a 0-page PDF at all
        (CORRUPT_PDF, "application/pdf", "cannot be read"),
        (TRUNCATED_PNG, "image/png", "cannot be read"),
        (png_bomb(), "image/png", "pixels"),
    ],
)
def test_files_that_do_not_open_are_422(tmp_path: Path, data: bytes, content_type: str, says: str) -> None:
    path = tmp_path / "bad"
    path.write_bytes(data)
    with pytest.raises(HTTPException) as refused:
        page_count(path, content_type)
    assert refused.value.status_code == 422 and says in str(refused.value.detail)


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_the_limit_is_enforced_while_streaming_and_nothing_is_left_behind(tmp_path: Path) -> None:
    data = png_bytes(800, 800)
    with pytest.raises(HTTPException) as refused:
        await receive_file(_chunks(data), "image/png", None, "big.png", len(data) - 1)
    assert refused.value.status_code == 413
    received = await receive_file(_chunks(data), "image/png", None, "ok.png", len(data))
    assert received.size_bytes == len(data) and received.content_type == "image/png" and received.path.exists()
    received.discard()
    assert not received.path.exists()


async def test_a_declared_type_that_disagrees_with_the_content_is_415() -> None:
    with pytest.raises(HTTPException) as refused:
        await receive_file(_chunks(pdf_bytes()), "image/png", None, "x.png", 10_000_000)
    assert refused.value.status_code == 415 and "application/pdf" in str(refused.value.detail)


def test_pages_render_as_png() -> None:
    rendered = render_page(pdf_bytes(2), "application/pdf", 2)
    assert rendered.startswith(b"\x89PNG")
    assert render_page(jpeg_bytes(), "image/jpeg", 1).startswith(b"\x89PNG")
