"""The checks of a payment's parties: rouble details (INN, KPP, BIK, accounts) or foreign ones (IBAN, SWIFT).

Reuses the company domain's validators; each check returns the party normalised or raises
`InvalidDetail` naming the field (e.g. `beneficiary.bik`).
"""

from __future__ import annotations

import re

from streams.company import banking, identifiers
from streams.company.identifiers import InvalidDetail
from streams.immutable import replace
from streams.payment.commands import Party
from streams.payment.currency import RUB

NAME_MAX = 160  # 1C's Получатель allows 160 characters; pain.001's Nm allows 140 (cut on export)
IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
FOREIGN_ACCOUNT = re.compile(r"[A-Z0-9]{1,34}")


def _rouble_details(party: Party, field: str) -> Party:
    if party.country != identifiers.RUSSIA:
        raise InvalidDetail(f"{field}.country", "a rouble payment order is between accounts in Russia (RU)")
    if party.inn is None:
        raise InvalidDetail(f"{field}.inn", "a rouble payment order names the INN")
    if party.bik is None:
        raise InvalidDetail(f"{field}.bik", "a rouble payment order names the bank's BIK")
    if party.correspondent_account is None:
        raise InvalidDetail(f"{field}.correspondent_account", "a rouble payment order names the bank's account")
    bik = banking.russian_bic(party.bik, f"{field}.bik")
    return replace(
        party,
        inn=identifiers.inn(party.inn, f"{field}.inn"),
        kpp=identifiers.kpp(party.kpp, f"{field}.kpp") if party.kpp else None,
        bik=bik,
        correspondent_account=banking.correspondent_account(
            party.correspondent_account, bik, f"{field}.correspondent_account"
        ),
        account=banking.settlement_account(party.account, bik, f"{field}.account"),
    )


def _foreign_details(party: Party, field: str) -> Party:
    if party.bank_bic is None:
        raise InvalidDetail(f"{field}.bank_bic", "a foreign-currency transfer names the bank's SWIFT code")
    account = party.account.replace(" ", "").upper()
    if IBAN_SHAPE.fullmatch(account):
        account = banking.iban(account, f"{field}.account")
    elif not FOREIGN_ACCOUNT.fullmatch(account):
        raise InvalidDetail(f"{field}.account", "an account is an IBAN or up to 34 letters and digits")
    return replace(party, account=account, bank_bic=banking.swift_code(party.bank_bic, f"{field}.bank_bic"))


def checked_party(party: Party, currency: str, field: str) -> Party:
    """The party normalised for a payment in `currency`, or InvalidDetail naming the field."""
    normal = replace(
        party,
        name=identifiers.text(party.name, f"{field}.name", NAME_MAX),
        country=identifiers.country(party.country, f"{field}.country"),
        bank_name=" ".join(party.bank_name.split()),
    )
    if currency == RUB:
        return _rouble_details(normal, field)
    return _foreign_details(normal, field)
