"""Rules for what identifies a company: names, country, INN, KPP, OGRN/OGRNIP, VAT and registration numbers.

Each check takes the text as entered and returns it in its normal form, or raises `InvalidDetail`
naming the field at fault, so a long validation reads top to bottom and ends in one `Rejection`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pycountry
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn

RUSSIA = "RU"
# KPP: tax office code (4 digits), reason for registration (2 digits or capital Latin letters), number (3 digits).
KPP_PATTERN = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}")
FREE_NUMBER_MAX = 40


class InvalidDetail(ValueError):
    """A company detail that breaks a rule; `field` is its path, e.g. "inn" or "legal_address.city"."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def text(value: str, field: str, maximum: int) -> str:
    cleaned = " ".join(value.split())
    if not 0 < len(cleaned) <= maximum:
        raise InvalidDetail(field, f"{field} must be 1 to {maximum} characters")
    return cleaned


def optional_text(value: str | None, field: str, maximum: int) -> str | None:
    return None if value is None else text(value, field, maximum)


def country(value: str, field: str = "country") -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code) or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidDetail(field, f"{field} must be an ISO 3166-1 alpha-2 country code, e.g. RU")
    return code


def _checked(validate: Callable[[str], str], value: str, field: str, name: str, shape: str) -> str:
    try:
        return validate(value)
    except InvalidChecksum:
        raise InvalidDetail(field, f"{name} {value!r}: the check digit does not match") from None
    except ValidationError:
        raise InvalidDetail(field, f"{name} must be {shape}") from None


def inn(value: str, field: str = "inn") -> str:
    return _checked(ru_inn.validate, value, field, "INN", "10 digits (organisation) or 12 (individual entrepreneur)")


def kpp(value: str, field: str = "kpp") -> str:
    code = value.strip().upper()
    if not KPP_PATTERN.fullmatch(code):
        raise InvalidDetail(field, "KPP must be 9 characters NNNNPPNNN: digits, PP may be capital Latin letters")
    return code


def _validate_ogrn(value: str) -> str:
    try:
        return ru_ogrn.validate(value)
    except InvalidChecksum:
        # python-stdnum 2.2 compares an OGRNIP's check digit with the whole remainder mod 13; the rule
        # is its lowest digit, so OGRNIPs whose remainder is 10, 11 or 12 are valid but refused there.
        number = ru_ogrn.compact(value)
        if len(number) == 15 and int(number[:-1]) % 13 % 10 == int(number[-1]):
            return number
        raise


def ogrn(value: str, field: str = "ogrn") -> str:
    return _checked(_validate_ogrn, value, field, "OGRN", "13 digits (OGRN) or 15 digits (OGRNIP)")


def is_eu_member(country_code: str) -> bool:
    return country_code.lower() in eu_vat.MEMBER_STATES


def vat_number(value: str, country_code: str, field: str = "vat_number") -> str:
    """An EU member's VAT number is checked and must be that country's; elsewhere it is free text."""
    if not is_eu_member(country_code):
        return text(value, field, FREE_NUMBER_MAX)
    prefix = "EL" if country_code == "GR" else country_code  # Greece's VAT prefix is not its ISO code
    number = re.sub(r"[\s.\-/]", "", value).upper()
    if not number.startswith(prefix):
        if number[:2].isalpha():
            raise InvalidDetail(field, f"VAT number must be a {country_code} number starting with {prefix}")
        number = prefix + number
    return _checked(eu_vat.validate, number, field, "VAT number", f"a valid {country_code} VAT number")
