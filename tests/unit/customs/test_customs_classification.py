"""HS classification: ranking quality per language on the labelled sets, reasons, Russian text, confidence, notes."""

import csv
import io
from collections import Counter
from datetime import date

import pytest

from streams.customs.classification import (
    TenantFeedback,
    default_classifier,
    labelled_examples,
    load_national_lines,
    measure_accuracy,
    record_confirmation,
    split_for_tuning,
    stem,
    suggest,
    tokens,
)
from streams.customs.nomenclature import TNVED_DIR as TNVED
from streams.customs.nomenclature import deciding_note, headings_cited
from streams.customs.russian_text import lemma, marks_in, normalise, related_nouns

# Measured on data/classification_labelled*.csv when this was written (`python -m benchmarks.customs_bench
# accuracy`, the "all" rows): top-1/top-3 at 4 digits, at 6 digits and, where the label has 10, at 10 digits.
# Before the Russian nomenclature was added English stood at 83.5/92.9 (4) and 63.4/86.3 (6); Russian stood at
# 76.9/87.2 (4) and 56.3/78.5 (6) before the heading supplement and the ranking changes of issue 9 (second pass).
# A drop of more than MARGIN points below these figures fails.
MARGIN = 3.0
COMMITTED = {
    "en": {"top1_heading": 85.1, "top3_heading": 92.5, "top1_subheading": 66.8, "top3_subheading": 88.8},
    "ru": {
        "top1_heading": 85.1,
        "top3_heading": 92.5,
        "top1_subheading": 65.2,
        "top3_subheading": 83.4,
        "top1_line": 62.5,
        "top3_line": 87.5,
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_labelled_set_covers_every_section(language: str) -> None:
    examples = labelled_examples(language)
    assert len(examples) >= {"en": 200, "ru": 300}[language]
    classifier = default_classifier()
    assert all(code in classifier.entries for _, code in examples)  # every label is a real code
    sections = Counter(classifier.path_text(code).split(" ", 1)[0] for _, code in examples)
    assert len(sections) == 21


@pytest.mark.parametrize("language", ["en", "ru"])
def test_accuracy_does_not_regress(language: str) -> None:
    accuracy = measure_accuracy(labelled_examples(language))
    for figure, committed in COMMITTED[language].items():
        assert getattr(accuracy, figure) >= committed - MARGIN, figure


def test_the_held_out_part_is_every_third_example() -> None:
    examples = labelled_examples("ru")
    tuning, held_out = split_for_tuning(examples)
    assert len(tuning) + len(held_out) == len(examples) and held_out[0] == examples[2]
    assert not set(tuning) & set(held_out)


def test_stemming_meets_word_forms() -> None:
    assert stem("knitted") == stem("knit") == stem("knits")
    assert stem("batteries") == stem("battery")
    assert stem("machines") == stem("machine")
    assert stem("women") == stem("woman")
    assert tokens("Men's T-shirts, 100% cotton") == ["man", "tshirt", "cotton"]


def test_russian_words_meet_their_dictionary_form_with_yo_as_ye() -> None:
    assert lemma("зёрнах") == lemma("зерна") == "зерно"
    assert lemma("стали") == "сталь"  # the noun, not the verb "стать"
    assert tokens("Кофе жареный в зёрнах, 1 кг") == ["кофе", "жареный", "зерно"]  # units, numbers, "в" dropped


def test_invoice_abbreviations_are_written_out() -> None:
    assert normalise("Чайник эл. д/кухни, в т.ч. подставка").split() == [
        "чайник",
        "электрический",
        "для",
        "кухни,",
        "подставка",
    ]
    assert "хлопчатобумажный" in normalise("Перчатки х/б")


def test_brand_and_model_tokens_are_marks_not_goods() -> None:
    assert marks_in("Ноутбук Lenovo IdeaPad 5 Intel Core i5 16GB") == {
        "lenovo",
        "ideapad",
        "intel",
        "core",
        "i5",
        "16gb",
    }
    assert marks_in("Смартфон Samsung Galaxy A55 8/256GB") == {"samsung", "galaxy", "a55", "256gb"}
    # Latin trade words inside Russian text, and plain English goods words, stay.
    assert marks_in("Масло оливковое Extra Virgin, 500 мл") == frozenset()
    assert marks_in("Fresh apples, air dried") == frozenset()


def test_a_laptop_with_an_intel_core_is_not_a_foundry_core() -> None:
    suggestions = suggest("Ноутбук Lenovo IdeaPad 5 Intel Core i5 16GB", limit=3)
    assert suggestions[0].code == "8471300000"
    assert all(not s.code.startswith("3824") for s in suggestions)
    assert "ignored as brand or model: " in suggestions[0].reason and "core" in suggestions[0].reason


@pytest.mark.parametrize(
    ("description", "heading"),
    [
        ("Смартфон Samsung Galaxy A55 8/256GB, в комплекте с зарядным устройством", "8517"),
        ("Шины пневматические для легковых автомобилей R17", "4011"),
        ("Кофе жареный в зёрнах, 1 кг", "0901"),
        ("Масло оливковое Extra Virgin, стеклянная бутылка 500 мл", "1509"),
    ],
)
def test_russian_invoice_descriptions_find_their_heading_with_its_russian_name(description: str, heading: str) -> None:
    suggestions = suggest(description, limit=3)
    assert heading in [s.heading for s in suggestions]
    found = next(s for s in suggestions if s.heading == heading)
    assert found.heading_name_ru and found.heading_name_ru != found.heading_name_en
    assert found.heading_name_en == default_classifier().entries[heading].description


def test_a_national_line_carries_its_russian_name_and_its_subheadings_english_one() -> None:
    best = suggest("Смартфон Apple iPhone 15 Pro 128GB", limit=1)[0]
    assert best.code == "8517130000"
    assert best.line_name_ru == "смартфоны" and "smartphones" in best.subheading_name_en.lower()


def test_a_heading_the_russian_source_lacks_is_found_by_its_supplementary_russian_name() -> None:
    best = suggest("Какао-бобы сырые необжаренные", limit=1)[0]
    assert best.code == "180100" and best.heading_name_ru.startswith("Какао-бобы")
    assert "cocoa" in best.heading_name_en.lower()
    # Only the heading words meet here: "гвозди" is in no line of the classifier files, only in the supplement.
    assert "7317" in [s.heading for s in suggest("Гвозди строительные 100 мм", limit=3)]


def test_the_supplement_names_only_headings_the_source_lacks() -> None:
    source = {row["heading"] for row in csv.DictReader(io.StringIO((TNVED / "headings.csv").read_text("utf-8-sig")))}
    rows = list(csv.DictReader(io.StringIO((TNVED / "headings_supplement.csv").read_text("utf-8"))))
    assert rows and all(row["source"] == "supplement" and row["name"] for row in rows)
    assert not source & {row["heading"] for row in rows}
    entries = default_classifier().entries
    assert all(entries[row["heading"]].name_ru == row["name"] for row in rows if row["heading"] in entries)


def test_a_relational_adjective_also_asks_for_its_noun() -> None:
    assert related_nouns("стальной")[:1] == ("сталь",) and related_nouns("кожаный")[:1] == ("кожа",)
    assert related_nouns("алюминиевый")[:1] == ("алюминий",) and related_nouns("сталь") == ()
    # "тормозные" meets "тормоза" of 8708 (brakes as parts of motor vehicles), not only the cars of 8703.
    assert suggest("Колодки тормозные передние для легковых автомобилей", limit=1)[0].heading == "8708"


def test_a_two_word_trade_synonym_is_found_in_either_word_order() -> None:
    for description in ("Стиральный порошок, 3 кг", "Порошок стиральный, 3 кг"):
        assert suggest(description, limit=1)[0].heading == "3402", description


def test_nonsense_gets_no_confident_suggestion() -> None:
    assert suggest("Квазибульбатор фиолетовый xyz") == []
    weak = suggest("Квазибульбатор фиолетовый для гиперпространства, сорт 7")
    assert all(not s.confident and s.reason.startswith("low confidence") for s in weak)


def test_the_chapter_note_that_names_competing_headings_is_cited() -> None:
    assert headings_cited("товарной позиции 0712; 0701 - 0703; подсубпозиция 0811 90 110") == {
        "0712",
        "0701",
        "0702",
        "0703",
    }
    note = deciding_note("85", "8509", frozenset({"8516"}))
    assert note is not None and note.startswith("4.") and "8516" in note
    assert deciding_note("85", "8509", frozenset({"0101"})) is None
    suggestions = suggest("Печень говяжья замороженная", limit=3)
    cited = [s for s in suggestions if s.chapter_note]
    assert cited and all(set(headings_cited(s.chapter_note or "")) & {t.heading for t in suggestions} for s in cited)


def test_suggestions_are_ranked_and_explain_the_match_and_the_path() -> None:
    suggestions = suggest("Men's T-shirts of cotton, knitted", limit=3)
    best = suggestions[0]
    assert best.code.startswith("610910")
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    assert "matched:" in best.reason and "cotton" in best.reason and "tshirt" in best.reason
    assert "path: XI " in best.reason and "> 61 " in best.reason and "> 6109 " in best.reason
    assert len({s.code[:6] for s in suggestions}) == len(suggestions)  # one line per subheading


def test_trade_synonyms_reach_the_nomenclature_words() -> None:
    best = suggest("Laptop, 14 inch", limit=1)[0]
    assert best.code == "8471300000"
    assert "laptop -> " in best.reason
    assert "ноутбук -> " in suggest("Ноутбуки игровые", limit=1)[0].reason


def test_tenant_feedback_lifts_a_confirmed_code_for_similar_descriptions() -> None:
    description = "Mouse pad with cloth surface"
    assert suggest(description, limit=1)[0].code != "401699"
    feedback = record_confirmation(TenantFeedback(), "Gaming mouse pad, rubber base with cloth top", "401699")
    best = suggest(description, feedback, limit=1)[0]
    assert best.code == "401699"
    assert "confirmed by your team" in best.reason and best.confident
    # An unrelated description is not affected by that tenant's choice.
    assert suggest("Frozen cod fillets", feedback, limit=1)[0].code.startswith("030471")


def test_a_later_confirmation_of_the_same_description_replaces_the_earlier() -> None:
    feedback = record_confirmation(TenantFeedback(), "Mouse pad", "401699")
    feedback = record_confirmation(feedback, "mouse pad ", "392690")
    assert [c.code for c in feedback.confirmed] == ["392690"]


def test_national_lines_in_force_replace_their_subheading() -> None:
    lines = load_national_lines(
        "code,description,effective_from\n"
        "6109100000,T-shirts of cotton for babies and men,2022-01-01\n"
        "0101300000,Asses for the circus,2030-01-01\n"
    )
    classifier = default_classifier().with_national_lines(lines, date(2025, 3, 17))
    assert classifier.entries["6109100000"].description == "T-shirts of cotton for babies and men"
    assert classifier.suggest("cotton T-shirts, knitted", limit=1)[0].code == "6109100000"
    # A line not yet in force leaves the built-in line as it is.
    assert classifier.entries["0101300000"].name_ru == "ослы"
    assert "> 610910 " in classifier.path_text("6109100000")
