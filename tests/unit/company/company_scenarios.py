"""Givens for the company tests: real Russian and German company details, contexts, and a decider harness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.company.commands import CompanyCommand
from streams.company.decider import Company, company_decider
from streams.company.details import Address, BankAccount, CompanyDetails
from streams.company.domain import COMPANY
from streams.company.events import CompanyCreated, CompanyEvent, ParticipantAdded
from streams.company.permissions import Role
from streams.decider import CommandContext, Rejection

TENANT = "7d1c1f0e-5b8e-4c4a-9a55-2f1f3c0d9a01"
OTHER_TENANT = "0b6f2a8c-1d3e-4f5a-8b7c-9d0e1f2a3b4c"
OWNER = "user-owner"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)

# Sberbank: INN, KPP and OGRN as published in the Unified State Register of Legal Entities.
SBERBANK_INN, SBERBANK_KPP, SBERBANK_OGRN = "7707083893", "773601001", "1027700132195"
SBERBANK_BIC, SBERBANK_CORRESPONDENT = "044525225", "30101810400000000225"
# A settlement account at Sberbank: its 9th digit (the control key) worked out by hand with the
# Bank of Russia method: units digits of (BIC last 3 + account, key 0) x 7,1,3..., summed, x3, mod 10.
SETTLEMENT_AT_SBERBANK = "40702810938000000001"
# An individual entrepreneur: a 12-digit INN and a 15-digit OGRNIP.
ENTREPRENEUR_INN, ENTREPRENEUR_OGRNIP = "500100732259", "385768585948949"


def moscow_address(**changes: Any) -> Address:
    address = Address(country="RU", city="Moscow", street="ul. Vavilova", postal_code="117312", building="19")
    return replace(address, **changes)


def sberbank_account(**changes: Any) -> BankAccount:
    account = BankAccount(
        bank_name="PAO Sberbank",
        bic=SBERBANK_BIC,
        correspondent_account=SBERBANK_CORRESPONDENT,
        settlement_account=SETTLEMENT_AT_SBERBANK,
    )
    return replace(account, **changes)


def russian_details(**changes: Any) -> CompanyDetails:
    details = CompanyDetails(
        legal_name='PAO "Sberbank Rossii"',
        short_name="Sberbank",
        country="RU",
        legal_address=moscow_address(),
        inn=SBERBANK_INN,
        kpp=SBERBANK_KPP,
        ogrn=SBERBANK_OGRN,
        bank_accounts=(sberbank_account(),),
    )
    return replace(details, **changes)


def german_details(**changes: Any) -> CompanyDetails:
    details = CompanyDetails(
        legal_name="Muster Logistik GmbH",
        short_name="Muster",
        country="DE",
        legal_address=Address(country="DE", city="Hamburg", street="Am Sandtorkai", postal_code="20457"),
        vat_number="DE136695976",
        bank_accounts=(BankAccount(bank_name="Deutsche Bank", swift_code="DEUTDEFF", iban="DE89370400440532013000"),),
    )
    return replace(details, **changes)


def context(
    actor: str | None = OWNER,
    tenant: str | None = TENANT,
    at: datetime = NOW,
    claims: tuple[tuple[str, str], ...] = (),
) -> CommandContext:
    return CommandContext(command_id="cmd-1", issued_at=at, actor_id=actor, tenant_id=tenant, claims=claims)


def company_created(owner: str = OWNER, details: CompanyDetails | None = None) -> list[CompanyEvent]:
    return [
        CompanyCreated(company_id=TENANT, details=details or russian_details(), created_by=owner),
        ParticipantAdded(user_id=owner, role=Role.OWNER),
    ]


def with_participants(*participants: tuple[str, Role]) -> list[CompanyEvent]:
    """A Russian company created by OWNER, then joined by each (user id, role)."""
    return [*company_created(), *(ParticipantAdded(user_id=user, role=role) for user, role in participants)]


def given(events: Sequence[CompanyEvent]) -> Company:
    return company_decider.fold(events)


def when(
    events: Sequence[CompanyEvent], command: CompanyCommand, ctx: CommandContext | None = None
) -> Sequence[CompanyEvent] | Rejection:
    return COMPANY.decider.decide(given(events), command, ctx or context())


def then_accepted(decision: Sequence[CompanyEvent] | Rejection) -> list[CompanyEvent]:
    assert not isinstance(decision, Rejection), decision
    return list(decision)
