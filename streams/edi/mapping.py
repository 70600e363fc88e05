"""From a partner's raw interchange to shipment command requests: the EDI agent's pure core.

`translate_interchange` is what the agent on `edi.inbound` calls with the record's key (the
partner) and value (the raw bytes). A broken interchange raises EdifactSyntaxError and goes to
the dead-letter topic whole; a message that cannot be mapped becomes a `MessageFailure` while the
interchange's other messages still produce their requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from streams.edi.errors import EdiError, PartnerMismatch, UnsupportedMessage
from streams.edi.iftmin import map_transport_instruction
from streams.edi.iftsta import map_status_report
from streams.edi.interchange import Interchange, Message, parse_interchange
from streams.edi.partners import TradingPartner
from streams.edi.requests import RequestList, ShipmentCommandRequest

Mapper = Callable[[Message, TradingPartner, RequestList], None]
DIRECTORIES = ("D.96A", "D.01B")
MAPPERS: dict[str, Mapper] = {
    "IFTSTA": map_status_report,
    "IFTMIN": map_transport_instruction,
}


def map_message(message: Message, partner: TradingPartner) -> list[ShipmentCommandRequest]:
    """The requests one message asks for, in order; raises an EdiError saying why it cannot."""
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
    mapper(message, partner, requests)
    return requests.requests


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


def check_partner(interchange: Interchange, partner: TradingPartner) -> None:
    if interchange.sender_id not in partner.sender_ids:
        raise PartnerMismatch(
            f"interchange {interchange.control_reference} is sent by {interchange.sender_id!r}, "
            f"which is not a sender of partner {partner.partner_id}"
        )


def translate_interchange(raw: bytes | str, partner: TradingPartner) -> Translation:
    interchange = parse_interchange(raw)
    check_partner(interchange, partner)
    requests: list[ShipmentCommandRequest] = []
    failures: list[MessageFailure] = []
    for message in interchange.messages:
        try:
            requests += map_message(message, partner)
        except EdiError as error:
            failures.append(MessageFailure(message.reference, str(message.message_type), error))
    return Translation(interchange, tuple(requests), tuple(failures))
