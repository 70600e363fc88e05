"""A company's legal details: Russian identifiers, foreign VAT numbers, addresses; each fault names its field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from streams.company.commands import CreateCompany
from streams.company.details import Address, CompanyDetails, validate_details
from streams.decider import Rejection, RejectionCode
from tests.unit.company.company_scenarios import (
    ENTREPRENEUR_INN,
    ENTREPRENEUR_OGRNIP,
    SBERBANK_INN,
    context,
    german_details,
    moscow_address,
    russian_details,
    when,
)


def rejected_field(details: CompanyDetails) -> str | None:
    outcome = validate_details(details)
    assert isinstance(outcome, Rejection), f"expected a rejection, got {outcome}"
    assert outcome.code is RejectionCode.INVALID
    return outcome.field


def accepted(details: CompanyDetails) -> CompanyDetails:
    outcome = validate_details(details)
    assert not isinstance(outcome, Rejection), outcome
    return outcome


def test_a_russian_company_with_real_identifiers_is_accepted_in_normal_form() -> None:
    normal = accepted(russian_details(inn=" 7707083893 ", kpp="773601001", legal_name="  PAO   Sberbank "))
    assert normal.inn == SBERBANK_INN
    assert normal.legal_name == "PAO Sberbank"


def test_a_kpp_reason_code_may_be_letters_and_is_kept_upper_case() -> None:
    assert accepted(russian_details(kpp="7736ab001")).kpp == "7736AB001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inn": "7707083894"}, "inn"),  # Sberbank's INN with its check digit off by one
        ({"inn": "770708389"}, "inn"),  # 9 digits
        ({"inn": "77070838AB"}, "inn"),
        ({"inn": None, "kpp": None, "ogrn": None}, "inn"),  # a Russian company must give its INN
        ({"kpp": None}, "kpp"),  # a 10-digit INN is an organisation, which has a KPP
        ({"kpp": "77360100"}, "kpp"),
        ({"kpp": "7736010011"}, "kpp"),
        ({"kpp": "77360100X"}, "kpp"),  # the last 3 are digits
        ({"kpp": "AB3601001"}, "kpp"),  # the tax office code is digits
        ({"ogrn": "1027700132196"}, "ogrn"),  # Sberbank's OGRN with a wrong check digit
        ({"ogrn": "102770013219"}, "ogrn"),
        ({"ogrn": ENTREPRENEUR_OGRNIP}, "ogrn"),  # an organisation's INN with an entrepreneur's OGRNIP
        ({"inn": ENTREPRENEUR_INN, "kpp": "773601001", "ogrn": None}, "kpp"),  # entrepreneurs have no KPP
        ({"inn": ENTREPRENEUR_INN, "kpp": None, "ogrn": "1027700132195"}, "ogrn"),
        ({"country": "XX"}, "country"),
        ({"country": "RUS"}, "country"),
        ({"legal_name": "   "}, "legal_name"),
        ({"short_name": "x" * 101}, "short_name"),
        ({"legal_address": moscow_address(postal_code="11731")}, "legal_address.postal_code"),
        ({"legal_address": moscow_address(postal_code=None)}, "legal_address.postal_code"),
        ({"legal_address": moscow_address(city="")}, "legal_address.city"),
        ({"legal_address": moscow_address(country="KZ", postal_code="050000")}, "legal_address.country"),
        ({"postal_address": Address(country="ZZ", city="Nowhere", street="Main")}, "postal_address.country"),
    ],
)
def test_a_broken_russian_detail_is_rejected_naming_its_field(changes: dict[str, object], field: str) -> None:
    assert rejected_field(russian_details(**changes)) == field


def test_an_individual_entrepreneur_has_a_12_digit_inn_an_ogrnip_and_no_kpp() -> None:
    normal = accepted(russian_details(inn=ENTREPRENEUR_INN, kpp=None, ogrn=ENTREPRENEUR_OGRNIP))
    assert (normal.inn, normal.kpp, normal.ogrn) == (ENTREPRENEUR_INN, None, ENTREPRENEUR_OGRNIP)


def test_an_ogrnip_whose_remainder_mod_13_has_two_digits_is_checked_by_its_last_digit() -> None:
    # 30450011600020 mod 13 is 12: the check digit is 2 (python-stdnum 2.2 alone refuses this number).
    assert int("30450011600020") % 13 == 12
    assert accepted(russian_details(inn=ENTREPRENEUR_INN, kpp=None, ogrn="304500116000202")).ogrn == "304500116000202"
    field = rejected_field(russian_details(inn=ENTREPRENEUR_INN, kpp=None, ogrn="304500116000201"))
    assert field == "ogrn"


def test_a_german_company_is_identified_by_its_checked_vat_number() -> None:
    assert accepted(german_details()).vat_number == "DE136695976"
    assert accepted(german_details(vat_number="136 695 976")).vat_number == "DE136695976"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vat_number": "DE136695977"}, "vat_number"),  # check digit off by one
        ({"vat_number": "FR40303265045", "country": "DE"}, "vat_number"),  # a French number for a German company
        ({"vat_number": None}, "vat_number"),  # outside Russia a VAT or registration number is needed
        ({"kpp": "773601001"}, "kpp"),  # a KPP without an INN
        ({"inn": "7707083894"}, "inn"),  # Russian identifiers are checked wherever they are given
    ],
)
def test_a_broken_foreign_detail_is_rejected_naming_its_field(changes: dict[str, object], field: str) -> None:
    assert rejected_field(german_details(**changes)) == field


def test_greek_vat_numbers_carry_the_el_prefix() -> None:
    greek = german_details(
        country="GR",
        legal_address=Address(country="GR", city="Athens", street="Odos Ermou"),
        vat_number="094259216",
        bank_accounts=(),
    )
    assert accepted(greek).vat_number == "EL094259216"


def test_outside_the_eu_the_numbers_are_free_text_up_to_40_characters() -> None:
    american = german_details(
        country="us",
        legal_address=Address(country="US", city="Newark", street="1 Port St", region="NJ"),
        vat_number=None,
        registration_number="EIN 12-3456789",
        bank_accounts=(),
    )
    assert accepted(american).country == "US"
    assert rejected_field(replace(american, registration_number="9" * 41)) == "registration_number"


def test_create_company_with_an_invalid_inn_is_rejected_with_no_events() -> None:
    decision = when([], CreateCompany(details=russian_details(inn="7707083894")), context())
    assert isinstance(decision, Rejection)
    assert (decision.code, decision.field) == (RejectionCode.INVALID, "inn")
