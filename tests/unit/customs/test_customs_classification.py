"""HS classification: ranking quality on the labelled set, reasons, tenant feedback, national lines."""

from collections import Counter
from datetime import date

from streams.customs.classification import (
    TenantFeedback,
    default_classifier,
    labelled_examples,
    load_national_lines,
    measure_accuracy,
    record_confirmation,
    stem,
    suggest,
    tokens,
)

# Measured on data/classification_labelled.csv when this was written: top-1/top-3 at 4 digits 83.5/92.9,
# at 6 digits 63.4/86.3 (`python -m benchmarks.customs_bench accuracy`). A regression below these
# levels minus a small margin fails.
MARGIN = 3.0


def test_the_labelled_set_covers_every_section_with_at_least_200_descriptions() -> None:
    examples = labelled_examples()
    assert len(examples) >= 200
    classifier = default_classifier()
    sections = Counter(classifier.path_text(code).split(" ", 1)[0] for _, code in examples)
    assert len(sections) == 21


def test_accuracy_does_not_regress() -> None:
    accuracy = measure_accuracy(labelled_examples())
    assert accuracy.top1_heading >= 83.5 - MARGIN
    assert accuracy.top3_heading >= 92.9 - MARGIN
    assert accuracy.top1_subheading >= 63.4 - MARGIN
    assert accuracy.top3_subheading >= 86.3 - MARGIN


def test_stemming_meets_word_forms() -> None:
    assert stem("knitted") == stem("knit") == stem("knits")
    assert stem("batteries") == stem("battery")
    assert stem("machines") == stem("machine")
    assert stem("women") == stem("woman")
    assert tokens("Men's T-shirts, 100% cotton") == ["man", "tshirt", "cotton"]


def test_suggestions_are_ranked_and_explain_the_match_and_the_path() -> None:
    suggestions = suggest("Men's T-shirts of cotton, knitted", limit=3)
    best = suggestions[0]
    assert best.code == "610910"
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    assert "matched:" in best.reason and "cotton" in best.reason and "tshirt" in best.reason
    assert "path: XI " in best.reason and "> 61 " in best.reason and "> 6109 " in best.reason


def test_trade_synonyms_reach_the_nomenclature_words() -> None:
    best = suggest("Laptop, 14 inch", limit=1)[0]
    assert best.code == "847130"
    assert "laptop -> " in best.reason


def test_tenant_feedback_lifts_a_confirmed_code_for_similar_descriptions() -> None:
    description = "Mouse pad with cloth surface"
    assert suggest(description, limit=1)[0].code != "401699"
    feedback = record_confirmation(TenantFeedback(), "Gaming mouse pad, rubber base with cloth top", "401699")
    best = suggest(description, feedback, limit=1)[0]
    assert best.code == "401699"
    assert "confirmed by your team" in best.reason
    # An unrelated description is not affected by that tenant's choice.
    assert suggest("Frozen cod fillets", feedback, limit=1)[0].code == "030471"


def test_a_later_confirmation_of_the_same_description_replaces_the_earlier() -> None:
    feedback = record_confirmation(TenantFeedback(), "Mouse pad", "401699")
    feedback = record_confirmation(feedback, "mouse pad ", "392690")
    assert [c.code for c in feedback.confirmed] == ["392690"]


def test_national_lines_in_force_replace_their_subheading() -> None:
    lines = load_national_lines(
        "code,description,effective_from\n"
        "8471300000,Portable computers weighing not more than 10 kg,2022-01-01\n"
        "6109100010,T-shirts of cotton for babies,2030-01-01\n"
    )
    classifier = default_classifier().with_national_lines(lines, date(2025, 3, 17))
    assert classifier.suggest("laptop computer", limit=1)[0].code == "8471300000"
    # A line not yet in force leaves its subheading as it is.
    assert classifier.suggest("cotton T-shirts, knitted", limit=1)[0].code == "610910"
    assert "> 847130 " in classifier.path_text("8471300000")
