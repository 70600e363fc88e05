"""Events of an EDI partner, and the result of each interchange it sent (also the record on `edi.results`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from streams.edi.partners import StatusMeaning


class ResultStatus(StrEnum):
    APPLIED = "applied"  # every message became shipment events (or changed nothing, being known already)
    DUPLICATE = "duplicate"  # the interchange (same sender and control reference) was applied before
    DEAD_LETTERED = "dead_lettered"  # at least one message could not be applied; the reason says why


@dataclass(frozen=True)
class UnknownStatus:
    """A status code of a message that neither UN/ECE Rec 24 nor the partner's own list gives a meaning."""

    code: str
    agency: str  # DE 3055 as sent; empty when the partner gave none
    description: str
    shipment_reference: str


@dataclass(frozen=True)
class MessageResult:
    message_reference: str  # UNH 0062
    message_type: str  # e.g. "IFTSTA D.96A"
    status: ResultStatus
    reason: str | None = None
    shipment_references: tuple[str, ...] = ()
    command_ids: tuple[str, ...] = ()
    unknown_statuses: tuple[UnknownStatus, ...] = ()  # noted on the timeline, without a meaning


@dataclass(frozen=True)
class InterchangeResult:
    message_id: str  # what the API answered on submission, or derived for records written to Kafka directly
    partner_id: str
    status: ResultStatus
    received_at: datetime
    attempt: int  # 1 for the first handling, 2 after the first replay, ...
    sender_id: str | None = None  # None when the interchange could not be read at all
    control_reference: str | None = None
    reason: str | None = None
    messages: tuple[MessageResult, ...] = ()


@dataclass(frozen=True)
class PartnerRegistered:
    tenant_id: str
    code: str
    name: str
    sender_ids: tuple[str, ...]
    timezone: str
    reference_qualifiers: tuple[str, ...]
    status_codes: dict[str, StatusMeaning] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnerSettingsChanged:
    name: str
    sender_ids: tuple[str, ...]
    timezone: str
    reference_qualifiers: tuple[str, ...]
    status_codes: dict[str, StatusMeaning] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKeyIssued:
    key_id: str
    key_hash: str = field(metadata={"secret": True})
    issued_at: datetime
    label: str = ""


@dataclass(frozen=True)
class ApiKeyRevoked:
    key_id: str
    revoked_at: datetime


@dataclass(frozen=True)
class InterchangeRecorded:
    result: InterchangeResult
    # Where its record was on `edi.inbound` (None for results recorded one by one, before RecordInterchanges).
    inbound_partition: int | None = None
    inbound_offset: int | None = None


@dataclass(frozen=True)
class UnknownStatusReceived:
    """The partner sent a status code nobody gave a meaning: its owner should map it (partner status codes)."""

    message_id: str
    message_reference: str
    status: UnknownStatus
    received_at: datetime


EdiPartnerEvent = (
    PartnerRegistered
    | PartnerSettingsChanged
    | ApiKeyIssued
    | ApiKeyRevoked
    | InterchangeRecorded
    | UnknownStatusReceived
)
EVENTS: tuple[type, ...] = EdiPartnerEvent.__args__
