"""From a partner's raw interchange to shipment command requests: the EDI agent's pure core.

`translate_interchange` is what the agent on `edi.inbound` calls with the record's key (the
partner) and value (the raw bytes). A broken interchange raises EdifactSyntaxError and goes to
the dead-letter topic whole; a message that cannot be mapped becomes a `MessageFailure` while the
interchange's other messages still produce their requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from streams.edi.errors import EdiError, PartnerMismatch, UnsupportedMessage
from streams.edi.iftmin import map_transport_instruction
from streams.edi.iftsta import map_status_report
from streams.edi.interchange import Interchange, Message, parse_interchange
from streams.edi.partners import TradingPartner
from streams.edi.references import ShipmentIndex
from streams.edi.requests import RequestList, ShipmentCommandRequest, UnknownStatus

Mapper = Callable[[Message, TradingPartner, RequestList, ShipmentIndex | None], None]
# The UN directories carriers send IFTSTA and IFTMIN in; the segments read sit alike in all of them.
DIRECTORIES = ("D.95B", "D.96A", "D.99B", "D.00B", "D.01B")
MAPPERS: dict[str, Mapper] = {
    "IFTSTA": map_status_report,
    "IFTMIN": map_transport_instruction,
}


def map_message(message: Message, partner: TradingPartner, index: ShipmentIndex | None = None) -> RequestList:
    """The requests one message asks for, in order; raises an EdiError saying why it cannot.

    `index` finds shipments by the carriers' numbers; without it only our references name one.
    """
    kind = message.message_type
    mapper = MAPPERS.get(kind.code)
    if mapper is None:
        supported = ", ".join(MAPPERS)
        raise UnsupportedMessage(f"message type {kind.code} is not mapped (supported: {supported})", message.reference)
    if kind.directory not in DIRECTORIES or kind.agency != "UN":
        supported = ", ".join(DIRECTORIES)
        reason = f"{kind.code} directory {kind.directory} ({kind.agency}) is not mapped (supported: {supported})"
        raise UnsupportedMessage(reason, message.reference)
    requests = RequestList(partner.partner_id, partner.tenant_id, message.interchange, message.reference, [])
    mapper(message, partner, requests, index)
    return requests


@dataclass(frozen=True)
class MessageFailure:
    message_reference: str
    message_type: str
    error: EdiError


@dataclass(frozen=True)
class Translation:
    interchange: Interchange
    requests: tuple[ShipmentCommandRequest, ...]
    failures: tuple[MessageFailure, ...]
    unknown_statuses: dict[str, tuple[UnknownStatus, ...]] = field(default_factory=dict)  # by message reference


def check_partner(interchange: Interchange, partner: TradingPartner) -> None:
    if interchange.sender_id not in partner.sender_ids:
        raise PartnerMismatch(
            f"interchange {interchange.control_reference} is sent by {interchange.sender_id!r}, "
            f"which is not a sender of partner {partner.partner_id}"
        )


def translate_interchange(raw: bytes | str, partner: TradingPartner, index: ShipmentIndex | None = None) -> Translation:
    interchange = parse_interchange(raw)
    check_partner(interchange, partner)
    requests: list[ShipmentCommandRequest] = []
    failures: list[MessageFailure] = []
    unknown: dict[str, tuple[UnknownStatus, ...]] = {}
    for message in interchange.messages:
        try:
            mapped = map_message(message, partner, index)
        except EdiError as error:
            failures.append(MessageFailure(message.reference, str(message.message_type), error))
            continue
        requests += mapped.requests
        if mapped.unknown_statuses:
            unknown[message.reference] = tuple(mapped.unknown_statuses)
    return Translation(interchange, tuple(requests), tuple(failures), unknown)
