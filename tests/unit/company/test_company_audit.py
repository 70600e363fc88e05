"""Audit entries: who did what, when and from which command, in one line, with secrets redacted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from streams.company.audit import REDACTED, audit_entry, redacted_changes
from streams.company.events import CompanyCreated, CompanyUnarchived, ParticipantInvited, ParticipantRoleChanged
from streams.company.permissions import ROLE_CLAIM, Role
from streams.customs.events import DeclarationReleased, DeclarationSubmitted
from streams.user_account.commands import SECRET
from tests.unit.company.company_scenarios import NOW, TENANT, russian_details
from wellwon.envelope import EVENT, Envelope, command_fields, event_fields

TOKEN_HASH = "sha256:0f9e8d7c6b5a"


def envelope(schema_name: str, actor: str | None = "user-admin", version: int = 7) -> Envelope:
    return Envelope(
        message_id="evt-42",
        kind=EVENT,
        correlation_id="corr-1",
        causation_id="cmd-17",
        tenant_id=TENANT,
        actor_id=actor,
        occurred_at=NOW,
        aggregate_type="company",
        aggregate_id=TENANT,
        aggregate_version=version,
        schema_name=schema_name,
        schema_version=1,
        payload=b"",
    )


def test_an_entry_says_who_did_what_when_and_from_which_command() -> None:
    event = ParticipantRoleChanged(user_id="user-op", previous_role=Role.OPERATOR, role=Role.ADMIN)
    entry = audit_entry(envelope("company.ParticipantRoleChanged"), event)
    assert (entry.event_id, entry.tenant_id, entry.actor_id, entry.occurred_at) == ("evt-42", TENANT, "user-admin", NOW)
    assert (entry.aggregate_type, entry.aggregate_id, entry.aggregate_version) == ("company", TENANT, 7)
    assert (entry.event_type, entry.command_id) == ("company.ParticipantRoleChanged", "cmd-17")
    assert entry.summary == (
        f"user user-admin: participant role changed on company {TENANT} (v7):"
        " user_id=user-op, previous_role=operator, role=admin"
    )
    assert "\n" not in entry.summary


def test_secret_fields_are_redacted_in_the_summary_and_the_changes() -> None:
    event = ParticipantInvited(
        invitation_id="inv-1",
        email="new.hire@example.com",
        role=Role.VIEWER,
        token_hash=TOKEN_HASH,
        expires_at=datetime(2026, 3, 9, tzinfo=UTC),
        invited_by="user-admin",
    )
    entry = audit_entry(envelope("company.ParticipantInvited"), event)
    assert TOKEN_HASH not in entry.summary
    assert TOKEN_HASH not in entry.changes.values()
    assert entry.changes["token_hash"] == REDACTED
    assert entry.changes["email"] == "new.hire@example.com"
    assert entry.changes["expires_at"] == "2026-03-09T00:00:00+00:00"
    assert "replaces_invitation_id" not in entry.changes  # None says nothing


@dataclass(frozen=True)
class Credential:
    login: str
    secret_key: str = field(metadata=SECRET)


@dataclass(frozen=True)
class PartnerConnected:
    partner: str
    credentials: tuple[Credential, ...]


def test_secrets_nested_in_details_are_redacted_too() -> None:
    event = PartnerConnected(partner="DHL", credentials=(Credential("edi", "k-123"), Credential("api", "k-456")))
    assert redacted_changes(event) == {
        "partner": "DHL",
        "credentials[0].login": "edi",
        "credentials[0].secret_key": REDACTED,
        "credentials[1].login": "api",
        "credentials[1].secret_key": REDACTED,
    }


def test_nested_details_are_flattened_to_paths_and_the_summary_is_clipped() -> None:
    event = CompanyCreated(company_id=TENANT, details=russian_details(), created_by="user-owner")
    entry = audit_entry(envelope("company.CompanyCreated", version=1), event)
    assert entry.changes["details.inn"] == "7707083893"
    assert entry.changes["details.legal_address.city"] == "Moscow"
    assert entry.changes["details.bank_accounts[0].bic"] == "044525225"
    assert len(entry.summary) <= 500 and entry.summary.startswith("user user-admin: company created on company")


def test_an_event_without_an_actor_is_the_platform_s_doing() -> None:
    entry = audit_entry(envelope("company.CompanyUnarchived", actor=None), CompanyUnarchived())
    assert entry.summary == f"the platform: company unarchived on company {TENANT} (v7)"
    assert entry.changes == {}


def event_of(command: Envelope, schema_name: str) -> Envelope:
    """The envelope the engine gives an event of `command` (wellwon.envelope.event_fields)."""
    return Envelope(**event_fields(command, "evt-1", 3), schema_name=schema_name, schema_version=1, payload=b"")


def test_a_customs_gateway_s_decision_names_the_gateway_not_a_user() -> None:
    credential = "5f1c2a9e-7d3b-4c61-9a0e-2b8d4f6e1c37"
    authority = Envelope(
        **command_fields(
            "customs_declaration", "decl-1", "cmd-1", credential, TENANT, {ROLE_CLAIM: "customs_authority"}
        ),
        schema_name="customs_declaration.ReleaseDeclaration",
        schema_version=1,
        payload=b"",
    )
    entry = audit_entry(event_of(authority, "customs_declaration.DeclarationReleased"), DeclarationReleased(NOW))
    assert entry.actor_id == credential
    assert entry.summary == (
        f"customs gateway {credential}: declaration released on customs_declaration decl-1 (v3):"
        f" released_at={NOW.isoformat()}"
    )
    user = Envelope(
        **command_fields("customs_declaration", "decl-1", "cmd-2", "user-op", TENANT, {ROLE_CLAIM: Role.OPERATOR}),
        schema_name="customs_declaration.SubmitDeclaration",
        schema_version=1,
        payload=b"",
    )
    entry = audit_entry(
        event_of(user, "customs_declaration.DeclarationSubmitted"), DeclarationSubmitted(NOW, NOW.date())
    )
    assert entry.summary.startswith("user user-op: declaration submitted on customs_declaration decl-1 (v3)")
