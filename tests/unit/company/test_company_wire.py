"""Every company command and event travels as Avro and is rebuilt intact, as the engine and sinks do."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pytest
from pydantic import TypeAdapter

from streams.company.commands import (
    COMMANDS,
    AcceptInvitation,
    AddParticipant,
    ArchiveCompany,
    ChangeParticipantRole,
    CreateCompany,
    InviteParticipant,
    RemoveParticipant,
    RevokeInvitation,
    UnarchiveCompany,
    UpdateCompanyDetails,
)
from streams.company.domain import COMPANY
from streams.company.events import (
    EVENTS,
    CompanyArchived,
    CompanyCreated,
    CompanyDetailsUpdated,
    CompanyUnarchived,
    InvitationAccepted,
    InvitationRevoked,
    ParticipantAdded,
    ParticipantInvited,
    ParticipantRemoved,
    ParticipantRoleChanged,
)
from streams.company.permissions import Role
from tests.unit.company.company_scenarios import NOW, TENANT, german_details, russian_details
from wellwon.schemas import schema_for, to_avro

SAMPLES: list[Any] = [
    CreateCompany(details=russian_details()),
    UpdateCompanyDetails(details=german_details()),
    ArchiveCompany(reason="merged"),
    UnarchiveCompany(),
    AddParticipant(user_id="u-1", role=Role.ACCOUNTANT),
    RemoveParticipant(user_id="u-1"),
    ChangeParticipantRole(user_id="u-1", role=Role.VIEWER),
    InviteParticipant("inv-1", "a@example.com", Role.OPERATOR, "sha256:x", NOW),
    AcceptInvitation(token_hash="sha256:x", email="a@example.com"),
    RevokeInvitation(invitation_id="inv-1"),
    CompanyCreated(company_id=TENANT, details=russian_details(), created_by="u-1"),
    CompanyDetailsUpdated(details=german_details()),
    CompanyArchived(reason=None),
    CompanyUnarchived(),
    ParticipantAdded(user_id="u-1", role=Role.OWNER),
    ParticipantRemoved(user_id="u-1", role=Role.ADMIN),
    ParticipantRoleChanged(user_id="u-1", previous_role=Role.ADMIN, role=Role.OWNER),
    ParticipantInvited("inv-2", "a@example.com", Role.ADMIN, "sha256:y", NOW, "u-1", replaces_invitation_id="inv-1"),
    InvitationAccepted(invitation_id="inv-2", user_id="u-2", email="a@example.com"),
    InvitationRevoked(invitation_id="inv-2", email="a@example.com"),
]


def test_the_samples_cover_every_registered_message() -> None:
    assert {type(sample) for sample in SAMPLES} == set(COMPANY.commands) | set(COMPANY.events)
    assert set(COMMANDS) == set(COMPANY.commands) and set(EVENTS) == set(COMPANY.events)


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_a_message_survives_avro_and_is_rebuilt_equal(message: Any) -> None:
    schema = fastavro.parse_schema(schema_for(type(message), "wellwon.company"))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, to_avro(message))
    buffer.seek(0)
    record = fastavro.schemaless_reader(buffer, schema, schema)
    assert TypeAdapter(type(message)).validate_python(record) == message


def test_the_aggregate_state_survives_avro_too() -> None:
    state = COMPANY.decider.fold(
        [
            CompanyCreated(company_id=TENANT, details=russian_details(), created_by="u-1"),
            ParticipantAdded(user_id="u-1", role=Role.OWNER),
            ParticipantInvited("inv-2", "a@example.com", Role.ADMIN, "sha256:y", NOW, "u-1"),
        ]
    )
    schema = fastavro.parse_schema(schema_for(COMPANY.state_type, "wellwon.company"))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, to_avro(state))
    buffer.seek(0)
    assert TypeAdapter(COMPANY.state_type).validate_python(fastavro.schemaless_reader(buffer, schema, schema)) == state
