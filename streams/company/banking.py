"""Rules for bank details: Russian BIC and accounts with their control key, SWIFT code and IBAN abroad."""

from __future__ import annotations

import re

from stdnum import bic as swift_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, ValidationError

from streams.company.identifiers import InvalidDetail

# Bank of Russia weights for the account control key, repeated over the 23 digits it covers.
CONTROL_KEY_WEIGHTS = ((7, 1, 3) * 8)[:23]
CORRESPONDENT_ACCOUNT_PREFIX = "30101"  # a credit institution's correspondent account at the Bank of Russia


def control_key_holds(bank_digits: str, account: str) -> bool:
    """Whether a 20-digit account's control key (its 9th digit) agrees with 3 digits of the bank's BIC.

    The 3 bank digits and the account make 23 digits; each times its weight (7, 1, 3, ...), the
    products' sum must end in 0 (the key was chosen so that it does).
    """
    digits = bank_digits + account
    return sum(int(d) * w for d, w in zip(digits, CONTROL_KEY_WEIGHTS, strict=True)) % 10 == 0


def settlement_key_digits(bic: str) -> str:
    """A settlement account is keyed with the BIC's last 3 digits (the bank's number)."""
    return bic[-3:]


def correspondent_key_digits(bic: str) -> str:
    """A correspondent account is keyed with "0" and the BIC's 5th and 6th digits (its Bank of Russia unit)."""
    return "0" + bic[4:6]


def russian_bic(value: str, field: str) -> str:
    code = value.strip()
    if not re.fullmatch(r"04\d{7}", code):
        raise InvalidDetail(field, "BIC must be 9 digits starting with 04")
    return code


def _account_digits(value: str, field: str, name: str) -> str:
    account = value.replace(" ", "")
    if not re.fullmatch(r"\d{20}", account):
        raise InvalidDetail(field, f"{name} must be 20 digits")
    return account


def correspondent_account(value: str, bic: str, field: str) -> str:
    account = _account_digits(value, field, "correspondent account")
    if not account.startswith(CORRESPONDENT_ACCOUNT_PREFIX) or account[-3:] != bic[-3:]:
        raise InvalidDetail(
            field,
            f"correspondent account must start with {CORRESPONDENT_ACCOUNT_PREFIX}"
            " and end with the BIC's last 3 digits",
        )
    if not control_key_holds(correspondent_key_digits(bic), account):
        raise InvalidDetail(field, "correspondent account does not match the BIC (control key)")
    return account


def settlement_account(value: str, bic: str, field: str) -> str:
    account = _account_digits(value, field, "settlement account")
    if not control_key_holds(settlement_key_digits(bic), account):
        raise InvalidDetail(field, "settlement account does not match the BIC (control key)")
    return account


def swift_code(value: str, field: str) -> str:
    try:
        return swift_bic.validate(value)
    except ValidationError:
        raise InvalidDetail(field, "SWIFT code must be 8 or 11 characters: bank, country, location, branch") from None


def iban(value: str, field: str) -> str:
    try:
        return stdnum_iban.validate(value)
    except InvalidChecksum:
        raise InvalidDetail(field, "IBAN check digits do not match") from None
    except ValidationError:
        raise InvalidDetail(field, "IBAN is not in its country's format") from None
