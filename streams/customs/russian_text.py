"""Russian goods text for classification: ё/е, invoice abbreviations, lemmas, and brand/model tokens to ignore.

Russian importers write descriptions like "Смартфон Samsung Galaxy A55 8/256GB, в т.ч. эл. зарядное устр-во".
Before such a text meets the nomenclature:
- `normalise`: lower case, ё -> е, the invoice abbreviations of `data/russian_abbreviations.csv` expanded
  ("эл." -> "электрический", "д/" -> "для", "в т.ч." -> nothing);
- `lemma`: each Cyrillic word reduced to its dictionary form with pymorphy3 (its dictionaries ship in the
  wheel), preferring a noun or adjective reading ("стали" -> "сталь", not "стать"); `snowball` is the
  Snowball stem, kept as the measured alternative (`benchmarks/customs_bench.py --compare`);
- `is_mark`: brand and model tokens, which must not match nomenclature words ("Core", "Galaxy", "Air",
  "A55", "i5", "256GB"): the brands and model words of `data/trade_marks.csv`, plus shape rules (Latin
  letters mixed with digits).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pymorphy3
import snowballstemmer

DATA_DIR = Path(__file__).parent / "data"

# Function words, units and invoice filler that say nothing about what the goods are.
STOP_WORDS = frozenset(
    [
        "а",
        "в",
        "во",
        "на",
        "по",
        "с",
        "со",
        "к",
        "ко",
        "о",
        "об",
        "от",
        "до",
        "из",
        "за",
        "при",
        "под",
        "над",
        "для",
        "без",
        "и",
        "или",
        "либо",
        "не",
        "ни",
        "но",
        "же",
        "ли",
        "как",
        "так",
        "что",
        "это",
        "этот",
        "тот",
        "та",
        "те",
        "то",
        "его",
        "ее",
        "их",
        "весь",
        "все",
        "всех",
        "всего",
        "также",
        "кроме",
        "т",
        "ч",
        "е",
        "др",
        "пр",
        "см",
        "прочий",
        "прочее",
        "прочие",
        "прочих",
        "остальной",
        "иной",
        "другой",
        "других",
        "который",
        "которые",
        "которых",
        "такой",
        "такие",
        "чем",
        "более",
        "менее",
        "не_более",
        "не_менее",
        "свыше",
        "выше",
        "ниже",
        "около",
        "примерно",
        "шт",
        "штука",
        "штук",
        "уп",
        "упак",
        "упаковка",
        "упаковке",
        "упаковках",
        "пачка",
        "пачке",
        "пачках",
        "кор",
        "партия",
        "партии",
        "кг",
        "г",
        "гр",
        "грамм",
        "килограмм",
        "л",
        "литр",
        "мл",
        "мм",
        "см",
        "м",
        "метр",
        "тонна",
        "кв",
        "куб",
        "квт",
        "вт",
        "ва",
        "мач",
        "кгс",
        "ед",
        "единица",
        "изделие",
        "изделия",
        "товар",
        "товары",
        "модель",
        "арт",
        "артикул",
        "код",
        "размер",
        "размеры",
        "цвет",
        "цвета",
        "новый",
        "новые",
        "различный",
        "различные",
        "ассорти",
        "ассортимент",
        "комплект",
        "комплекте",
        "комплекта",
        "позиция",
        "товарный",
        "группа",
        "субпозиция",
    ]
)
# Containers an invoice packs the goods in ("мешки по 25 кг"): goods words only as a description's first word.
PACKAGING_WORDS = frozenset(
    [
        "коробка",
        "короб",
        "ящик",
        "мешок",
        "пакет",
        "бутылка",
        "бут",
        "банка",
        "флакон",
        "туба",
        "ведро",
        "канистра",
        "бочка",
        "пачка",
        "лоток",
        "блок",
        "рулон",
        "кипа",
        "сетка",
        "стакан",
        "контейнер",
        "упаковка",
        "коробочка",
        "бокс",
        "пакетик",
        "стеклобанка",
        "дой-пак",
        "тетрапак",
        "тетра-пак",
        "box",
        "boxes",
        "bag",
        "bags",
        "carton",
        "cartons",
        "bottle",
        "bottles",
        "can",
        "cans",
        "jar",
        "jars",
        "drum",
        "drums",
        "pack",
        "packs",
    ]
)
# Words before a packaging word that make it packaging: "в коробках", "по 25 кг".
PACKED_IN_WORDS = frozenset({"в", "во", "по", "in"})
# Words after which a clause says what the goods are for or come with, not what they are: "для легковых
# автомобилей", "в комплекте с зарядным устройством".
PURPOSE_WORDS = frozenset({"для", "к", "под", "комплекте", "комплектом", "for"})

_MORPH: pymorphy3.MorphAnalyzer | None = None
_STEMMER = snowballstemmer.stemmer("russian")
_VERBAL = frozenset({"VERB", "INFN", "GRND"})
_NOMINAL = frozenset({"NOUN", "ADJF", "PRTF", "ADJS", "PRTS"})


def _morph() -> pymorphy3.MorphAnalyzer:
    global _MORPH
    if _MORPH is None:  # loaded on first use, once per process (about 0.2 s)
        _MORPH = pymorphy3.MorphAnalyzer()
    return _MORPH


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of a Russian word, a noun or adjective reading first; ё written as е."""
    parses = _morph().parse(word)
    chosen = parses[0]
    if chosen.tag.POS in _VERBAL:  # goods are named by nouns and adjectives: "стали" is steel, not "стать"
        chosen = next((p for p in parses if p.tag.POS in _NOMINAL), chosen)
    return str(chosen.normal_form).replace("ё", "е")


@lru_cache(maxsize=200_000)
def is_noun(word: str) -> bool:
    """Whether a Russian word's likeliest reading is a noun (English words are not judged: False)."""
    return not word.isascii() and _morph().parse(word)[0].tag.POS == "NOUN"


# A relational adjective's suffix and the noun endings to try on its stem: "стальной" -> "сталь",
# "гранитный" -> "гранит", "кожаный" -> "кожа", "алюминиевый" -> "алюминий", "керамический" -> "керамика".
_ADJECTIVE_SUFFIXES = (
    ("ический", ("ика", "ия")),
    ("иевый", ("ий", "ия")),
    ("евый", ("ь", "й", "")),
    ("овый", ("", "а", "о")),
    ("овой", ("", "а", "о")),
    ("янный", ("о", "ь", "")),
    ("яный", ("ь", "о", "а", "")),
    ("яной", ("ь", "о", "а", "")),
    ("аный", ("а", "")),
    ("ный", ("", "ь", "о", "а", "я", "ия")),
    ("ной", ("", "ь", "а", "о", "я")),
)
_ALTERNATIONS = {"ж": "г", "ч": "к", "ш": "х"}  # "бумажный" -> "бумага", "молочный" -> "молоко"


@lru_cache(maxsize=200_000)
def related_nouns(adjective: str) -> tuple[str, ...]:
    """The nouns a relational adjective (a lemma) may be made from, likeliest first; each a dictionary noun.

    The nomenclature names a material or a thing by its noun where an invoice writes the adjective ("проволока
    из нелегированной стали" for "проволока стальная"); the caller keeps those the nomenclature uses.
    """
    if adjective.isascii() or _morph().parse(adjective)[0].tag.POS != "ADJF":
        return ()
    found: list[str] = []
    for suffix, endings in _ADJECTIVE_SUFFIXES:
        if not adjective.endswith(suffix) or len(adjective) - len(suffix) < 3:
            continue
        stem = adjective[: -len(suffix)]
        stems = [stem, stem[:-1] + _ALTERNATIONS.get(stem[-1], stem[-1]), stem[:-1] + "о" + stem[-1]]
        for base in dict.fromkeys(stems):
            for ending in endings:
                noun = base + ending
                if noun not in found and any(
                    p.tag.POS == "NOUN" and p.normal_form == noun and p.is_known for p in _morph().parse(noun)
                ):
                    found.append(noun)
        break
    return tuple(found)


@lru_cache(maxsize=200_000)
def snowball(word: str) -> str:
    """The Snowball stem of a Russian word (the same stemmer as Postgres' `russian` text search)."""
    return str(_STEMMER.stemWord(word))


def _read_abbreviations() -> tuple[re.Pattern[str], Mapping[str, str]]:
    text = (DATA_DIR / "russian_abbreviations.csv").read_text(encoding="utf-8")
    expansions = {
        row["abbreviation"].strip().lower().replace("ё", "е"): f" {row['expansion'].strip()} "
        for row in csv.DictReader(io.StringIO(text))
    }
    # Longest first, so "в т.ч." is taken before "т.ч."; an abbreviation stands alone: not glued to a letter or
    # digit before it, nor (if it ends in a letter) to a letter after it.
    alternatives = (
        re.escape(written) + (r"(?![a-zа-я])" if written[-1].isalpha() else "")
        for written in sorted(expansions, key=len, reverse=True)
    )
    return re.compile(r"(?<![a-zа-я0-9])(?:" + "|".join(alternatives) + ")"), expansions


ABBREVIATIONS, _EXPANSIONS = _read_abbreviations()


@lru_cache(maxsize=65_536)
def normalise(text: str) -> str:
    """Lower case, ё as е, invoice abbreviations written out."""
    lowered = text.lower().replace("ё", "е")
    if "." not in lowered and "/" not in lowered and "-" not in lowered:
        return lowered
    return ABBREVIATIONS.sub(lambda match: _EXPANSIONS[match.group(0)], lowered)


def has_cyrillic(text: str) -> bool:
    return re.search(r"[А-Яа-яЁё]", text) is not None


def _read_marks() -> Mapping[str, str]:
    text = (DATA_DIR / "trade_marks.csv").read_text(encoding="utf-8")
    return {row["word"].strip().lower(): row["kind"].strip() for row in csv.DictReader(io.StringIO(text))}


# word -> "brand" (always a name, never goods) or "model" (a model word: goods only in plain English text).
TRADE_MARKS: Mapping[str, str] = _read_marks()
_MIXED = re.compile(r"(?=.*[a-z])(?=.*\d)[a-z0-9]+", re.IGNORECASE)


def marks_in(text: str) -> frozenset[str]:
    """The lower-cased Latin tokens of a description that are brands or model designations, not goods words.

    A token is a mark when it is a listed brand; when it is a listed model word and the text is Russian or
    names a brand ("Intel Core i5"); or by shape: Latin letters mixed with digits ("A55", "i5", "256GB").
    """
    latin = re.findall(r"[A-Za-z0-9]+", text)
    lowered = [token.lower() for token in latin]
    branded = has_cyrillic(text) or any(TRADE_MARKS.get(token) == "brand" for token in lowered)
    marks = set()
    for written, token in zip(latin, lowered, strict=True):
        kind = TRADE_MARKS.get(token)
        if (
            (kind == "brand" and (has_cyrillic(text) or written[0].isupper()))
            or (kind == "model" and branded)
            or _MIXED.fullmatch(token)
        ):
            marks.add(token)
    return frozenset(marks)
