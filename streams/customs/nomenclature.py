"""The shipped nomenclature as reference data: the HS in English beside the EAEU ТН ВЭД in Russian, and chapter notes.

- `data/hs/`: HS sections, chapters, headings and 6-digit subheadings in English;
- `data/tnved/` (the customs service's classifier files for declarant software, edition of 2022): Russian
  names of sections, chapters and 957 headings, the legally binding chapter notes, and 12,715 national
  10-digit lines. Headings with a single national line are absent there;
- `data/tnved/headings_supplement.csv`: the Russian names of those 271 headings, written from the official
  ТН ВЭД ЕАЭС wording (marked `supplement`: not from the classifier files; the source's own name wins where it
  has one). Such a heading is its own single line, so its only subheading (`XXXX00`) shares the name.

A 10-digit line's own name is short ("- - - прочие"): its `context_ru` carries the names of the lines above it
in the same subheading (by the leading dashes, where the source has them), so "прочие" still says what it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
HS_DIR = DATA_DIR / "hs"
TNVED_DIR = DATA_DIR / "tnved"
ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
]  # ТН ВЭД numbers sections 01..21, the HS I..XXI


@dataclass(frozen=True)
class NomenclatureEntry:
    code: str  # "I".."XXI" for a section, else 2, 4, 6 or 10 digits
    description: str  # English where the HS has it; a national line's own (Russian) name
    parent: str | None  # the code of the entry above; None for a section
    name_ru: str = ""  # the ТН ВЭД name, where the Russian source has the entry
    context_ru: str = ""  # a national line: the names of the lines above it in its subheading


def _rows(path: Path) -> Iterator[dict[str, str]]:
    return csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))


def _capitalised(name: str) -> str:
    """ТН ВЭД writes section, chapter and heading names in capitals; show them as a sentence."""
    name = name.strip()
    return name[:1] + name[1:].lower() if name.isupper() else name


def _depth(name: str) -> tuple[int, str]:
    """The number of leading dashes of a national line's name, and the name without them."""
    match = re.match(r"^((?:-\s*)*)(.*)$", name.strip())
    assert match is not None
    return match.group(1).count("-"), match.group(2).strip().rstrip(":").strip()


def _national_lines() -> Iterator[NomenclatureEntry]:
    """The 10-digit lines, each with the names of the lines above it in the same subheading as context."""
    above: list[tuple[int, str, str]] = []  # (depth, code prefix it governs, name), innermost last
    heading = ""
    for row in _rows(TNVED_DIR / "lines.csv"):
        code = row["code"].strip()
        if code[:4] != heading:
            heading, above = code[:4], []
        depth, name = _depth(row["name"])
        above = [(d, prefix, text) for d, prefix, text in above if d < depth and code.startswith(prefix)]
        context = "; ".join(text for _, _, text in above)
        yield NomenclatureEntry(code, name, code[:6], name_ru=name, context_ru=context)
        significant = code.rstrip("0")
        above.append((depth, code[: max(6, len(significant))], name))


def read_nomenclature() -> tuple[NomenclatureEntry, ...]:
    """Sections, chapters, headings and subheadings of the HS with their ТН ВЭД names, and the national lines."""
    russian: dict[str, str] = {}
    for row in _rows(TNVED_DIR / "sections.csv"):
        if int(row["section"]) <= len(ROMAN):  # the source also has a section 22 for the 2018 FIFA World Cup
            russian[ROMAN[int(row["section"]) - 1]] = _capitalised(row["name"])
    for row in _rows(TNVED_DIR / "chapters.csv"):
        russian[row["chapter"].strip()] = _capitalised(row["name"])
    for row in _rows(TNVED_DIR / "headings.csv"):
        russian[row["heading"].strip()] = _capitalised(row["name"])
    supplement = {row["heading"].strip(): row["name"].strip() for row in _rows(TNVED_DIR / "headings_supplement.csv")}
    for heading, name in supplement.items():
        russian.setdefault(heading, name)
        russian.setdefault(f"{heading}00", name)  # the heading's only subheading, where the HS has one
    entries = [
        NomenclatureEntry(row["section"], row["name"].strip(), None, russian.get(row["section"], ""))
        for row in _rows(HS_DIR / "sections.csv")
    ]
    for row in _rows(HS_DIR / "harmonized-system.csv"):
        if row["section"] == "TOTAL":  # the dataset's "not specified according to kind" pseudo-lines
            continue
        parent = row["section"] if row["parent"] == "TOTAL" else row["parent"]
        code = row["hscode"]
        entries.append(NomenclatureEntry(code, row["description"], parent, russian.get(code, "")))
    known = {entry.code for entry in entries}
    entries.extend(line for line in _national_lines() if line.parent in known)
    return tuple(entries)


@cache
def chapter_notes() -> Mapping[str, tuple[str, ...]]:
    """Each chapter's legally binding notes, split into their numbered paragraphs."""
    notes: dict[str, tuple[str, ...]] = {}
    for row in _rows(TNVED_DIR / "chapters.csv"):
        text = " ".join(row["notes"].split())
        # A paragraph starts with its number: "1.В данную группу..." or "2. В товарные позиции...".
        starts = [m.start(1) for m in re.finditer(r"(?:^|\s)(\d{1,2}\.\s?)(?=[А-ЯA-Z\"«(])", text)]
        bounds = [*starts, len(text)] if starts else [0, len(text)]
        notes[row["chapter"].strip()] = tuple(
            text[start:end].strip() for start, end in pairwise(bounds) if text[start:end].strip()
        )
    return notes


def headings_cited(paragraph: str) -> frozenset[str]:
    """The 4-digit headings a note paragraph names, ranges ("0201 - 0208") included."""
    # "0811 90 110" names a subheading, not the heading: only a 4-digit number standing alone counts.
    cited = set(re.findall(r"(?<!\d)(\d{4})(?!\d|\s\d)", paragraph))
    for first, last in re.findall(r"(?<!\d)(\d{4})\s*[-–]\s*(\d{4})(?!\d)", paragraph):
        if first[:2] == last[:2] and first < last:
            cited.update(f"{number:04d}" for number in range(int(first), int(last) + 1))
    return frozenset(cited)


def deciding_note(chapter: str, heading: str, competitors: frozenset[str]) -> str | None:
    """The note paragraph of `chapter` that names `heading` beside a competing heading, or else a competitor."""
    paragraphs = chapter_notes().get(chapter, ())
    both = [p for p in paragraphs if heading in headings_cited(p) and headings_cited(p) & competitors]
    either = [p for p in paragraphs if headings_cited(p) & competitors]
    return next(iter(both or either), None)
