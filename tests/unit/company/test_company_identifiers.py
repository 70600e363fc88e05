"""The identifier rules one by one: check digits computed here from the published rules, reasons users read.

Check digits are computed in this file from the Federal Tax Service's weights (INN) and the
remainder rule of OGRN/OGRNIP, independently of python-stdnum, which the code delegates to.
"""

from __future__ import annotations

import pytest

from streams.company import identifiers
from streams.company.identifiers import InvalidDetail
from tests.unit.company.company_scenarios import ENTREPRENEUR_INN, SBERBANK_INN

# Order of the Federal Tax Service: weights of the 11th and 12th digits of an individual's INN.
FIRST_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
SECOND_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def weighted_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def refusal(check: object, *args: object) -> InvalidDetail:
    with pytest.raises(InvalidDetail) as raised:
        check(*args)  # type: ignore[operator]
    return raised.value


def test_the_entrepreneurs_inn_carries_both_check_digits_of_the_rule() -> None:
    first = weighted_digit(ENTREPRENEUR_INN[:10], FIRST_WEIGHTS)
    second = weighted_digit(ENTREPRENEUR_INN[:10] + first, SECOND_WEIGHTS)
    assert ENTREPRENEUR_INN[10:] == first + second
    assert identifiers.inn(f" {ENTREPRENEUR_INN} ") == ENTREPRENEUR_INN


@pytest.mark.parametrize("position", [10, 11], ids=["11th digit", "12th digit"])
def test_a_12_digit_inn_with_either_check_digit_wrong_is_refused(position: int) -> None:
    wrong = str((int(ENTREPRENEUR_INN[position]) + 1) % 10)
    forged = ENTREPRENEUR_INN[:position] + wrong + ENTREPRENEUR_INN[position + 1 :]
    problem = refusal(identifiers.inn, forged)
    assert (problem.field, problem.reason) == ("inn", f"INN {forged!r}: the check digit does not match")


def test_a_12_digit_inn_whose_second_digit_fits_a_wrong_first_is_refused() -> None:
    # Recomputing the 12th digit over a wrong 11th digit still breaks the 11th digit's rule.
    wrong_first = str((int(ENTREPRENEUR_INN[10]) + 1) % 10)
    second = weighted_digit(ENTREPRENEUR_INN[:10] + wrong_first, SECOND_WEIGHTS)
    forged = ENTREPRENEUR_INN[:10] + wrong_first + second
    assert refusal(identifiers.inn, forged).field == "inn"


def test_inn_faults_name_the_field_given_and_say_what_an_inn_is() -> None:
    problem = refusal(identifiers.inn, "12345", "bank.inn")
    assert (problem.field, problem.reason, str(problem)) == (
        "bank.inn",
        "INN must be 10 digits (organisation) or 12 (individual entrepreneur)",
        "INN must be 10 digits (organisation) or 12 (individual entrepreneur)",
    )
    assert identifiers.inn(SBERBANK_INN) == SBERBANK_INN


def test_ogrnip_check_digit_is_the_last_digit_of_the_remainder_by_13() -> None:
    # 30450011600031 % 13 == 10: the check digit is 0 (python-stdnum 2.2 wrongly wants 10).
    assert 30450011600031 % 13 == 10
    assert identifiers.ogrn("304500116000310") == "304500116000310"
    problem = refusal(identifiers.ogrn, "304500116000311")
    assert (problem.field, problem.reason) == ("ogrn", "OGRN '304500116000311': the check digit does not match")
    problem = refusal(identifiers.ogrn, "12345", "owner.ogrn")
    assert (problem.field, problem.reason) == ("owner.ogrn", "OGRN must be 13 digits (OGRN) or 15 digits (OGRNIP)")


def test_kpp_is_normalised_and_its_fault_explained() -> None:
    assert identifiers.kpp(" 7736ab001 ") == "7736AB001"
    problem = refusal(identifiers.kpp, "77360100", "kpp")
    assert problem.reason == "KPP must be 9 characters NNNNPPNNN: digits, PP may be capital Latin letters"


@pytest.mark.parametrize(
    ("value", "accepted"), [("", None), ("   ", None), ("a", "a"), ("abcde", "abcde"), ("abcdef", None)]
)
def test_text_is_one_to_maximum_characters_after_collapsing_spaces(value: str, accepted: str | None) -> None:
    if accepted is not None:
        assert identifiers.text(value, "name", 5) == accepted
    else:
        problem = refusal(identifiers.text, value, "name", 5)
        assert (problem.field, problem.reason) == ("name", "name must be 1 to 5 characters")
    assert identifiers.text("  a   b ", "name", 5) == "a b"


def test_country_fault_names_the_field() -> None:
    problem = refusal(identifiers.country, "XX", "legal_address.country")
    assert (problem.field, problem.reason) == (
        "legal_address.country",
        "legal_address.country must be an ISO 3166-1 alpha-2 country code, e.g. RU",
    )


def test_outside_the_eu_a_vat_number_is_free_text_of_at_most_40_characters() -> None:
    assert identifiers.vat_number("  CHE-123.456.788  MWST ", "CH") == "CHE-123.456.788 MWST"
    assert identifiers.vat_number("x" * 40, "US") == "x" * 40
    problem = refusal(identifiers.vat_number, "x" * 41, "US", "tax.vat")
    assert (problem.field, problem.reason) == ("tax.vat", "tax.vat must be 1 to 40 characters")


def test_greek_vat_numbers_carry_el_and_separators_are_dropped() -> None:
    assert identifiers.vat_number("094259216", "GR") == "EL094259216"
    assert identifiers.vat_number("el 094.259-216", "GR") == "EL094259216"
    assert identifiers.vat_number("DE 136/695 976", "DE") == "DE136695976"


def test_a_vat_number_of_another_country_is_refused_naming_the_prefix() -> None:
    problem = refusal(identifiers.vat_number, "FR61954506077", "DE")
    assert (problem.field, problem.reason) == ("vat_number", "VAT number must be a DE number starting with DE")
    # One letter then digits is not a country prefix: the country's own is put in front.
    problem = refusal(identifiers.vat_number, "A1234567", "AT")
    assert problem.reason == "VAT number must be a valid AT VAT number"
    problem = refusal(identifiers.vat_number, "DE136695978", "DE")
    assert problem.reason == "VAT number 'DE136695978': the check digit does not match"
