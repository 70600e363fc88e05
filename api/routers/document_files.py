"""A document's file at the API's edge: streamed in with its limits, recognised by content, checked, rendered.

An upload is read chunk by chunk into a private temporary file (never whole in memory, never into Kafka),
counting against `DOCUMENT_MAX_BYTES` as it arrives (413 as soon as it is passed) and hashing with
SHA-256. Its type is what its first bytes say (PDF, PNG, JPEG, TIFF, WEBP; anything else 415), and a
declared `Content-Type` that says otherwise is refused (415). Then it must open: an empty file, a PDF
pdfium cannot read or with no pages, an image Pillow cannot decode, and an image with more pixels than
`MAX_PIXELS` (a decompression bomb, checked from its header before any decoding) are 422. Only a file
that passed all of this reaches the object store.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import unicodedata
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pypdfium2 as pdfium
from fastapi import HTTPException, status
from PIL import Image, UnidentifiedImageError

from api.outcomes import invalid_field

# An A4 page scanned at 600 dpi is ~35 million pixels; twice that is no document.
MAX_PIXELS = 70_000_000
MAX_PAGES = 2000
MAX_FILENAME = 200
RENDER_WIDTH = 1400  # pixels across a rendered page: sharp enough to read, small enough to send

# Magic bytes of the types a document may be, checked in order.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
TYPE_NAMES = "PDF, PNG, JPEG, TIFF or WEBP"
# Declared types that say nothing about the content (a client that does not know).
UNSPECIFIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# pdfium is not thread-safe: one document at a time in this process.
PDFIUM_LOCK = threading.Lock()
# Bidirectional overrides and zero-width characters: they make a name display as another.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def sniffed_type(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None for anything not a document."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def sanitised_filename(raw: str | None) -> str:
    """A name to display, never to store under: percent-decoded, no path, no control or invisible characters."""
    name = urllib.parse.unquote(raw or "", errors="replace")
    name = re.split(r"[/\\]", name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = INVISIBLE.sub("", "".join(c for c in name if unicodedata.category(c)[0] != "C"))
    name = " ".join(name.split()).lstrip(".")
    if len(name) > MAX_FILENAME:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: MAX_FILENAME - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name or "document"


@dataclass
class ReceivedFile:
    """An upload that passed every check, in a temporary file until it is stored."""

    path: Path
    content_type: str
    size_bytes: int
    sha256: str
    pages: int
    filename: str

    def open(self) -> IO[bytes]:
        return self.path.open("rb")

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"the file is larger than {limit} bytes, the limit for a document"
    )


def _unsupported(message: str) -> HTTPException:
    return HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, message)


async def receive_file(
    chunks: AsyncIterator[bytes], declared_type: str | None, declared_length: str | None, raw_name: str | None,
    limit: int,
) -> ReceivedFile:  # fmt: skip
    """The upload, streamed to a temporary file and checked (see the module's docstring); raises the HTTP error."""
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        raise _too_large(limit)
    descriptor, name = tempfile.mkstemp(prefix="wellwon-upload-")
    path = Path(name)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise invalid_field([], "the file is empty", "empty")
        with path.open("rb") as stored:
            head = stored.read(16)
        content_type = sniffed_type(head)
        if content_type is None:
            raise _unsupported(f"the file is not a {TYPE_NAMES} (by its content)")
        declared = (declared_type or "").split(";")[0].strip().lower()
        if declared not in UNSPECIFIC_TYPES and declared != content_type:
            raise _unsupported(f"declared {declared}, but the content is {content_type}")
        pages = page_count(path, content_type)
        return ReceivedFile(path, content_type, size, digest.hexdigest(), pages, sanitised_filename(raw_name))
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def page_count(path: Path, content_type: str) -> int:
    """How many pages the file has, once it has shown it opens; 422 for a corrupt file or an image bomb."""
    if content_type == "application/pdf":
        try:
            with PDFIUM_LOCK:
                pdf = pdfium.PdfDocument(str(path))
                try:
                    pages = len(pdf)
                finally:
                    pdf.close()
        except pdfium.PdfiumError as error:
            raise invalid_field([], f"the PDF cannot be read: {error}", "corrupt") from None
        if pages == 0:
            raise invalid_field([], "the PDF has no pages", "corrupt")
        if pages > MAX_PAGES:
            raise invalid_field([], f"a document has at most {MAX_PAGES} pages; this one has {pages}", "too_long")
        return pages
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            for frame in range(min(frames, MAX_PAGES)):
                image.seek(frame)
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise invalid_field(
                        [], f"the image has {width}×{height} pixels, more than the {MAX_PIXELS} a document may have",
                        "image_bomb",
                    )  # fmt: skip
            image.seek(0)
            image.load()  # decodes the first page: a truncated or corrupt image fails here
        return frames
    except Image.DecompressionBombError as error:
        raise invalid_field([], f"the image is too large to open safely: {error}", "image_bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise invalid_field([], f"the image cannot be read: {error}", "corrupt") from None


def render_page(data: bytes, content_type: str, page: int) -> bytes:
    """Page `page` (from 1) of a stored file as a PNG about RENDER_WIDTH pixels wide (for the viewer)."""
    if content_type == "application/pdf":
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                sheet = pdf[page - 1]
                scale = RENDER_WIDTH / max(sheet.get_width(), 1)
                image = sheet.render(scale=scale).to_pil()
            finally:
                pdf.close()
    else:
        with Image.open(io.BytesIO(data)) as opened:
            opened.seek(page - 1)
            image = opened.convert("RGB")
            if image.width > RENDER_WIDTH:
                image = image.resize((RENDER_WIDTH, round(image.height * RENDER_WIDTH / image.width)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
