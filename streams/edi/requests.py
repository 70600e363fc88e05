"""What EDI mapping produces: shipment commands addressed by the shipment's business reference."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from streams.edi.interchange import InterchangeId
from streams.edi_partner.events import UnknownStatus
from streams.shipment.commands import ShipmentCommand
from streams.shipment.decider import EDI_PARTNER_CLAIM
from streams.shipment.identifiers import shipment_id_for

EDI_NAMESPACE = uuid.UUID("d4b0f3a2-7c1e-4f5d-9a8b-6e2c1d0f9a37")


@dataclass(frozen=True)
class ShipmentCommandRequest:
    """One command for the shipment a partner names by reference.

    The command id derives from the interchange, message and position, so the same interchange
    mapped twice yields the same ids and the engine's command dedupe applies.
    """

    command_id: str
    tenant_id: str
    partner_id: str
    shipment_reference: str
    command: ShipmentCommand
    interchange: InterchangeId
    message_reference: str
    tried: tuple[str, ...] = ()  # the identifiers looked up to find the shipment, for a "not found" answer

    @property
    def shipment_id(self) -> str:
        """The aggregate the command goes to: shipments are keyed by tenant and reference."""
        return shipment_id_for(self.tenant_id, self.shipment_reference)

    @property
    def claims(self) -> tuple[tuple[str, str], ...]:
        """Claims for the command's context, so its events name the partner as their source."""
        return ((EDI_PARTNER_CLAIM, self.partner_id),)


def request_id(partner_id: str, interchange: InterchangeId, message_reference: str, index: int) -> str:
    name = f"{partner_id}\n{interchange.sender_id}\n{interchange.control_reference}\n{message_reference}\n{index}"
    return str(uuid.uuid5(EDI_NAMESPACE, name))


@dataclass
class RequestList:
    """Collects one message's requests in order, numbering them for their ids (and its unknown status codes)."""

    partner_id: str
    tenant_id: str
    interchange: InterchangeId
    message_reference: str
    requests: list[ShipmentCommandRequest]
    unknown_statuses: list[UnknownStatus] = field(default_factory=list)

    def add(self, shipment_reference: str, command: ShipmentCommand, tried: tuple[str, ...] = ()) -> str:
        command_id = request_id(self.partner_id, self.interchange, self.message_reference, len(self.requests))
        self.requests.append(
            ShipmentCommandRequest(
                command_id=command_id,
                tenant_id=self.tenant_id,
                partner_id=self.partner_id,
                shipment_reference=shipment_reference,
                command=command,
                interchange=self.interchange,
                message_reference=self.message_reference,
                tried=tried,
            )
        )
        return command_id

    def next_exception_id(self) -> str:
        """A short id for an exception the next request raises, stable across re-mapping."""
        seed = request_id(self.partner_id, self.interchange, self.message_reference, len(self.requests))
        return f"EDI-{uuid.UUID(seed).hex[:12].upper()}"
