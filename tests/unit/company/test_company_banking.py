"""Bank details: the Russian account control key against the BIC, and SWIFT code with IBAN abroad."""

from __future__ import annotations

import pytest

from streams.company import banking
from streams.company.banking import control_key_holds, correspondent_key_digits, settlement_key_digits
from streams.company.details import BankAccount, CompanyDetails, validate_details
from streams.company.identifiers import InvalidDetail
from streams.decider import Rejection, RejectionCode
from tests.unit.company.company_scenarios import (
    SBERBANK_BIC,
    SETTLEMENT_AT_SBERBANK,
    german_details,
    russian_details,
    sberbank_account,
)

# Correspondent accounts of Russian banks at the Bank of Russia, as the banks publish them.
PUBLISHED_CORRESPONDENT_ACCOUNTS = [
    ("044525225", "30101810400000000225"),  # Sberbank
    ("044525974", "30101810145250000974"),  # T-Bank (Tinkoff)
    ("044525593", "30101810200000000593"),  # Alfa-Bank
    ("044525187", "30101810700000000187"),  # VTB
    ("044030653", "30101810500000000653"),  # Sberbank, North-West
]


def rejected_field(details: CompanyDetails) -> str | None:
    outcome = validate_details(details)
    assert isinstance(outcome, Rejection), f"expected a rejection, got {outcome}"
    assert outcome.code is RejectionCode.INVALID
    return outcome.field


@pytest.mark.parametrize(("bic", "account"), PUBLISHED_CORRESPONDENT_ACCOUNTS)
def test_published_correspondent_accounts_agree_with_their_bic(bic: str, account: str) -> None:
    assert control_key_holds(correspondent_key_digits(bic), account)


def test_a_settlement_account_agrees_with_its_own_bank_only() -> None:
    assert control_key_holds(settlement_key_digits(SBERBANK_BIC), SETTLEMENT_AT_SBERBANK)
    assert not control_key_holds(settlement_key_digits("044525974"), SETTLEMENT_AT_SBERBANK)


@pytest.mark.parametrize("position", range(20))
def test_any_single_mistyped_digit_breaks_the_control_key(position: int) -> None:
    digit = (int(SETTLEMENT_AT_SBERBANK[position]) + 1) % 10
    mistyped = SETTLEMENT_AT_SBERBANK[:position] + str(digit) + SETTLEMENT_AT_SBERBANK[position + 1 :]
    assert not control_key_holds(settlement_key_digits(SBERBANK_BIC), mistyped)


def test_russian_bank_details_are_accepted_with_spaces_removed() -> None:
    spaced = sberbank_account(settlement_account="40702 810 9 38000000001", swift_code="SABRRUMM")
    outcome = validate_details(russian_details(bank_accounts=(spaced,)))
    assert not isinstance(outcome, Rejection), outcome
    assert outcome.bank_accounts[0].settlement_account == SETTLEMENT_AT_SBERBANK
    assert outcome.bank_accounts[0].swift_code == "SABRRUMM"


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (sberbank_account(settlement_account="40702810038000000001"), "bank_accounts[0].settlement_account"),
        (sberbank_account(settlement_account="4070281093800000000"), "bank_accounts[0].settlement_account"),
        (sberbank_account(correspondent_account="30101810400000000226"), "bank_accounts[0].correspondent_account"),
        (sberbank_account(correspondent_account="30101810145250000974"), "bank_accounts[0].correspondent_account"),
        (sberbank_account(correspondent_account=None), "bank_accounts[0].correspondent_account"),
        (sberbank_account(bic="144525225"), "bank_accounts[0].bic"),  # a Russian BIC starts with 04
        (sberbank_account(bic="04452522"), "bank_accounts[0].bic"),
        (sberbank_account(iban="DE89370400440532013000"), "bank_accounts[0].iban"),
        (sberbank_account(swift_code="SABRRU"), "bank_accounts[0].swift_code"),
        (sberbank_account(bank_name=""), "bank_accounts[0].bank_name"),
    ],
)
def test_broken_russian_bank_details_are_rejected_naming_the_field(account: BankAccount, field: str) -> None:
    assert rejected_field(russian_details(bank_accounts=(account,))) == field


def test_the_field_names_which_of_several_accounts_is_at_fault() -> None:
    second = sberbank_account(settlement_account="40702810938000000002")
    assert rejected_field(russian_details(bank_accounts=(sberbank_account(), second))) == (
        "bank_accounts[1].settlement_account"
    )


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (BankAccount(bank_name="Deutsche Bank", swift_code="DEUTDEFF", iban="DE89370400440532013001"), "iban"),
        (BankAccount(bank_name="Deutsche Bank", swift_code="DEUTDEFF", iban="DE8937040044053201300"), "iban"),
        (BankAccount(bank_name="Deutsche Bank", swift_code="DEUTDEFF"), "iban"),
        (BankAccount(bank_name="Deutsche Bank", iban="DE89370400440532013000"), "swift_code"),
        (BankAccount(bank_name="Deutsche Bank", swift_code="DEUT1EFF", iban="DE89370400440532013000"), "swift_code"),
        (
            BankAccount(bank_name="Deutsche Bank", swift_code="DEUTDEFF", settlement_account=SETTLEMENT_AT_SBERBANK),
            "settlement_account",
        ),
    ],
)
def test_broken_foreign_bank_details_are_rejected_naming_the_field(account: BankAccount, field: str) -> None:
    assert rejected_field(german_details(bank_accounts=(account,))) == f"bank_accounts[0].{field}"


def test_a_foreign_account_is_a_swift_code_and_an_iban() -> None:
    outcome = validate_details(german_details())
    assert not isinstance(outcome, Rejection), outcome
    account = outcome.bank_accounts[0]
    assert (account.swift_code, account.iban, account.bic) == ("DEUTDEFF", "DE89370400440532013000", None)


def refusal(check: object, *args: str) -> tuple[str, str]:
    with pytest.raises(InvalidDetail) as raised:
        check(*args)  # type: ignore[operator]
    return raised.value.field, raised.value.reason


def test_each_bank_detail_rule_names_the_field_and_says_what_is_wrong() -> None:
    assert banking.russian_bic(" 044525225 ", "bic") == "044525225"
    assert refusal(banking.russian_bic, "144525225", "b.bic") == ("b.bic", "BIC must be 9 digits starting with 04")
    assert refusal(banking.settlement_account, "4070281093800000000", SBERBANK_BIC, "s") == (
        "s",
        "settlement account must be 20 digits",
    )
    assert refusal(banking.settlement_account, "40702810038000000001", SBERBANK_BIC, "s") == (
        "s",
        "settlement account does not match the BIC (control key)",
    )
    assert refusal(banking.correspondent_account, "3010181040000000022", SBERBANK_BIC, "c") == (
        "c",
        "correspondent account must be 20 digits",
    )
    shape = "correspondent account must start with 30101 and end with the BIC's last 3 digits"
    assert refusal(banking.correspondent_account, "30102810400000000225", SBERBANK_BIC, "c") == ("c", shape)
    assert refusal(banking.correspondent_account, "30101810400000000226", SBERBANK_BIC, "c") == ("c", shape)
    assert refusal(banking.correspondent_account, "30101810500000000225", SBERBANK_BIC, "c") == (
        "c",
        "correspondent account does not match the BIC (control key)",
    )
    assert banking.correspondent_account("30101 810 4 00000000225", SBERBANK_BIC, "c") == "30101810400000000225"
    assert banking.settlement_account(SETTLEMENT_AT_SBERBANK, SBERBANK_BIC, "s") == SETTLEMENT_AT_SBERBANK


def test_swift_and_iban_faults_are_told_apart() -> None:
    assert banking.swift_code("DEUTDEFF", "swift") == "DEUTDEFF"
    assert refusal(banking.swift_code, "DEUT", "a.swift") == (
        "a.swift",
        "SWIFT code must be 8 or 11 characters: bank, country, location, branch",
    )
    assert banking.iban("DE89 3704 0044 0532 0130 00", "iban") == "DE89370400440532013000"
    assert refusal(banking.iban, "DE88370400440532013000", "a.iban") == ("a.iban", "IBAN check digits do not match")
    # Check digits that hold (mod 97) over 17 digits where Germany has 18.
    assert refusal(banking.iban, "DE5137040044053201300", "a.iban") == ("a.iban", "IBAN is not in its country's format")


def test_the_control_key_weights_are_7_1_3_over_23_digits() -> None:
    assert banking.CONTROL_KEY_WEIGHTS == (7, 1, 3) * 7 + (7, 1)
    assert correspondent_key_digits("044525225") == "025" and settlement_key_digits("044525225") == "225"
