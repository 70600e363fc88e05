"""HS classification: suggest commodity codes for a goods description, best first, with the reason.

The nomenclature (`nomenclature.py`) is the Harmonized System in English beside the EAEU ТН ВЭД in Russian:
Russian names of sections, chapters and headings, and the 12,715 national 10-digit lines, built in; an
operator may load more national lines (`load_national_lines`: code, description, effective_from); a
subheading with national lines in force is replaced by them.

Ranking, all pure functions over immutable data:
- tokens: English words lower-cased, hyphenated compounds joined ("T-shirt" -> "tshirt"), stop words dropped,
  each reduced by a small English suffix stemmer (`stem`); Russian words normalised (ё, invoice
  abbreviations) and lemmatised (`russian_text`), so "knitted"/"knits" and "зёрнах"/"зерна" meet;
- brand and model tokens of the description ("Samsung", "Galaxy", "Core", "A55") are ignored (`marks_in`);
- the query is expanded with trade synonyms (`SYNONYMS`: the words importers write on invoices mapped to the
  nomenclature's words, e.g. "laptop" -> "portable automatic data processing machine", "смартфон" ->
  "телефон сотовый"), at a lower weight than the words actually written;
- BM25 over the candidate lines, each line's text being its own description plus its parents' text at
  decreasing weights (heading, chapter, section), in both languages;
- a per-tenant feedback boost: descriptions an operator of the tenant confirmed with a code
  (`TenantFeedback`) lift that code for later, similar descriptions, in proportion to the similarity.

Every `Suggestion` explains itself: the matched terms, the path section > chapter > heading > line, the
Russian and English names of its heading and line, the chapter note that decides between the competing
headings where one does, and whether it is `confident`: a best match that covers less than
`CONFIDENT_MATCH_SHARE` of the description is flagged, since a confident wrong heading is worse than none.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

from streams.customs.duty_tables import TariffTableError
from streams.customs.nomenclature import NomenclatureEntry, deciding_note, read_nomenclature
from streams.customs.russian_text import (
    PACKAGING_WORDS,
    PACKED_IN_WORDS,
    PURPOSE_WORDS,
    is_noun,
    lemma,
    marks_in,
    normalise,
    related_nouns,
)
from streams.customs.russian_text import STOP_WORDS as RUSSIAN_STOP_WORDS

DATA_DIR = Path(__file__).parent / "data"

# BM25 and field weights, tuned on the tuning part of data/classification_labelled*.csv (benchmarks/customs_bench.py).
K1 = 1.2
B = 0.75
FIELD_WEIGHTS = (1.0, 0.55, 0.3, 0.1)  # own description, heading, chapter, section
LINE_PARENT_SHARE = 0.6  # a national line: weight of its subheading's text, and of the lines above it
SYNONYM_WEIGHT = 1.2  # a synonym names the goods in the nomenclature's own words: weigh it above the written word
PURPOSE_WEIGHT = 0.5  # weight of the words after "для"/"for": what the goods are for, not what they are
HEAD_NOUN_WEIGHT = 1.5  # weight of a Russian description's first noun, which names the goods
GOODS_MISSED_SHARE = 0.7  # a line that names neither the first noun nor its synonyms keeps this share of its score
RELATED_NOUN_WEIGHT = 0.8  # "стальная" also asks for "сталь", the noun the nomenclature names the material by
FEEDBACK_WEIGHT = 2.0  # a confirmed description with similarity s adds 2*s times the best score
FEEDBACK_MIN_SIMILARITY = 0.3
CONFIDENT_MATCH_SHARE = 0.5  # chosen on the tuning set: see benchmarks/customs_bench.py

RussianForm = Callable[[str], str]  # a Russian word -> the form both query and nomenclature are indexed by

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
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[а-я]+")


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
    """Lower-cased words of a text (ё as е, Russian abbreviations written out), English compounds joined."""
    return [token.replace("-", "") for token in _TOKEN.findall(normalise(text))]


def tokens(text: str, russian: RussianForm = lemma, marks: frozenset[str] = frozenset()) -> list[str]:
    """The content words of a text, stemmed (English) or lemmatised (Russian); stop words, numbers, `marks` dropped."""
    return [t for t in _tokens(text, russian) if t not in marks] if marks else list(_tokens(text, russian))


@lru_cache(maxsize=131_072)
def _tokens(text: str, russian: RussianForm) -> tuple[str, ...]:
    found = []
    for word in words(text):
        if len(word) < 2 or word.isdigit():
            continue
        if "a" <= word[0] <= "z" or word[0].isdigit():
            if word not in STOP_WORDS:
                found.append(stem(word))
        elif word not in RUSSIAN_STOP_WORDS:
            form = russian(word)
            if form not in RUSSIAN_STOP_WORDS:
                found.append(form)
    return tuple(found)


def _synonym_key(text: str) -> str:
    """A phrase as `SYNONYMS` is keyed: English words as written, Russian words by their lemma."""
    return " ".join(word if word.isascii() else lemma(word) for word in words(text))


def _read_synonyms() -> dict[str, str]:
    """Trade words as importers write them (`data/trade_synonyms*.csv`), keyed by `_synonym_key`."""
    synonyms: dict[str, str] = {}
    for path in sorted(DATA_DIR.glob("trade_synonyms*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            synonyms[_synonym_key(row["trade_words"])] = row["nomenclature_words"]
    return synonyms


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
    confident: bool = True  # False: the best match covers too little of the description to be relied on
    heading: str = ""
    heading_name_ru: str = ""  # the ТН ВЭД name; empty for the few headings the Russian source lacks
    heading_name_en: str = ""
    subheading_name_en: str = ""  # the 6-digit HS text
    line_name_ru: str = ""  # a 10-digit national line: its name, after the names of the lines above it
    chapter_note: str | None = None  # the chapter note paragraph that decides between the suggested headings

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Document:
    code: str
    terms: dict[str, float]  # weighted term frequency over the line and its path
    lengths: tuple[float, float]  # weighted count of English and of Russian terms: each language is its own field


_Index = tuple[dict[str, list[tuple[int, float]]], dict[str, float], tuple[float, float]]


def _language(term: str) -> int:
    """0 for an English (Latin) term, 1 for a Russian one: the index into `_Document.lengths`."""
    return 0 if term.isascii() else 1


def _bm25_index(documents: Sequence[_Document]) -> _Index:
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for position, document in enumerate(documents):
        for term, frequency in document.terms.items():
            postings[term].append((position, frequency))
    count = len(documents)
    idf = {term: math.log(1 + (count - len(hits) + 0.5) / (len(hits) + 0.5)) for term, hits in postings.items()}
    averages = (
        sum(d.lengths[0] for d in documents) / max(count, 1),
        sum(d.lengths[1] for d in documents) / max(count, 1) or 1.0,
    )
    return dict(postings), idf, averages


def _weighted_terms(
    texts: Iterable[tuple[str, float]], russian: RussianForm
) -> tuple[dict[str, float], tuple[float, float]]:
    terms: dict[str, float] = defaultdict(float)
    lengths = [0.0, 0.0]
    for text, weight in texts:
        for part, share in zip(_goods_and_purpose(text), (1.0, PURPOSE_WEIGHT), strict=True):
            for token in _tokens(part, russian):
                terms[token] += weight * share
                lengths[_language(token)] += weight * share
    return dict(terms), (lengths[0], lengths[1])


_PURPOSE = re.compile(r"\b(?:" + "|".join(sorted(PURPOSE_WORDS)) + r")\b[^;)]*", re.IGNORECASE)
_EXCLUDED = re.compile(r"\b(?:кроме|исключением|other than|excluding|except)\b[^,;()]*", re.IGNORECASE)


@lru_cache(maxsize=131_072)
def _goods_and_purpose(text: str) -> tuple[str, str]:
    """A text's words that say what goods are, and those after "для"/"for" in a clause, which say what for.

    The nomenclature's "инструменты сменные ... для станков" is not a machine tool, as an invoice's "трубы для
    кондиционеров" is not an air conditioner: both sides weigh the purpose words at PURPOSE_WEIGHT. Words after
    "кроме"/"other than" name what a heading leaves out ("... кроме токарных станков"): they are dropped.
    """
    text = _EXCLUDED.sub(" ", text)
    purpose = [match.group(0) for match in _PURPOSE.finditer(text)]
    return (_PURPOSE.sub(" ", text), " ".join(purpose)) if purpose else (text, "")


def _texts(entry: NomenclatureEntry, weight: float, context_weight: float) -> Iterator[tuple[str, float]]:
    """An entry's indexed texts: its English and Russian names, and a national line's context."""
    yield entry.description, weight
    if entry.name_ru and entry.name_ru != entry.description:
        yield entry.name_ru, weight
    if entry.context_ru:
        yield entry.context_ru, context_weight


@dataclass(frozen=True)
class Classifier:
    """The nomenclature indexed for suggestions; build once (`default_classifier`), query many times."""

    entries: Mapping[str, NomenclatureEntry]
    lines: tuple[_Document, ...]
    line_index: _Index = field(repr=False)
    russian: RussianForm = field(default=lemma, repr=False)
    positions: Mapping[str, int] = field(default_factory=dict, repr=False)  # line code -> index in `lines`

    @classmethod
    def build(cls, entries: Sequence[NomenclatureEntry], russian: RussianForm = lemma) -> Classifier:
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

        def document(code: str) -> _Document:
            chain = path(code)
            levels: tuple[float, ...] = FIELD_WEIGHTS
            if len(code) == 10:
                # A ТН ВЭД line's only English text is its subheading's: weigh that as its own description.
                parent_weight = FIELD_WEIGHTS[0] if chain[0].name_ru else FIELD_WEIGHTS[0] * LINE_PARENT_SHARE
                levels = (FIELD_WEIGHTS[0], parent_weight, *FIELD_WEIGHTS[1:])
            texts = (
                text
                for entry, weight in zip(chain, levels, strict=False)
                for text in _texts(entry, weight, FIELD_WEIGHTS[0] * LINE_PARENT_SHARE)
            )
            terms, lengths = _weighted_terms(texts, russian)
            return _Document(code, terms, lengths)

        lines = tuple(document(code) for code in leaf_codes)
        positions = {document.code: position for position, document in enumerate(lines)}
        return cls(by_code, lines, _bm25_index(lines), russian, positions)

    def with_national_lines(self, national: Iterable[NationalLine], on: date) -> Classifier:
        """The nomenclature with the national lines in force on `on` under their subheadings."""
        entries = dict(self.entries)
        for line in national:
            if line.effective_from <= on and line.code[:6] in entries:
                entries[line.code] = NomenclatureEntry(line.code, line.description, line.code[:6])
        return Classifier.build(tuple(entries.values()), self.russian)

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
        """Codes for a goods description, best first, each with its score, the reason and the names."""
        marks = marks_in(description)
        query, sources, goods = _query_terms(description, self.russian, marks, self.line_index[1])
        if not query:
            return []
        scores = {
            self.lines[position].code: score
            if not goods or not goods.isdisjoint(self.lines[position].terms)
            else score * GOODS_MISSED_SHARE
            for position, score in _bm25(query, self.lines, self.line_index).items()
        }
        feedback_notes = self._apply_feedback(description, tenant_feedback, scores)
        ranked = _best_per_subheading(scores)[:limit]
        headings = frozenset(code[:4] for code, _ in ranked)
        suggestions = []
        for code, score in ranked:
            terms = self._terms(code)
            share = self.match_share(query, terms)
            confident = share >= CONFIDENT_MATCH_SHARE or code in feedback_notes
            reason = _reason(query, sources, terms, self.path_text(code), feedback_notes.get(code), marks)
            if not confident:
                reason = f"low confidence: the best match covers {share:.0%} of the description; {reason}"
            suggestions.append(self._suggestion(code, score, reason, confident, headings - {code[:4]}))
        return suggestions

    def best_match(self, description: str) -> tuple[str, float]:
        """The first suggestion's code ("" if none) and the share of the description it matches."""
        suggestions = self.suggest(description, limit=1)
        if not suggestions:
            return "", 0.0
        query, _, _ = _query_terms(description, self.russian, marks_in(description), self.line_index[1])
        return suggestions[0].code, self.match_share(query, self._terms(suggestions[0].code))

    def match_share(self, query: Mapping[str, float], terms: Mapping[str, float]) -> float:
        """The share of the query's weight (by idf; unknown words count most) that a line's text matches."""
        _, idf, _ = self.line_index
        unknown = max(idf.values(), default=1.0)
        total = sum(weight * idf.get(term, unknown) for term, weight in query.items())
        matched = sum(weight * idf[term] for term, weight in query.items() if term in terms)
        return matched / total if total else 0.0

    def _suggestion(
        self, code: str, score: float, reason: str, confident: bool, competitors: frozenset[str]
    ) -> Suggestion:
        heading = self.entries.get(code[:4])
        subheading = self.entries.get(code[:6])
        line = self.entries[code] if len(code) == 10 else None
        line_name = "; ".join(t for t in (line.context_ru, line.name_ru) if t) if line is not None else ""
        note = deciding_note(code[:2], code[:4], competitors) if competitors else None
        return Suggestion(
            code,
            self.entries[code].description,
            round(score, 4),
            reason,
            confident,
            code[:4],
            heading.name_ru if heading else "",
            heading.description if heading else "",
            subheading.description if subheading else "",
            line_name,
            note if note is None or len(note) <= 700 else note[:697] + "...",
        )

    def _terms(self, code: str) -> Mapping[str, float]:
        position = self.positions.get(code)
        return self.lines[position].terms if position is not None else {}

    def _apply_feedback(
        self, description: str, feedback: TenantFeedback | None, scores: dict[str, float]
    ) -> dict[str, str]:
        if feedback is None or not feedback.confirmed:
            return {}
        query = set(tokens(description, self.russian))
        best = max(scores.values(), default=1.0) or 1.0
        notes: dict[str, str] = {}
        boosts: dict[str, float] = defaultdict(float)
        for confirmed in feedback.confirmed:
            code = confirmed.code if confirmed.code in self.entries else confirmed.code[:6]
            if code not in self.entries:
                continue
            similarity = _similarity(query, set(tokens(confirmed.description, self.russian)))
            if similarity < FEEDBACK_MIN_SIMILARITY:
                continue
            if similarity * FEEDBACK_WEIGHT * best > boosts[code]:
                boosts[code] = similarity * FEEDBACK_WEIGHT * best
                notes[code] = f'confirmed by your team for "{confirmed.description}" (similarity {similarity:.2f})'
        for code, boost in boosts.items():
            scores[code] = scores.get(code, 0.0) + boost
        return notes


def _best_per_subheading(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Codes best first, only the best national line of each subheading: siblings share most of their text, and
    a second line of the same subheading would push a different subheading out of the first suggestions."""
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    seen: set[str] = set()
    kept = []
    for code, score in ranked:
        if code[:6] not in seen:
            seen.add(code[:6])
            kept.append((code, score))
    return kept


def _similarity(left: set[str], right: set[str]) -> float:
    """Cosine similarity of two token sets."""
    if not left or not right:
        return 0.0
    return len(left & right) / math.sqrt(len(left) * len(right))


def _query_terms(
    description: str, russian: RussianForm, marks: frozenset[str], vocabulary: Container[str] = frozenset()
) -> tuple[dict[str, float], dict[str, str], frozenset[str]]:
    """The weighted query, each synonym expansion's source, and the goods terms: the first noun's and its synonyms'.

    A written word weighs 1; a word after "для"/"for" in the same clause (what the goods are for, not what
    they are: "колодки тормозные для легковых автомобилей") weighs PURPOSE_WEIGHT; a Russian description's
    first noun weighs HEAD_NOUN_WEIGHT; a packaging word ("мешки", "коробка") counts only in the first clause
    and not after "в"/"по" ("в коробках"), where it is the goods themselves; synonym expansions weigh
    SYNONYM_WEIGHT times the weight of the words they came from. A line matching none of the goods terms is
    about something the goods are for or made of ("трубы медные для кондиционеров" is not an air conditioner):
    `suggest` keeps GOODS_MISSED_SHARE of its score. A relational adjective also asks, at
    RELATED_NOUN_WEIGHT, for the first noun it is made from that the nomenclature (`vocabulary`) uses.
    """
    query: dict[str, float] = {}
    sources: dict[str, str] = {}
    head_noun_seen = False
    head = ""  # the first noun's key, as SYNONYMS is keyed
    goods: set[str] = set()
    for number, clause in enumerate(re.split(r"[,;()]", description)):
        weight = 1.0
        keyed: list[tuple[str, float]] = []  # the clause's words as SYNONYMS is keyed, with their weights
        previous = ""
        for word in words(clause):
            if word in PURPOSE_WORDS:
                weight = PURPOSE_WEIGHT
            key = word if word.isascii() else lemma(word)
            packed = key in PACKAGING_WORDS and (number > 0 or previous in PACKED_IN_WORDS)
            previous = word
            if word in marks or packed:
                continue
            keyed.append((key, weight))
            word_weight = weight
            if not head_noun_seen and is_noun(word):  # the first noun names the goods: "томаты свежие красные"
                head_noun_seen = True
                word_weight = weight * HEAD_NOUN_WEIGHT
                head = key
                goods.update(_tokens(word, russian))
            for term in _tokens(word, russian):
                query[term] = max(query.get(term, 0.0), word_weight)
            related = next((russian(n) for n in related_nouns(key) if russian(n) in vocabulary), None)
            if related is not None and query.get(related, 0.0) < RELATED_NOUN_WEIGHT * word_weight:
                query[related] = RELATED_NOUN_WEIGHT * word_weight
        # Russian word order is free ("порошок стиральный" is "стиральный порошок", "ремень мужской кожаный" a
        # "ремень кожаный"): any two words of a clause are looked up, both ways.
        pairs = [(f"{a} {b}", f"{b} {a}", min(x, y)) for (a, x), (b, y) in combinations(keyed, 2)]
        phrases = [*((key, key, weight) for key, weight in keyed), *pairs]
        for phrase, reversed_phrase, phrase_weight in phrases:
            expansion = SYNONYMS.get(phrase) or SYNONYMS.get(reversed_phrase)
            if expansion is None:
                continue
            if head and head in phrase.split(" "):
                goods.update(tokens(_goods_and_purpose(expansion)[0], russian))
            for term in tokens(expansion, russian):
                if query.get(term, 0.0) < SYNONYM_WEIGHT * phrase_weight:
                    query[term] = SYNONYM_WEIGHT * phrase_weight
                    sources[term] = phrase
    return query, sources, frozenset(goods)


def _bm25(query: Mapping[str, float], documents: Sequence[_Document], index: _Index) -> dict[int, float]:
    postings, idf, averages = index
    scores: dict[int, float] = defaultdict(float)
    for term, weight in query.items():
        language = _language(term)
        average = averages[language]
        for position, frequency in postings.get(term, ()):
            norm = K1 * (1 - B + B * documents[position].lengths[language] / average)
            scores[position] += weight * idf[term] * frequency * (K1 + 1) / (frequency + norm)
    return dict(scores)


def _reason(
    query: Mapping[str, float],
    sources: Mapping[str, str],
    line_terms: Mapping[str, float],
    path: str,
    feedback: str | None,
    marks: frozenset[str],
) -> str:
    matched = sorted(term for term in query if term in line_terms)
    parts = [f"matched: {', '.join(t for t in matched if t not in sources) or '-'}"]
    via: dict[str, list[str]] = defaultdict(list)
    for term in matched:
        if term in sources:
            via[sources[term]].append(term)
    if via:
        parts.append("via trade synonyms: " + "; ".join(f"{word} -> {', '.join(terms)}" for word, terms in via.items()))
    if marks:
        parts.append(f"ignored as brand or model: {', '.join(sorted(marks))}")
    if feedback:
        parts.append(feedback)
    parts.append(f"path: {path}")
    return "; ".join(parts)


@cache
def default_classifier() -> Classifier:
    """The shipped nomenclature (HS, ТН ВЭД names and national lines), indexed once per process."""
    return Classifier.build(read_nomenclature())


def suggest(description: str, tenant_feedback: TenantFeedback | None = None, limit: int = 5) -> list[Suggestion]:
    """Suggestions from the shipped nomenclature (see `Classifier.suggest`)."""
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
    lines: int = 0  # descriptions labelled with a 10-digit line
    top1_line: float = 0.0
    top3_line: float = 0.0
    confident_share: float = 0.0  # share of descriptions whose first suggestion is confident
    confident_top1_heading: float = 0.0  # top-1 at 4 digits among those


def labelled_examples(language: str = "en") -> tuple[tuple[str, str], ...]:
    """The shipped (invoice description, correct code) pairs in a language ("en", "ru"); codes of 4, 6 or 10 digits."""
    examples = []
    for path in sorted(DATA_DIR.glob("classification_labelled*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            if row["language"] == language:
                examples.append((row["description"], row["hs_code"]))
    return tuple(examples)


def split_for_tuning(
    examples: Sequence[tuple[str, str]],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The tuning part (two of every three examples) and the held-out part (every third), fixed by position."""
    return tuple(e for i, e in enumerate(examples) if i % 3 != 2), tuple(
        e for i, e in enumerate(examples) if i % 3 == 2
    )


def measure_accuracy(examples: Sequence[tuple[str, str]], classifier: Classifier | None = None) -> Accuracy:
    """Top-1 and top-3 accuracy at heading (4), subheading (6) and, where labelled, national line (10 digits)."""
    chosen = classifier or default_classifier()
    hits = [0] * 8
    confident = 0
    for description, expected in examples:
        suggestions = chosen.suggest(description, limit=3)
        codes = [s.code for s in suggestions]
        for level, (top1, top3) in zip((4, 6, 10), ((0, 1), (2, 3), (4, 5)), strict=True):
            if len(expected) < level:
                continue
            prefixes = [code[:level] for code in codes]
            hits[top1] += prefixes[:1] == [expected[:level]]
            hits[top3] += expected[:level] in prefixes
        if suggestions and suggestions[0].confident:
            confident += 1
            hits[6] += codes[0][:4] == expected[:4]
    count = max(len(examples), 1)
    at6 = max(sum(len(code) >= 6 for _, code in examples), 1)
    lines = sum(len(code) == 10 for _, code in examples)

    def share(hit: int, of: int) -> float:
        return round(100 * hit / max(of, 1), 1)

    return Accuracy(
        len(examples),
        share(hits[0], count),
        share(hits[1], count),
        share(hits[2], at6),
        share(hits[3], at6),
        lines,
        share(hits[4], lines),
        share(hits[5], lines),
        share(confident, count),
        share(hits[6], confident),
    )
