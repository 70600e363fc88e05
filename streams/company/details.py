"""A company's legal details (names, identifiers, addresses, bank accounts) and the rules they obey.

`validate_details` returns the details in normal form (trimmed text, compact numbers, upper-case
codes) or a `Rejection(INVALID, reason, field)` whose field is the path of the first fault, e.g.
"kpp", "legal_address.postal_code" or "bank_accounts[1].settlement_account".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streams.company import banking, identifiers
from streams.company.identifiers import RUSSIA, InvalidDetail, optional_text, text
from streams.decider import Rejection, RejectionCode, reject

LEGAL_NAME_MAX = 300
SHORT_NAME_MAX = 100
PLACE_MAX = 100
STREET_MAX = 200
UNIT_MAX = 50
POSTAL_CODE_MAX = 20


@dataclass(frozen=True)
class Address:
    country: str  # ISO 3166-1 alpha-2
    city: str
    street: str
    postal_code: str | None = None  # required (6 digits) in Russia
    region: str | None = None  # e.g. a Russian federal subject, a US state
    building: str | None = None  # дом, корпус, строение
    office: str | None = None


@dataclass(frozen=True)
class BankAccount:
    """A Russian account (BIC, correspondent and settlement accounts) or a foreign one (SWIFT code, IBAN)."""

    bank_name: str
    bic: str | None = None  # Russian BIC (БИК): 9 digits starting 04
    correspondent_account: str | None = None  # 20 digits, 30101...
    settlement_account: str | None = None  # расчётный счёт, 20 digits
    swift_code: str | None = None  # optional for a Russian bank (currency payments), required abroad
    iban: str | None = None


@dataclass(frozen=True)
class CompanyDetails:
    legal_name: str
    short_name: str
    country: str  # ISO 3166-1 alpha-2 of registration
    legal_address: Address
    postal_address: Address | None = None  # None: letters go to the legal address
    inn: str | None = None  # required in Russia
    kpp: str | None = None  # required with a 10-digit INN, absent with a 12-digit one
    ogrn: str | None = None  # OGRN (13) for an organisation, OGRNIP (15) for an entrepreneur
    vat_number: str | None = None  # checked for EU members; free text elsewhere
    registration_number: str | None = None  # a foreign trade-register number, free text
    bank_accounts: tuple[BankAccount, ...] = ()


def _address(address: Address, field: str) -> Address:
    country = identifiers.country(address.country, f"{field}.country")
    postal_code = optional_text(address.postal_code, f"{field}.postal_code", POSTAL_CODE_MAX)
    if country == RUSSIA and (postal_code is None or not re.fullmatch(r"\d{6}", postal_code)):
        raise InvalidDetail(f"{field}.postal_code", "a Russian postal code is 6 digits")
    return Address(
        country=country,
        city=text(address.city, f"{field}.city", PLACE_MAX),
        street=text(address.street, f"{field}.street", STREET_MAX),
        postal_code=postal_code,
        region=optional_text(address.region, f"{field}.region", PLACE_MAX),
        building=optional_text(address.building, f"{field}.building", UNIT_MAX),
        office=optional_text(address.office, f"{field}.office", UNIT_MAX),
    )


def _bank_account(account: BankAccount, field: str) -> BankAccount:
    bank_name = text(account.bank_name, f"{field}.bank_name", LEGAL_NAME_MAX)
    swift_code = None if account.swift_code is None else banking.swift_code(account.swift_code, f"{field}.swift_code")
    if account.bic is None:  # a foreign bank
        for name in ("correspondent_account", "settlement_account"):
            if getattr(account, name) is not None:
                raise InvalidDetail(f"{field}.{name}", f"{name} belongs with a Russian BIC; give the bic too")
        if swift_code is None:
            raise InvalidDetail(
                f"{field}.swift_code", "a foreign bank account needs a SWIFT code (or give a Russian BIC)"
            )
        if account.iban is None:
            raise InvalidDetail(f"{field}.iban", "a foreign bank account needs an IBAN")
        return BankAccount(bank_name=bank_name, swift_code=swift_code, iban=banking.iban(account.iban, f"{field}.iban"))
    bic = banking.russian_bic(account.bic, f"{field}.bic")
    if account.iban is not None:
        raise InvalidDetail(f"{field}.iban", "Russian accounts have no IBAN")
    if account.correspondent_account is None:
        raise InvalidDetail(f"{field}.correspondent_account", "correspondent account is required with a Russian BIC")
    if account.settlement_account is None:
        raise InvalidDetail(f"{field}.settlement_account", "settlement account is required with a Russian BIC")
    return BankAccount(
        bank_name=bank_name,
        bic=bic,
        correspondent_account=banking.correspondent_account(
            account.correspondent_account, bic, f"{field}.correspondent_account"
        ),
        settlement_account=banking.settlement_account(account.settlement_account, bic, f"{field}.settlement_account"),
        swift_code=swift_code,
    )


def _russian_identifiers(details: CompanyDetails, country: str) -> tuple[str | None, str | None, str | None]:
    """INN, KPP and OGRN: required of a Russian company, and checked whenever given (e.g. a branch)."""
    if details.inn is None:
        if country == RUSSIA:
            raise InvalidDetail("inn", "INN is required for a company registered in Russia")
        for name in ("kpp", "ogrn"):
            if getattr(details, name) is not None:
                raise InvalidDetail(name, f"{name.upper()} is given only with an INN")
        return None, None, None
    inn = identifiers.inn(details.inn)
    organisation = len(inn) == 10  # 12 digits: an individual entrepreneur, who has no KPP
    if organisation and details.kpp is None:
        raise InvalidDetail("kpp", "KPP is required with a 10-digit INN (an organisation)")
    if not organisation and details.kpp is not None:
        raise InvalidDetail("kpp", "an individual entrepreneur (12-digit INN) has no KPP")
    kpp = None if details.kpp is None else identifiers.kpp(details.kpp)
    ogrn = None if details.ogrn is None else identifiers.ogrn(details.ogrn)
    if ogrn is not None and (len(ogrn) == 13) != organisation:
        raise InvalidDetail("ogrn", "an organisation has a 13-digit OGRN, an individual entrepreneur a 15-digit OGRNIP")
    return inn, kpp, ogrn


def _normal_details(details: CompanyDetails) -> CompanyDetails:
    country = identifiers.country(details.country)
    legal_name = text(details.legal_name, "legal_name", LEGAL_NAME_MAX)
    short_name = text(details.short_name, "short_name", SHORT_NAME_MAX)
    inn, kpp, ogrn = _russian_identifiers(details, country)
    vat_number = None if details.vat_number is None else identifiers.vat_number(details.vat_number, country)
    registration_number = optional_text(details.registration_number, "registration_number", identifiers.FREE_NUMBER_MAX)
    if country != RUSSIA and inn is None and vat_number is None and registration_number is None:
        raise InvalidDetail("vat_number", "a company outside Russia needs a VAT or registration number")
    legal_address = _address(details.legal_address, "legal_address")
    if legal_address.country != country:
        raise InvalidDetail("legal_address.country", "the legal address is in the country of registration")
    return CompanyDetails(
        legal_name=legal_name,
        short_name=short_name,
        country=country,
        legal_address=legal_address,
        postal_address=None if details.postal_address is None else _address(details.postal_address, "postal_address"),
        inn=inn,
        kpp=kpp,
        ogrn=ogrn,
        vat_number=vat_number,
        registration_number=registration_number,
        bank_accounts=tuple(
            _bank_account(account, f"bank_accounts[{index}]") for index, account in enumerate(details.bank_accounts)
        ),
    )


def validate_details(details: CompanyDetails) -> CompanyDetails | Rejection:
    try:
        return _normal_details(details)
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
