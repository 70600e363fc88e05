"""The EDI partner decider: registering a tenant's trading partner, its API keys, and recording interchanges.

A partner's id derives from its tenant and code (`partner_id_for`), so it is stable and unique per
tenant without a lookup. Managing a partner needs a role with `edi.partners.manage`; recording an
interchange needs the EDI agent's claim naming this very partner, so no user can forge a result.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import available_timezones

from streams.company.permissions import Action, require_claimed
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.edi.partners import StatusMeaning, TradingPartner
from streams.edi_partner.commands import (
    ChangePartnerSettings,
    EdiPartnerCommand,
    IssueApiKey,
    RecordInterchange,
    RecordInterchanges,
    RegisterPartner,
    RevokeApiKey,
)
from streams.edi_partner.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    EdiPartnerEvent,
    InterchangeRecorded,
    InterchangeResult,
    PartnerRegistered,
    PartnerSettingsChanged,
    ResultStatus,
    UnknownStatusReceived,
)
from streams.edi_partner.offsets import Ranges, added, holds
from streams.immutable import replace
from streams.shipment.decider import EDI_PARTNER_CLAIM
from streams.shipment.details import invalid, required_text
from wellwon.api_keys import is_key_hash

PARTNER_NAMESPACE = uuid.UUID("7b3e9d41-0c5a-4f8e-b2d6-93a1c4e5f607")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,34}$")  # UNB 0004 is an..35
QUALIFIER_PATTERN = re.compile(r"^[A-Z0-9]{1,3}$")
MAX_KEYS = 20

Decision = Sequence[EdiPartnerEvent] | Rejection


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    key_hash: str
    label: str
    revoked: bool = False


@dataclass(frozen=True)
class EdiPartner:
    partner_id: str | None = None  # None: not registered
    tenant_id: str | None = None
    code: str = ""
    name: str = ""
    sender_ids: tuple[str, ...] = ()
    timezone: str = "UTC"
    reference_qualifiers: tuple[str, ...] = ()
    status_codes: dict[str, StatusMeaning] = field(default_factory=dict)
    api_keys: tuple[ApiKey, ...] = ()
    interchanges: int = 0  # how many interchange results were recorded
    # By `edi.inbound` partition (as text): the offsets of the records whose results were recorded (`offsets`).
    recorded: dict[str, Ranges] = field(default_factory=dict)

    def trading_partner(self) -> TradingPartner:
        """The settings the pure EDI mapping reads."""
        assert self.partner_id is not None and self.tenant_id is not None
        return TradingPartner(
            partner_id=self.partner_id,
            tenant_id=self.tenant_id,
            name=self.name,
            sender_ids=self.sender_ids,
            reference_qualifiers=self.reference_qualifiers,
            timezone=self.timezone,
            status_codes=dict(self.status_codes),
        )


def partner_id_for(tenant_id: str, code: str) -> str:
    return str(uuid.uuid5(PARTNER_NAMESPACE, f"{tenant_id}\n{code.strip().upper()}"))


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True)
class _Settings:
    name: str
    sender_ids: tuple[str, ...]
    timezone: str
    reference_qualifiers: tuple[str, ...]
    status_codes: dict[str, StatusMeaning]


def _checked_settings(cmd: RegisterPartner | ChangePartnerSettings) -> _Settings | Rejection:
    name = required_text(cmd.name, "name", 140)
    if isinstance(name, Rejection):
        return name
    senders = tuple(dict.fromkeys(s.strip() for s in cmd.sender_ids))
    if not senders or len(senders) > 20:
        return invalid("a partner sends from 1 to 20 sender ids", "sender_ids")
    if bad := next((s for s in senders if not SENDER_PATTERN.match(s)), None):
        return invalid(f"{bad!r} is not a UNB sender id (1 to 35 letters, digits, spaces or . _ / -)", "sender_ids")
    if cmd.timezone not in _timezones():
        return invalid(f"{cmd.timezone!r} is not an IANA time zone, e.g. Europe/Hamburg", "timezone")
    qualifiers = tuple(dict.fromkeys(q.strip().upper() for q in cmd.reference_qualifiers))
    if not qualifiers or any(not QUALIFIER_PATTERN.match(q) for q in qualifiers):
        return invalid("reference qualifiers are 1 to 3 letters or digits each, at least one", "reference_qualifiers")
    codes: dict[str, StatusMeaning] = {}
    for code, meaning in cmd.status_codes.items():
        try:
            codes[code.strip()] = StatusMeaning(meaning)
        except ValueError:
            allowed = ", ".join(m.value for m in StatusMeaning)
            return invalid(f"status code {code}: {meaning!r} is not one of {allowed}", "status_codes")
    return _Settings(name, senders, cmd.timezone, qualifiers, codes)


def _register(state: EdiPartner, cmd: RegisterPartner, context: CommandContext) -> Decision:
    if state.partner_id is not None:
        return reject(RejectionCode.CONFLICT, f"partner {state.code} is registered already", "code")
    code = cmd.code.strip().upper()
    if not CODE_PATTERN.match(code):
        return invalid("code must be 1 to 20 letters, digits or dashes", "code")
    settings = _checked_settings(cmd)
    if isinstance(settings, Rejection):
        return settings
    assert context.tenant_id is not None  # the tenancy combinator (streams.tenancy) admitted it
    return [
        PartnerRegistered(
            tenant_id=context.tenant_id,
            code=code,
            name=settings.name,
            sender_ids=settings.sender_ids,
            timezone=settings.timezone,
            reference_qualifiers=settings.reference_qualifiers,
            status_codes=settings.status_codes,
        )
    ]


def _change(state: EdiPartner, cmd: ChangePartnerSettings) -> Decision:
    settings = _checked_settings(cmd)
    if isinstance(settings, Rejection):
        return settings
    current = _Settings(
        state.name, state.sender_ids, state.timezone, state.reference_qualifiers, dict(state.status_codes)
    )
    if settings == current:
        return []
    return [
        PartnerSettingsChanged(
            name=settings.name,
            sender_ids=settings.sender_ids,
            timezone=settings.timezone,
            reference_qualifiers=settings.reference_qualifiers,
            status_codes=settings.status_codes,
        )
    ]


def _issue(state: EdiPartner, cmd: IssueApiKey, context: CommandContext) -> Decision:
    key_id = required_text(cmd.key_id, "key_id", 64)
    if isinstance(key_id, Rejection):
        return key_id
    if not is_key_hash(cmd.key_hash):
        return invalid("key_hash must be a SHA-256 hex digest", "key_hash")
    if any(k.key_id == key_id for k in state.api_keys):
        return reject(RejectionCode.CONFLICT, f"API key {key_id} exists already", "key_id")
    if sum(not k.revoked for k in state.api_keys) >= MAX_KEYS:
        return reject(RejectionCode.ILLEGAL_STATE, f"a partner has at most {MAX_KEYS} active API keys; revoke one")
    return [ApiKeyIssued(key_id=key_id, key_hash=cmd.key_hash, issued_at=context.issued_at, label=cmd.label.strip())]


def _revoke(state: EdiPartner, cmd: RevokeApiKey, context: CommandContext) -> Decision:
    key = next((k for k in state.api_keys if k.key_id == cmd.key_id), None)
    if key is None:
        return reject(RejectionCode.NOT_FOUND, f"no API key {cmd.key_id} on this partner", "key_id")
    return [] if key.revoked else [ApiKeyRevoked(key_id=key.key_id, revoked_at=context.issued_at)]


def _recorded_events(
    result: InterchangeResult, partition: int | None = None, offset: int | None = None
) -> list[EdiPartnerEvent]:
    unknown = [
        UnknownStatusReceived(result.message_id, message.message_reference, status, result.received_at)
        for message in result.messages
        if message.status is ResultStatus.APPLIED
        for status in message.unknown_statuses
    ]
    return [InterchangeRecorded(result=result, inbound_partition=partition, inbound_offset=offset), *unknown]


def _recorded_by_agent(state: EdiPartner, context: CommandContext, results: Sequence[InterchangeResult]) -> bool:
    return context.claim(EDI_PARTNER_CLAIM) == state.partner_id and all(
        r.partner_id == state.partner_id for r in results
    )


FORBIDDEN_RECORDING = "interchange results are recorded by the EDI agent for this partner"


def _record(state: EdiPartner, cmd: RecordInterchange, context: CommandContext) -> Decision:
    if not _recorded_by_agent(state, context, [cmd.result]):
        return reject(RejectionCode.FORBIDDEN, FORBIDDEN_RECORDING)
    return _recorded_events(cmd.result)


def _record_many(state: EdiPartner, cmd: RecordInterchanges, context: CommandContext) -> Decision:
    if not _recorded_by_agent(state, context, [r.result for r in cmd.results]):
        return reject(RejectionCode.FORBIDDEN, FORBIDDEN_RECORDING)
    offsets = [r.offset for r in cmd.results]
    if offsets != sorted(set(offsets)) or (offsets and offsets[0] < 0):
        return invalid("results must come in the order of their distinct offsets", "results")
    ranges = state.recorded.get(str(cmd.partition), ())
    return [
        e
        for r in cmd.results
        if not holds(ranges, r.offset)
        for e in _recorded_events(r.result, cmd.partition, r.offset)
    ]


def decide(state: EdiPartner, command: EdiPartnerCommand, context: CommandContext) -> Decision:
    if isinstance(command, RecordInterchange | RecordInterchanges):
        if state.partner_id is None:
            return reject(RejectionCode.NOT_FOUND, "no such EDI partner")
        if isinstance(command, RecordInterchanges):
            return _record_many(state, command, context)
        return _record(state, command, context)
    if rejection := require_claimed(context, Action.EDI_PARTNERS_MANAGE):
        return rejection
    if isinstance(command, RegisterPartner):
        return _register(state, command, context)
    if state.partner_id is None:
        return reject(RejectionCode.NOT_FOUND, "no such EDI partner")
    match command:
        case ChangePartnerSettings():
            return _change(state, command)
        case IssueApiKey():
            return _issue(state, command, context)
        case RevokeApiKey():
            return _revoke(state, command, context)
    raise TypeError(f"not an EDI partner command: {command!r}")


def evolve(state: EdiPartner, event: EdiPartnerEvent) -> EdiPartner:
    match event:
        case PartnerRegistered():
            return EdiPartner(
                # The id is not in the event: it derives from tenant and code, as the API computed it.
                partner_id=partner_id_for(event.tenant_id, event.code),
                tenant_id=event.tenant_id,
                code=event.code,
                name=event.name,
                sender_ids=event.sender_ids,
                timezone=event.timezone,
                reference_qualifiers=event.reference_qualifiers,
                status_codes=dict(event.status_codes),
            )
        case PartnerSettingsChanged():
            return replace(
                state,
                name=event.name,
                sender_ids=event.sender_ids,
                timezone=event.timezone,
                reference_qualifiers=event.reference_qualifiers,
                status_codes=dict(event.status_codes),
            )
        case ApiKeyIssued():
            return replace(state, api_keys=(*state.api_keys, ApiKey(event.key_id, event.key_hash, event.label)))
        case ApiKeyRevoked(key_id=key_id):
            keys = tuple(replace(k, revoked=True) if k.key_id == key_id else k for k in state.api_keys)
            return replace(state, api_keys=keys)
        case InterchangeRecorded(inbound_partition=int() as partition, inbound_offset=int() as offset):
            recorded = {**state.recorded, str(partition): added(state.recorded.get(str(partition), ()), offset)}
            return replace(state, interchanges=state.interchanges + 1, recorded=recorded)
        case InterchangeRecorded():
            return replace(state, interchanges=state.interchanges + 1)
        case UnknownStatusReceived():
            return state  # a notice for the owner; the partner's settings are unchanged until they map it
    raise TypeError(f"not an EDI partner event: {event!r}")


edi_partner_decider: Decider[EdiPartner, EdiPartnerCommand, EdiPartnerEvent] = Decider(
    initial_state=EdiPartner(), decide=decide, evolve=evolve
)
