"""Trading partners and what their status codes mean to a shipment.

A partner's status codes are read with UN/ECE Recommendation 24 (trade and transport status
codes) when the code has no agency or agency 6 (UN/ECE); a partner may add its own agreed codes
(agency ZZZ, mutually defined) or override. Rec 24 has no code for goods presented to customs,
so that milestone arrives only by a partner's agreed code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo


class StatusMeaning(StrEnum):
    PICKED_UP = "picked_up"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    AT_CUSTOMS = "at_customs"
    RELEASED = "released"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    DAMAGED = "damaged"
    HELD = "held"
    CANCELLED = "cancelled"


# Rec 24 codes and their names (the subset this platform meets; names as in the Recommendation).
REC24_NAMES: dict[str, str] = {
    "1": "Arrival, completed",
    "2": "Loading, authorized",
    "3": "Arrival, in defective condition",
    "5": "Process, begun",
    "6": "Booking, completed",
    "7": "Booking, cancelled",
    "8": "Cleared, import restrictions",
    "9": "Cleared, export restrictions",
    "11": "Cleared, by port authority",
    "12": "Cleared, by customs",
    "13": "Collection/pick-up, completed",
    "14": "Process, completed",
    "15": "Consolidated",
    "16": "Crossed border",
    "17": "Customs clearance, refused",
    "18": "Damaged in the course of transport",
    "20": "Delayed, in the course of transport",
    "21": "Delivery, completed",
    "22": "Delivery, completed as per instruction",
    "23": "Delivery, not completed",
    "24": "Departure, completed",
    "25": "Departure, delayed",
    "26": "Deramped",
    "27": "Despatch, completed",
    "28": "Stripped",
    "29": "Unloaded",
    "31": "En route",
    "35": "Forwarded to destination",
    "36": "Not found",
    "37": "Found",
    "38": "Freight paid",
    "39": "Released from bond",
    "40": "Arrival, at port",
    "41": "Handed over under continued responsibility",
}
REC24_MEANINGS: dict[str, StatusMeaning] = {
    "1": StatusMeaning.ARRIVED,
    "40": StatusMeaning.ARRIVED,
    "3": StatusMeaning.DAMAGED,
    "7": StatusMeaning.CANCELLED,
    "12": StatusMeaning.RELEASED,
    "39": StatusMeaning.RELEASED,
    "13": StatusMeaning.PICKED_UP,
    "17": StatusMeaning.HELD,
    "18": StatusMeaning.DAMAGED,
    "20": StatusMeaning.DELAYED,
    "25": StatusMeaning.DELAYED,
    "21": StatusMeaning.DELIVERED,
    "22": StatusMeaning.DELIVERED,
    "24": StatusMeaning.DEPARTED,
}
UN_ECE_AGENCIES = frozenset({"", "6"})

# RFF qualifiers (1153) that may carry our shipment reference, in the order they are tried: the
# freight forwarder's, consignor's and shipper's references first, then the consignment reference
# of a CNI segment ("CNI"), then the carrier's own numbers (booking, consignment, transport
# document, bill of lading), which match only when a partner quotes them as our reference.
# "BGM" stands for the document number of the message's BGM.
DEFAULT_REFERENCE_QUALIFIERS: tuple[str, ...] = ("FF", "CU", "SI", "CNI", "BN", "CN", "AAS", "BM")


@dataclass(frozen=True)
class TradingPartner:
    partner_id: str  # the key of its records on edi.inbound
    tenant_id: str  # the tenant the partner exchanges messages with
    name: str
    sender_ids: tuple[str, ...]  # UNB sender identifications it sends from
    reference_qualifiers: tuple[str, ...] = DEFAULT_REFERENCE_QUALIFIERS
    timezone: str = "UTC"  # the zone of its DTM times, which carry none
    status_codes: Mapping[str, StatusMeaning] = field(default_factory=dict)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def meaning(self, code: str, agency: str) -> StatusMeaning | None:
        if code in self.status_codes:
            return self.status_codes[code]
        return REC24_MEANINGS.get(code) if agency in UN_ECE_AGENCIES else None
