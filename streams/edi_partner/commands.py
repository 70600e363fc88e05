"""Commands on an EDI partner. The aggregate id is the partner id: the key of its records on `edi.inbound`."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.edi.partners import DEFAULT_REFERENCE_QUALIFIERS, StatusMeaning
from streams.edi_partner.events import InterchangeResult


@dataclass(frozen=True)
class RegisterPartner:
    code: str  # the tenant's code for the partner; the partner id derives from tenant and code
    name: str
    sender_ids: tuple[str, ...]  # UNB sender identifications it sends from
    timezone: str = "UTC"
    reference_qualifiers: tuple[str, ...] = DEFAULT_REFERENCE_QUALIFIERS
    status_codes: dict[str, StatusMeaning] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangePartnerSettings:
    """Replaces the partner's name, senders and mapping settings."""

    name: str
    sender_ids: tuple[str, ...]
    timezone: str = "UTC"
    reference_qualifiers: tuple[str, ...] = DEFAULT_REFERENCE_QUALIFIERS
    status_codes: dict[str, StatusMeaning] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueApiKey:
    key_id: str
    key_hash: str  # SHA-256 of the key; the key itself is shown once, never stored
    label: str = ""


@dataclass(frozen=True)
class RevokeApiKey:
    key_id: str


@dataclass(frozen=True)
class RecordInterchange:
    """One interchange's result: the payload of its record on `edi.results`; as a command, what the EDI agent sent
    before `RecordInterchanges` (records of it still on the commands topic are decided as before)."""

    result: InterchangeResult


@dataclass(frozen=True)
class InboundResult:
    """An interchange's result, and the offset of its record on the partner's `edi.inbound` partition."""

    offset: int
    result: InterchangeResult


@dataclass(frozen=True)
class RecordInterchanges:
    """Sent by the EDI agent (claim `edi_partner` = this partner): results of one round's records of one
    `edi.inbound` partition, in their offsets' order.

    One command for many results (the agent's round) instead of one each. A result at an offset the partner has
    recorded already is skipped, so a round run again after a crash, however its records are grouped then, is
    recorded once.
    """

    partition: int
    results: tuple[InboundResult, ...]


EdiPartnerCommand = (
    RegisterPartner | ChangePartnerSettings | IssueApiKey | RevokeApiKey | RecordInterchange | RecordInterchanges
)
COMMANDS: tuple[type, ...] = EdiPartnerCommand.__args__
