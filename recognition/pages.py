"""Getting at a document's pages: a PDF's text layer with character boxes, page images, and words grouped into lines.

Limits guard the process against hostile files: a page image over `MAX_PIXELS` is an image bomb and is
refused before it is decoded; a PDF over `MAX_PAGES` is read only that far.
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from recognition.model import Line, Unreadable, Word

MAX_PIXELS = 60_000_000  # ~ an A4 page at 900 dpi; a bigger image is a bomb, not a scan
MAX_PAGES = 50
OCR_DPI = 300  # pages without text are rendered this sharp for OCR
MIN_TEXT_CHARS = 20  # a PDF page with fewer characters in its text layer is taken for a scan
A4_WIDTH_INCHES = 8.27
MIN_OCR_WIDTH = int(A4_WIDTH_INCHES * 250)  # images are enlarged to about 250 dpi for OCR


@dataclass(frozen=True)
class PdfPage:
    number: int  # 1-based
    lines: tuple[Line, ...]  # empty when the page has no text layer
    image: Image.Image | None  # rendered only when the page needs OCR


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # PDFium refuses a page tree of no pages as a format error; say what is really wrong with it.
        if re.search(rb"/Count\s*0\b", data) and not re.search(rb"/Count\s*[1-9]", data):
            raise Unreadable("the PDF has 0 pages") from None
        raise Unreadable(f"corrupt PDF: {error}") from None
    if len(document) == 0:
        document.close()
        raise Unreadable("the PDF has 0 pages")
    return document


def pdf_pages(data: bytes) -> Iterator[PdfPage]:
    """Each page's text-layer lines; pages with (almost) no text come with an image to OCR instead."""
    document = open_pdf(data)
    try:
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()
            words = list(_text_layer_words(page.get_textpage(), width, height))
            if sum(len(w.text) for w in words) >= MIN_TEXT_CHARS:
                yield PdfPage(index + 1, tuple(lines_of(index + 1, words)), None)
                continue
            scale = OCR_DPI / 72
            if width * height * scale * scale > MAX_PIXELS:
                raise Unreadable(f"page {index + 1} is too large to render ({width:.0f} x {height:.0f} pt)")
            yield PdfPage(index + 1, (), page.render(scale=scale, grayscale=True).to_pil().convert("L"))
    finally:
        document.close()


def _text_layer_words(text: pdfium.PdfTextPage, width: float, height: float) -> Iterator[Word]:
    """Characters with their boxes, joined into words at spaces, line breaks and visible gaps."""
    chars: list[tuple[str, tuple[float, float, float, float]]] = []

    def flush() -> Iterator[Word]:
        if chars:
            left, bottom, right, top = (
                min(c[1][0] for c in chars),
                min(c[1][1] for c in chars),
                max(c[1][2] for c in chars),
                max(c[1][3] for c in chars),
            )
            # PDF space has its origin at the bottom left; boxes here are fractions from the top left.
            box = (left / width, 1 - top / height, right / width, 1 - bottom / height)
            yield Word("".join(c[0] for c in chars), box, 1.0)
            chars.clear()

    for i in range(text.count_chars()):
        char = text.get_text_range(i, 1)
        if not char or char.isspace():
            yield from flush()
            continue
        box = text.get_charbox(i, loose=True)  # font-high boxes: tight ones vary with each glyph
        if chars:
            previous = chars[-1][1]
            size = max(previous[3] - previous[1], box[3] - box[1], 1.0)
            if box[0] - previous[2] > 0.25 * size or abs(box[1] - previous[1]) > 0.5 * size:
                yield from flush()
        chars.append((char, box))
    yield from flush()


def open_image(data: bytes) -> Image.Image:
    """A greyscale image, upright as its EXIF says; a decompression bomb or a broken file is refused undecoded."""
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise Unreadable(f"image bomb: {error}") from None
    except OSError as error:
        raise Unreadable(f"not a readable image: {error}") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise Unreadable(f"image bomb: {width} x {height} pixels is over the limit of {MAX_PIXELS}")
    try:
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        return upright.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable(f"corrupt image: {error}") from None


def prepare_for_ocr(image: Image.Image) -> Image.Image:
    """Straightened, and enlarged when a page was scanned at low resolution (small glyphs read badly)."""
    if image.width < MIN_OCR_WIDTH:
        factor = MIN_OCR_WIDTH / image.width
        image = image.resize((MIN_OCR_WIDTH, int(image.height * factor)), Image.Resampling.BICUBIC)
    angle = skew_angle(image)
    if abs(angle) >= 0.1:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    return image


def skew_angle(image: Image.Image, limit: float = 3.0, step: float = 0.1) -> float:
    """The rotation that makes text rows horizontal: the angle whose row-ink profile is sharpest."""
    small = image.copy()
    small.thumbnail((800, 800))
    ink = np.asarray(small) < 128
    if ink.mean() < 0.001:
        return 0.0
    rows, columns = np.nonzero(ink)
    ys, xs = rows.astype(np.float64), columns.astype(np.float64) - small.width / 2
    best, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + step / 2, step):
        shifted = (ys + xs * np.tan(np.radians(angle))).astype(int)
        profile = np.bincount(shifted - shifted.min())
        score = float((profile.astype(np.float64) ** 2).sum())
        if score > best_score:
            best, best_score = float(angle), score
    return -best


def lines_of(page: int, words: Iterable[Word]) -> list[Line]:
    """Words grouped into lines by their vertical middles, each line read left to right, lines top to bottom."""
    ordered = sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2)
    if not ordered:
        return []
    height = statistics.median(w.box[3] - w.box[1] for w in ordered)
    rows: list[list[Word]] = []
    middles: list[float] = []
    for word in ordered:
        middle = (word.box[1] + word.box[3]) / 2
        if rows and abs(middle - middles[-1]) < 0.5 * height:
            rows[-1].append(word)
            middles[-1] = sum((w.box[1] + w.box[3]) / 2 for w in rows[-1]) / len(rows[-1])
        else:
            rows.append([word])
            middles.append(middle)
    return [Line(page, tuple(sorted(row, key=lambda w: w.box[0]))) for row in rows]
