"""The rules every domain obeys, wrapped around its decider by `Domain`: tenancy and no control characters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from streams.chat.commands import PostMessage
from streams.chat.decider import ConversationStatus
from streams.company.commands import ArchiveCompany
from streams.customs.commands import RemoveDocument
from streams.customs_gateway.commands import RevokeGatewayCredential
from streams.customs_tariff.commands import ConfirmClassification
from streams.customs_tariff.tables import TableKind
from streams.decider import (
    Decider,
    Rejection,
    RejectionCode,
    control_character_path,
    holds_control_characters,
    refusing_control_characters,
    reject,
)
from streams.document.commands import ArchiveDocument, VerifyField
from streams.document.decider import DocumentStatus
from streams.document.template.commands import RetireTemplate, ReviseTemplate
from streams.document.template.decider import TemplateStatus
from streams.domain import Domain
from streams.edi_partner.commands import ChangePartnerSettings, RevokeApiKey
from streams.fx.commands import AgreeDeal, SettleDeal
from streams.invoice.commands import AssignInvoiceNumber, VoidInvoice
from streams.invoice.decider import InvoiceStatus
from streams.ledger.commands import OpenAccount
from streams.payment.commands import CancelPayment, MarkSent
from streams.payment.decider import PaymentStatus
from streams.payment.statement.commands import MatchLine
from streams.purchase_order.commands import CancelPurchaseOrder, LinkShipment
from streams.purchase_order.decider import OrderStatus
from streams.registry import DOMAINS, domain_named
from streams.report_schedule.commands import Cadence, ReportLanguage, SetReportSchedule
from streams.shipment.commands import CancelShipment, CreateShipment
from streams.shipment.details import TransportMode
from streams.tenancy import Tenancy
from streams.user_account.commands import UpdateProfile
from streams.warehouse.commands import AddLocation, LocationKind, RegisterWarehouse
from tests.unit.deciders import context, given

OWNER, OTHER = "tenant-a", "tenant-b"


@dataclass(frozen=True)
class Case:
    owned: dict[str, Any]  # state fields making an aggregate of tenant OWNER
    command: Any  # a command another tenant must not get through
    with_nul: Any  # a command with a control character
    field: str  # where it is


CASES: dict[str, Case] = {
    "company": Case({"company_id": OWNER}, ArchiveCompany("done"), ArchiveCompany("a\x00b"), "reason"),
    "shipment": Case(
        {"tenant_id": OWNER}, CancelShipment("late"), CreateShipment("REF\x00", TransportMode.SEA), "reference"
    ),
    "warehouse": Case(
        {"tenant_id": OWNER},
        AddLocation("A-1", LocationKind.STORAGE),
        RegisterWarehouse("HAM", "Hamburg\x1b", "DE"),
        "name",
    ),
    "customs_declaration": Case(
        {"tenant_id": OWNER}, RemoveDocument("doc-1"), RemoveDocument("doc\x7f"), "document_id"
    ),
    "customs_tariff": Case(
        {"tenant_id": OWNER, "kind": TableKind.CLASSIFICATIONS},
        ConfirmClassification("live horses", "0101210000"),
        ConfirmClassification("live\x00horses", "0101210000"),
        "description",
    ),
    "edi_partner": Case(
        {"tenant_id": OWNER, "partner_id": "p-1"},
        RevokeApiKey("k1"),
        ChangePartnerSettings("Maersk", ("MAEU", "MA\x00EU")),
        "sender_ids[1]",
    ),
    "ledger": Case({"tenant_id": OWNER}, OpenAccount("51", "RUB"), OpenAccount("51", "RUB", name="Bank\x00"), "name"),
    "user_account": Case({}, UpdateProfile(first_name="Anna"), UpdateProfile(first_name="An\x00na"), "first_name"),
    "customs_gateway": Case({}, RevokeGatewayCredential("done"), RevokeGatewayCredential("do\x00ne"), "reason"),
    "payment": Case(
        {"tenant_id": OWNER, "status": PaymentStatus.REQUESTED},
        CancelPayment("duplicate"),
        MarkSent("REF\x00"),
        "bank_reference",
    ),
    "bank_statement": Case({"tenant_id": OWNER}, MatchLine("L1", "p-1"), MatchLine("L\x001", "p-1"), "line_ref"),
    "fx": Case({"tenant_id": OWNER}, AgreeDeal(), SettleDeal("TR\x00-1"), "settlement_ref"),
    "purchase_order": Case(
        {"tenant_id": OWNER, "status": OrderStatus.DRAFT},
        CancelPurchaseOrder("duplicate"),
        LinkShipment("ship\x00-1"),
        "shipment_id",
    ),
    "invoice": Case(
        {"tenant_id": OWNER, "status": InvoiceStatus.DRAFT}, VoidInvoice("typo"), VoidInvoice("ty\x00po"), "reason"
    ),
    "invoice_numbering": Case(
        {"tenant_id": OWNER, "year": 2026},
        AssignInvoiceNumber("inv-1", 2026),
        AssignInvoiceNumber("inv\x00-1", 2026),
        "invoice_id",
    ),
    "document": Case(
        {"tenant_id": OWNER, "status": DocumentStatus.ACTIVE},
        ArchiveDocument("duplicate"),
        VerifyField("invoice.number", "INV\x00-1"),
        "value",
    ),
    "document_template": Case(
        {"tenant_id": OWNER, "status": TemplateStatus.ACTIVE},
        RetireTemplate(),
        ReviseTemplate("Invoice\x00", "{{reference}}"),
        "name",
    ),
    "chat": Case(
        {"tenant_id": OWNER, "status": ConversationStatus.OPEN}, PostMessage("hello"), PostMessage("he\x00llo"), "body"
    ),
    "report_schedule": Case(
        {"tenant_id": OWNER, "enabled": True},
        SetReportSchedule(Cadence.DAILY, "UTC", ("a@example.com",), ReportLanguage.EN),
        SetReportSchedule(Cadence.DAILY, "Europe/Mos\x00cow", ("a@example.com",), ReportLanguage.EN),
        "timezone",
    ),
}
PLATFORM_DOMAINS = ("user_account", "customs_gateway")  # no tenant owns their aggregates


def test_every_domain_has_its_case_here() -> None:
    assert {d.name for d in DOMAINS} == set(CASES)


def test_only_platform_domains_are_no_tenant_s() -> None:
    assert [d.name for d in DOMAINS if d.tenancy is None] == list(PLATFORM_DOMAINS)


def test_a_domain_must_say_how_it_is_tenant_scoped() -> None:
    with pytest.raises(TypeError, match="tenancy"):
        Domain("new", DOMAINS[0].decider, object, (), ())  # type: ignore[call-arg]


@pytest.mark.parametrize("name", [n for n in CASES if n not in PLATFORM_DOMAINS])
def test_every_domain_refuses_another_tenant_s_command_as_if_there_were_no_aggregate(name: str) -> None:
    domain, case = domain_named(name), CASES[name]
    owned = given(domain.decider).with_state(**case.owned)
    owned.when(case.command, context(tenant=OTHER)).then_rejected(RejectionCode.NOT_FOUND, reason_has="no such")
    owned.when(case.command, context(tenant=None)).then_rejected(RejectionCode.UNAUTHORIZED)


@pytest.mark.parametrize("name", list(CASES))
def test_every_domain_refuses_a_control_character_naming_the_field(name: str) -> None:
    domain, case = domain_named(name), CASES[name]
    state = given(domain.decider).with_state(**case.owned)
    state.when(case.with_nul, context(tenant=OWNER)).then_rejected(RejectionCode.INVALID, case.field, "control")


def test_the_combinators_pass_on_what_they_do_not_refuse() -> None:
    decided: list[Any] = []

    def decide(state: Any, command: Any, ctx: Any) -> Any:
        decided.append(command)
        return reject(RejectionCode.CONFLICT, "reached the domain's own rules")

    domain = Domain("toy", Decider(None, decide, lambda s, e: s), object, (), (), Tenancy(lambda s: None, "toy"))
    clean = UpdateProfile(first_name="tab\tnew\nline\rreturn", last_name="Ünïcödé – ok")
    given(domain.decider).when(clean, context()).then_rejected(RejectionCode.CONFLICT)
    assert decided == [clean]


@dataclass(frozen=True)
class Inner:
    text: str


@dataclass(frozen=True)
class Outer:
    items: tuple[Inner, ...]
    labels: dict[str, str]
    note: str | None = None


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (Outer((Inner("ok"), Inner("b\x00d")), {}), "items[1].text"),
        (Outer((), {"k": "v\x01"}), "labels['k']"),
        (Outer((), {"k\x1f": "v"}), "labels['k\\x1f']"),
        (Outer((), {}, "\x7f"), "note"),
        (Outer((Inner("tab\tline\ncr\r"),), {"k": "v"}, None), None),
        (replace(Outer((), {}), note="\x85 is C1, not C0"), None),
        ("bare\x00text", "(value)"),  # a text alone has no path: the answer still names it
        (frozenset({"ok", "b\x00d"}), "[]"),
        (Outer((), {}, None), None),
        ({"k": frozenset({"fine"})}, None),
    ],
)
def test_control_character_path(value: Any, path: str | None) -> None:
    assert control_character_path(value) == path
    assert holds_control_characters(value) is (path is not None)  # the guard's quick check, run on every command


def test_the_control_character_guard_refuses_with_the_code_the_reason_and_the_field_and_passes_on_clean_text() -> None:
    def decide(state: Any, command: Any, ctx: Any) -> Any:
        return [("decided", command)]

    guarded = refusing_control_characters(Decider(None, decide, lambda s, e: s))
    dirty = UpdateProfile(first_name="a\x00b")
    assert guarded.decide(None, dirty, context()) == Rejection(
        RejectionCode.INVALID, "text may not contain control characters", "first_name"
    )
    clean = UpdateProfile(first_name="Анна")
    assert guarded.decide(None, clean, context()) == [("decided", clean)]
    assert (guarded.initial_state, guarded.evolve(1, "e")) == (None, 1)  # the rest of the decider is kept


def test_the_control_character_guard_hands_the_inner_decider_the_state_and_context_it_was_given() -> None:
    def decide(state: Any, command: Any, ctx: Any) -> Any:
        return [(state, command, ctx.command_id)]

    guarded = refusing_control_characters(Decider("initial", decide, lambda s, e: s))
    clean = UpdateProfile(first_name="Анна")
    assert guarded.decide("after three events", clean, context()) == [
        ("after three events", clean, "c0ffee00-0000-4000-8000-000000000001")
    ]
