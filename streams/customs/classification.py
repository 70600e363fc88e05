"""HS classification: suggest commodity codes for a goods description, best first, with the reason.

The nomenclature is the Harmonized System (sections, chapters, headings, 6-digit subheadings, shipped
in `data/hs/`) plus, optionally, the national 10-digit lines an operator loads (`load_national_lines`:
code, description, effective_from); a subheading with national lines in force is replaced by them.

Ranking, all pure functions over immutable data:
- tokens: lower case, words joined across hyphens ("T-shirt" -> "tshirt"), stop words dropped, each
  reduced by a small English suffix stemmer (`stem`), so "knitted", "knit" and "knits" meet;
- the query is expanded with trade synonyms (`SYNONYMS`: the words importers write on invoices mapped
  to the nomenclature's words, e.g. "laptop" -> "portable automatic data processing machine"), at a
  lower weight than the words actually written;
- BM25 over the candidate lines, each line's text being its own description plus its parents' text at
  decreasing weights (heading, chapter, section): the path text boosts the lines of a matching heading;
- a per-tenant feedback boost: descriptions an operator of the tenant confirmed with a code
  (`TenantFeedback`) lift that code for later, similar descriptions, in proportion to the similarity.

Every `Suggestion` explains itself: the matched terms and the path section > chapter > heading > line.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from streams.customs.duty_tables import TariffTableError

HS_DIR = Path(__file__).parent / "data" / "hs"

# BM25 and field weights, tuned once on data/classification_labelled.csv (see benchmarks/customs_bench.py).
K1 = 1.2
B = 0.75
FIELD_WEIGHTS = (1.0, 0.55, 0.3, 0.1)  # own description, heading, chapter, section
SYNONYM_WEIGHT = 0.8  # weight of a term that came from a synonym, not from the description
FEEDBACK_WEIGHT = 2.0  # a confirmed description with similarity s adds 2*s times the best score
FEEDBACK_MIN_SIMILARITY = 0.3

STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "other",
        "others",
        "per",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "these",
        "this",
        "those",
        "thereof",
        "therefor",
        "to",
        "with",
        "without",
        "whether",
        "not",
        "nor",
        "n.e.c",
        "nec",
        "excluding",
        "including",
        "kind",
        "kinds",
        "type",
        "types",
        "used",
        "use",
        "item",
        "items",
        "heading",
        "headings",
        "subheading",
        "chapter",
        "no",
        "pcs",
        "pc",
        "set",
        "sets",
        "assorted",
        "new",
        "various",
        "size",
        "sizes",
        "pack",
        "packs",
        "packed",
        "packing",
        "piece",
        "pieces",
        "unit",
        "units",
        "each",
        "carton",
        "cartons",
        "box",
        "boxes",
        "bag",
        "bags",
        "model",
    }
)
_IRREGULAR = {
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "knives": "knife",
    "leaves": "leaf",
    "shelves": "shelf",
    "halves": "half",
    "mice": "mouse",
    "geese": "goose",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stemmer: plural, -ing/-ed, -er, -al, -ly, final -e and -y, doubled consonants."""
    word = _IRREGULAR.get(word, word)
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and any(v in base for v in "aeiouy"):
            word = base
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    for suffix, minimum in (("ically", 4), ("ally", 4), ("ly", 4), ("er", 4), ("al", 5), ("ness", 4), ("ment", 5)):
        if word.endswith(suffix) and len(word) - len(suffix) >= minimum:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if word.endswith("y") and len(word) > 3:
        word = word[:-1] + "i"
    return word


def words(text: str) -> list[str]:
    """Lower-cased words of a text, hyphenated compounds joined ("T-shirt" -> "tshirt")."""
    return [token.replace("-", "") for token in _TOKEN.findall(text.lower())]


def tokens(text: str) -> list[str]:
    """The stemmed content words of a text, stop words and bare numbers dropped."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and not w.isdigit() and len(w) > 1]


def _read_synonyms() -> dict[str, str]:
    """Trade words as importers write them (`data/trade_synonyms.csv`), keyed like `words` splits a text."""
    text = (Path(__file__).parent / "data" / "trade_synonyms.csv").read_text(encoding="utf-8")
    return {" ".join(words(row["trade_words"])): row["nomenclature_words"] for row in csv.DictReader(io.StringIO(text))}


# Single words or two-word phrases of a description, mapped to the nomenclature's words; the expansion
# joins the query at SYNONYM_WEIGHT. Data, so an operator can extend it without a code change.
SYNONYMS: Mapping[str, str] = _read_synonyms()


@dataclass(frozen=True)
class NationalLine:
    """A national 10-digit tariff line, as the operator loads it."""

    code: str
    description: str
    effective_from: date


def load_national_lines(text: str) -> tuple[NationalLine, ...]:
    """Read national lines from CSV text with columns code, description, effective_from (YYYY-MM-DD)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"code", "description", "effective_from"} - set(reader.fieldnames or ())
    if missing:
        raise TariffTableError(f"missing columns: {', '.join(sorted(missing))}")
    lines: list[NationalLine] = []
    for number, row in enumerate(reader, start=2):
        code = row["code"].strip()
        if not re.fullmatch(r"\d{10}", code):
            raise TariffTableError(f"line {number}: code must be 10 digits, got {code!r}")
        try:
            effective_from = date.fromisoformat(row["effective_from"].strip())
        except ValueError:
            raise TariffTableError(f"line {number}: effective_from must be YYYY-MM-DD") from None
        lines.append(NationalLine(code, row["description"].strip(), effective_from))
    return tuple(lines)


@dataclass(frozen=True)
class NomenclatureEntry:
    code: str  # "I".."XXI" for a section, else 2, 4, 6 or 10 digits
    description: str
    parent: str | None  # the code of the entry above; None for a section


@dataclass(frozen=True)
class ConfirmedClassification:
    description: str
    code: str  # the code an operator of the tenant confirmed (6 or 10 digits)


@dataclass(frozen=True)
class TenantFeedback:
    """A tenant's confirmed (description -> code) choices; pure data the caller passes in."""

    confirmed: tuple[ConfirmedClassification, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    code: str
    description: str
    score: float
    reason: str


@dataclass(frozen=True)
class _Document:
    code: str
    terms: dict[str, float]  # weighted term frequency over the line and its path
    length: float


def _bm25_index(documents: Sequence[_Document]) -> tuple[dict[str, list[tuple[int, float]]], dict[str, float], float]:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for position, document in enumerate(documents):
        for term, frequency in document.terms.items():
            postings[term].append((position, frequency))
    count = len(documents)
    idf = {term: math.log(1 + (count - len(hits) + 0.5) / (len(hits) + 0.5)) for term, hits in postings.items()}
    average = sum(d.length for d in documents) / max(count, 1)
    return dict(postings), idf, average


def _weighted_terms(texts: Iterable[tuple[str, float]]) -> tuple[dict[str, float], float]:
    terms: dict[str, float] = defaultdict(float)
    length = 0.0
    for text, weight in texts:
        for token in tokens(text):
            terms[token] += weight
            length += weight
    return dict(terms), length


@dataclass(frozen=True)
class Classifier:
    """The nomenclature indexed for suggestions; build once (`default_classifier`), query many times."""

    entries: Mapping[str, NomenclatureEntry]
    lines: tuple[_Document, ...]
    line_index: tuple[dict[str, list[tuple[int, float]]], dict[str, float], float] = field(repr=False)

    @classmethod
    def build(cls, entries: Sequence[NomenclatureEntry]) -> Classifier:
        by_code = {entry.code: entry for entry in entries}
        parents_of = {entry.parent for entry in entries if entry.parent}
        leaf_codes = [e.code for e in entries if e.code.isdigit() and len(e.code) >= 6 and e.code not in parents_of]

        def path(code: str) -> list[NomenclatureEntry]:
            chain = []
            current: str | None = code
            while current is not None:
                chain.append(by_code[current])
                current = by_code[current].parent
            return chain  # the entry itself first, up to its section

        def document(code: str, levels: Sequence[float]) -> _Document:
            chain = path(code)
            terms, length = _weighted_terms(
                (entry.description, weight) for entry, weight in zip(chain, levels, strict=False)
            )
            return _Document(code, terms, length)

        line_weights = (FIELD_WEIGHTS[0], FIELD_WEIGHTS[0] * 0.6, *FIELD_WEIGHTS[1:])
        lines = tuple(document(code, line_weights if len(code) == 10 else FIELD_WEIGHTS) for code in leaf_codes)
        return cls(by_code, lines, _bm25_index(lines))

    def with_national_lines(self, national: Iterable[NationalLine], on: date) -> Classifier:
        """The nomenclature with the national lines in force on `on` under their subheadings."""
        entries = dict(self.entries)
        for line in national:
            if line.effective_from <= on and line.code[:6] in entries:
                entries[line.code] = NomenclatureEntry(line.code, line.description, line.code[:6])
        return Classifier.build(tuple(entries.values()))

    def path_text(self, code: str) -> str:
        chain = []
        current: str | None = code
        while current is not None and current in self.entries:
            entry = self.entries[current]
            text = entry.description if len(entry.description) <= 80 else entry.description[:77] + "..."
            chain.append(f"{entry.code} {text}")
            current = entry.parent
        return " > ".join(reversed(chain))

    def suggest(
        self, description: str, tenant_feedback: TenantFeedback | None = None, limit: int = 5
    ) -> list[Suggestion]:
        """Codes for a goods description, best first, each with its score and the reason."""
        query, sources = _query_terms(description)
        if not query:
            return []
        scores = {
            self.lines[position].code: score for position, score in _bm25(query, self.lines, self.line_index).items()
        }
        feedback_notes = self._apply_feedback(description, tenant_feedback, scores)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        return [
            Suggestion(
                code,
                self.entries[code].description,
                round(score, 4),
                _reason(query, sources, self._terms(code), self.path_text(code), feedback_notes.get(code)),
            )
            for code, score in ranked
        ]

    def _terms(self, code: str) -> Mapping[str, float]:
        return next((document.terms for document in self.lines if document.code == code), {})

    def _apply_feedback(
        self, description: str, feedback: TenantFeedback | None, scores: dict[str, float]
    ) -> dict[str, str]:
        if feedback is None or not feedback.confirmed:
            return {}
        query = set(tokens(description))
        best = max(scores.values(), default=1.0) or 1.0
        notes: dict[str, str] = {}
        boosts: dict[str, float] = defaultdict(float)
        for confirmed in feedback.confirmed:
            code = confirmed.code if confirmed.code in self.entries else confirmed.code[:6]
            if code not in self.entries:
                continue
            similarity = _similarity(query, set(tokens(confirmed.description)))
            if similarity < FEEDBACK_MIN_SIMILARITY:
                continue
            if similarity * FEEDBACK_WEIGHT * best > boosts[code]:
                boosts[code] = similarity * FEEDBACK_WEIGHT * best
                notes[code] = f'confirmed by your team for "{confirmed.description}" (similarity {similarity:.2f})'
        for code, boost in boosts.items():
            scores[code] = scores.get(code, 0.0) + boost
        return notes


def _similarity(left: set[str], right: set[str]) -> float:
    """Cosine similarity of two token sets."""
    if not left or not right:
        return 0.0
    return len(left & right) / math.sqrt(len(left) * len(right))


def _query_terms(description: str) -> tuple[dict[str, float], dict[str, str]]:
    """The weighted query (own terms at 1, synonym expansions at SYNONYM_WEIGHT) and each expansion's source."""
    query: dict[str, float] = dict.fromkeys(tokens(description), 1.0)
    sources: dict[str, str] = {}
    raw = words(description)
    for phrase in [*raw, *(f"{a} {b}" for a, b in pairwise(raw))]:
        expansion = SYNONYMS.get(phrase)
        if expansion is None:
            continue
        for term in tokens(expansion):
            if query.get(term, 0.0) < SYNONYM_WEIGHT:
                query[term] = SYNONYM_WEIGHT
                sources[term] = phrase
    return query, sources


def _bm25(
    query: Mapping[str, float],
    documents: Sequence[_Document],
    index: tuple[dict[str, list[tuple[int, float]]], dict[str, float], float],
) -> dict[int, float]:
    postings, idf, average = index
    scores: dict[int, float] = defaultdict(float)
    for term, weight in query.items():
        for position, frequency in postings.get(term, ()):
            norm = K1 * (1 - B + B * documents[position].length / average)
            scores[position] += weight * idf[term] * frequency * (K1 + 1) / (frequency + norm)
    return dict(scores)


def _reason(
    query: Mapping[str, float],
    sources: Mapping[str, str],
    line_terms: Mapping[str, float],
    path: str,
    feedback: str | None,
) -> str:
    matched = sorted(term for term in query if term in line_terms)
    parts = [f"matched: {', '.join(t for t in matched if t not in sources) or '-'}"]
    via: dict[str, list[str]] = defaultdict(list)
    for term in matched:
        if term in sources:
            via[sources[term]].append(term)
    if via:
        parts.append("via trade synonyms: " + "; ".join(f"{word} -> {', '.join(terms)}" for word, terms in via.items()))
    if feedback:
        parts.append(feedback)
    parts.append(f"path: {path}")
    return "; ".join(parts)


def _read_nomenclature() -> tuple[NomenclatureEntry, ...]:
    sections = {
        row["section"]: row["name"]
        for row in csv.DictReader(io.StringIO((HS_DIR / "sections.csv").read_text(encoding="utf-8-sig")))
    }
    entries = [NomenclatureEntry(code, name.strip(), None) for code, name in sections.items()]
    text = (HS_DIR / "harmonized-system.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        if row["section"] == "TOTAL":  # the dataset's "not specified according to kind" pseudo-lines
            continue
        parent = row["section"] if row["parent"] == "TOTAL" else row["parent"]
        entries.append(NomenclatureEntry(row["hscode"], row["description"], parent))
    return tuple(entries)


@cache
def default_classifier() -> Classifier:
    """The shipped HS nomenclature, indexed once per process."""
    return Classifier.build(_read_nomenclature())


def suggest(description: str, tenant_feedback: TenantFeedback | None = None, limit: int = 5) -> list[Suggestion]:
    """Suggestions from the shipped HS nomenclature (see `Classifier.suggest`)."""
    return default_classifier().suggest(description, tenant_feedback, limit)


def record_confirmation(feedback: TenantFeedback, description: str, code: str) -> TenantFeedback:
    """The feedback with one more confirmed choice (the latest confirmation of a description wins)."""
    kept = tuple(c for c in feedback.confirmed if c.description.strip().lower() != description.strip().lower())
    return TenantFeedback((*kept, ConfirmedClassification(description, code)))


@dataclass(frozen=True)
class Accuracy:
    """Share of descriptions whose correct code is the first suggestion, or among the first three."""

    count: int
    top1_heading: float  # 4 digits
    top3_heading: float
    top1_subheading: float  # 6 digits
    top3_subheading: float


def labelled_examples() -> tuple[tuple[str, str], ...]:
    """The shipped (invoice description, correct 6-digit HS code) pairs."""
    text = (Path(__file__).parent / "data" / "classification_labelled.csv").read_text(encoding="utf-8")
    return tuple((row["description"], row["hs_code"]) for row in csv.DictReader(io.StringIO(text)))


def measure_accuracy(examples: Sequence[tuple[str, str]], classifier: Classifier | None = None) -> Accuracy:
    """Top-1 and top-3 accuracy at heading (4-digit) and subheading (6-digit) level."""
    chosen = classifier or default_classifier()
    hits = [0, 0, 0, 0]
    for description, expected in examples:
        codes = [s.code[:6] for s in chosen.suggest(description, limit=3)]
        headings = [code[:4] for code in codes]
        hits[0] += headings[:1] == [expected[:4]]
        hits[1] += expected[:4] in headings
        hits[2] += codes[:1] == [expected]
        hits[3] += expected in codes
    count = max(len(examples), 1)
    return Accuracy(len(examples), *(round(100 * h / count, 1) for h in hits))
