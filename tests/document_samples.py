"""Small files for the documents tests, made here: PDFs (with pages, with none, corrupt), images, an image bomb."""

from __future__ import annotations

import io
import struct
import zlib

import pypdfium2 as pdfium
from PIL import Image, ImageDraw


def pdf_bytes(pages: int = 1, text: str = "") -> bytes:
    """A PDF with `pages` blank A4 pages (none: a valid PDF of 0 pages); `text` makes two PDFs differ."""
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue() + (f"\n% {text}\n".encode() if text else b"")


def png_bytes(width: int = 320, height: int = 200, label: str = "INVOICE 7") -> bytes:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((10, 10), label, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "gray").save(out, format="JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 30_000) -> bytes:
    """A tiny PNG that says it is side×side pixels (900 million by default): it would decompress to gigabytes."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


CORRUPT_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a PDF body at all\n%%EOF\n"
TRUNCATED_PNG = png_bytes()[:60]
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


# An invoice scan's lines, and where each field's value sits on the page (fractions: x0, y0, x1, y1).
INVOICE_LINES: tuple[tuple[str, str, str, tuple[float, float, float, float]], ...] = (
    ("number", "Invoice No.", "INV-2026-0042", (0.40, 0.10, 0.75, 0.16)),
    ("date", "Date", "2026-11-27", (0.40, 0.22, 0.75, 0.28)),
    ("seller", "Seller", "Hanse Maschinenbau GmbH", (0.40, 0.34, 0.95, 0.40)),
    ("currency", "Currency", "EUR", (0.40, 0.46, 0.75, 0.52)),
    ("total", "Total", "12749.98", (0.40, 0.58, 0.75, 0.64)),
    ("items[0].description", "Goods", "Men's cotton T-shirts, knitted", (0.40, 0.70, 0.95, 0.76)),
    ("items[0].quantity", "Quantity", "500", (0.40, 0.82, 0.75, 0.88)),
)


def invoice_png(width: int = 1000, height: int = 700) -> bytes:
    """A clean invoice page with the values of INVOICE_LINES where their boxes say."""
    from PIL import ImageFont

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    for _, caption, value, (x0, y0, _x1, _y1) in INVOICE_LINES:
        draw.text((int(0.05 * width), int(y0 * height)), caption, fill="black", font=font)
        draw.text((int(x0 * width) + 6, int(y0 * height)), value, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
