"""What the notification sink makes of a record: the rules it triggers, and what it learns about the subject."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notifications.sink import SUBJECT_FACTS, happenings
from sinks.records import SinkRecord
from streams.shipment.details import ExceptionKind, TransportMode
from streams.shipment.events import ExceptionRaised, ShipmentCreated
from wellwon.envelope import EVENT, Envelope

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def record(message: Any, schema: str, tenant: str | None = "t1", kind: str = EVENT) -> SinkRecord:
    envelope = Envelope("e1", kind, "c1", None, tenant, "u1", AT, "shipment", "s1", 2, schema, 1, b"")
    return SinkRecord("shipment.events", 0, 7, envelope, message)


def test_an_exception_becomes_a_happening_of_its_rule() -> None:
    raised = ExceptionRaised("x1", ExceptionKind.HOLD, "customs hold", AT, "api")
    [happening] = happenings(record(raised, "shipment.ExceptionRaised"))
    assert (happening.event_id, happening.tenant_id, happening.aggregate_id) == ("e1", "t1", "s1")
    assert happening.rule.kind == "shipment_exception" and happening.facts == {"kind": "hold", "reason": "customs hold"}


def test_events_without_a_tenant_and_records_that_are_not_events_notify_nobody() -> None:
    raised = ExceptionRaised("x1", ExceptionKind.HOLD, "customs hold", AT, "api")
    assert happenings(record(raised, "shipment.ExceptionRaised", tenant=None)) == []
    assert happenings(record(raised, "shipment.ExceptionRaised", kind="outcome")) == []


def test_the_subject_facts_read_fields_the_events_have() -> None:
    created = ShipmentCreated("t1", "WW-1", TransportMode.SEA, AT, "api")
    [fact] = [f for f in SUBJECT_FACTS if f.event == "shipment.ShipmentCreated"]
    assert fact.label is not None and fact.label("s1", created) == "WW-1"
    assert {f.event.split(".")[0] for f in SUBJECT_FACTS} == {"shipment", "customs_declaration", "edi_partner"}
