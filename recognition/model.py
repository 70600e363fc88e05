"""What recognition gives back: a document's type, language and fields, each with its confidence and place on a page.

`Recognition` is the outcome the Dagster sensor turns into a `RecordRecognition` command; `Word` and
`Line` are the text the stages pass between them (from a PDF's text layer or from an OCR engine).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

DocumentType = Literal["commercial_invoice", "packing_list", "cmr", "bill_of_lading", "air_waybill", "unknown"]
Language = Literal["ru", "en", "zh"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    "commercial_invoice",
    "packing_list",
    "cmr",
    "bill_of_lading",
    "air_waybill",
    "unknown",
)
LANGUAGES: tuple[Language, ...] = ("ru", "en", "zh")
# (x0, y0, x1, y1) as fractions of the page's width and height, origin at the top left.
Box = tuple[float, float, float, float]


class Unreadable(ValueError):
    """The input cannot be recognised at all: empty, corrupt, no pages, an image bomb, no text found."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Field:
    """One recognised value. `value` is normalised (ISO dates, plain decimals with a dot, codes upper-case)."""

    name: str  # e.g. "seller_inn", "items[0].amount"
    value: str
    confidence: float  # 0..1
    page: int  # 1-based
    box: Box
    needs_verification: bool


@dataclass(frozen=True)
class Problem:
    """A validation failure: a stable machine code, the field at fault, and a message in Russian for the operator."""

    code: str  # e.g. "inn_checksum"
    field: str  # e.g. "seller_inn"; "" for the document as a whole
    message: str  # e.g. "ИНН продавца: неверная контрольная сумма"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Timings:
    """Seconds spent per stage."""

    text_layer: float = 0.0
    ocr: float = 0.0
    extraction: float = 0.0


@dataclass(frozen=True)
class Recognition:
    document_type: DocumentType
    language: Language
    fields: tuple[Field, ...]
    # Each "code: message", message in Russian (the platform's first language); `issues` has them structured.
    problems: tuple[str, ...]
    engine: str  # "text_layer", "tesseract", "paddle"
    pages: int
    timings: Timings
    issues: tuple[Problem, ...] = field(default=(), compare=False)

    def value(self, name: str) -> str | None:
        return next((f.value for f in self.fields if f.name == name), None)

    def as_dict(self) -> dict[str, str]:
        return {f.name: f.value for f in self.fields}


@dataclass(frozen=True)
class Word:
    """A run of text without spaces, its box on the page (fractions), and how sure the reader was of it (0..1)."""

    text: str
    box: Box
    confidence: float


@dataclass(frozen=True)
class Line:
    """Words read on one line of a page, left to right; `text` joins them with single spaces."""

    page: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return "".join(separator + w.text for separator, w in zip(self._separators(), self.words, strict=True))

    def _separators(self) -> list[str]:
        """A space between words, none between two CJK characters (Chinese is written without spaces)."""
        out = [""] if self.words else []  # a line read again may come back without words
        for left, right in zip(self.words, self.words[1:], strict=False):
            out.append("" if is_cjk(left.text[-1]) and is_cjk(right.text[0]) else " ")
        return out

    @property
    def box(self) -> Box:
        return union(w.box for w in self.words)

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)

    def span(self, start: int, end: int) -> tuple[Box, float]:
        """Box and confidence of the words covering characters [start, end) of `text`."""
        covered: list[Word] = []
        offset = 0
        for separator, word in zip(self._separators(), self.words, strict=True):
            offset += len(separator)
            if offset < end and start < offset + len(word.text):
                covered.append(word)
            offset += len(word.text)
        chosen = covered or list(self.words)
        return union(w.box for w in chosen), min(w.confidence for w in chosen)


def union(boxes: Iterable[Box]) -> Box:
    items = list(boxes)
    if not items:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in items),
        min(b[1] for b in items),
        max(b[2] for b in items),
        max(b[3] for b in items),
    )


def is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
