"""Every customs command, event and the aggregate state survive the Avro round trip the engine uses."""

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import fastavro
from pydantic import TypeAdapter

from streams.customs.commands import ApplyCorrection, CreateDeclaration
from streams.customs.compliance import check_compliance
from streams.customs.declaration import FieldError
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.events import ComplianceChanged, DeclarationCreated, DeclarationValidationFailed
from streams.customs.examples import EXAMPLE_DATE, example_declaration
from wellwon.schemas import schema_for, to_avro

NOW = datetime(2025, 3, 17, 9, 30, tzinfo=UTC)


def round_trip(message: Any) -> Any:
    schema = fastavro.parse_schema(schema_for(type(message), CUSTOMS_DECLARATION.name))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, to_avro(message))
    buffer.seek(0)
    return TypeAdapter(type(message)).validate_python(fastavro.schemaless_reader(buffer, schema, schema))


def test_every_message_type_has_an_avro_schema() -> None:
    for message_type in (*CUSTOMS_DECLARATION.commands, *CUSTOMS_DECLARATION.events, CUSTOMS_DECLARATION.state_type):
        assert schema_for(message_type, CUSTOMS_DECLARATION.name)["name"] == message_type.__name__


def test_messages_and_state_come_back_equal() -> None:
    full = example_declaration(3)
    without_documents = replace(full, documents=())
    messages = [
        CreateDeclaration(header=full.header, declarant=full.declarant, items=full.items, documents=full.documents),
        DeclarationCreated(tenant_id="t", header=full.header, created_at=NOW, items=full.items),
        ApplyCorrection("kdt-1", "weight", items=full.items[:1]),
        DeclarationValidationFailed((FieldError("items[1].commodity_code", "bad"),), NOW),
        ComplianceChanged(check_compliance(without_documents, EXAMPLE_DATE)),
        replace(full, compliance=check_compliance(full, date(2026, 12, 20))),
    ]
    for message in messages:
        assert round_trip(message) == message
