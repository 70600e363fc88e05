"""EDI partners: registration by a manager, API keys (hashes only), results recorded only by the EDI agent."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from streams.decider import CommandContext, RejectionCode
from streams.edi.partners import StatusMeaning
from streams.edi_partner.commands import (
    ChangePartnerSettings,
    InboundResult,
    IssueApiKey,
    RecordInterchange,
    RecordInterchanges,
    RegisterPartner,
    RevokeApiKey,
)
from streams.edi_partner.decider import EdiPartner, edi_partner_decider, partner_id_for
from streams.edi_partner.domain import EDI_PARTNER
from streams.edi_partner.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    InterchangeRecorded,
    InterchangeResult,
    PartnerRegistered,
    ResultStatus,
)
from streams.shipment.decider import EDI_PARTNER_CLAIM
from tests.unit.logistics.logistics_scenarios import NOW, OTHER_TENANT, TENANT, then_accepted, then_rejected

decide, fold = EDI_PARTNER.decider.decide, edi_partner_decider.fold
PARTNER = partner_id_for(TENANT, "MAEU")
KEY_HASH = hashlib.sha256(b"wwedi_secret").hexdigest()


def as_role(role: str | None = "admin", tenant: str = TENANT) -> CommandContext:
    claims = (("role", role),) if role else ()
    return CommandContext("cmd-1", NOW, "user-1", tenant, claims)


def as_agent(partner: str = PARTNER) -> CommandContext:
    return CommandContext("cmd-2", NOW, f"edi:{partner}", TENANT, ((EDI_PARTNER_CLAIM, partner),))


def registered() -> list[PartnerRegistered]:
    return [
        PartnerRegistered(
            TENANT, "MAEU", "Maersk A/S", ("MAEU",), "Europe/Berlin", ("CNI", "BN"), {"CUS": StatusMeaning.AT_CUSTOMS}
        )
    ]


def result(partner: str = PARTNER, number: int = 1) -> InterchangeResult:
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    message_id = f"6f1c2a4e-0000-4000-8000-{number:012d}"
    return InterchangeResult(message_id, partner, ResultStatus.APPLIED, at, 1, "MAEU", f"R{number}")


def test_a_manager_registers_a_partner_whose_settings_drive_the_mapping() -> None:
    command = RegisterPartner(
        " maeu ", "Maersk A/S", ("MAEU", "MAEU"), "Europe/Berlin", ("cni", "BN"), {"CUS": "at_customs"}
    )  # type: ignore[dict-item]
    [event] = then_accepted(decide(EdiPartner(), command, as_role("owner")))
    assert event == registered()[0]
    partner = fold([event]).trading_partner()
    assert (partner.partner_id, partner.tenant_id, partner.sender_ids) == (PARTNER, TENANT, ("MAEU",))
    assert partner.meaning("CUS", "ZZZ") is StatusMeaning.AT_CUSTOMS


def test_an_operator_may_not_manage_partners_and_bad_settings_name_the_field() -> None:
    command = RegisterPartner("MAEU", "Maersk A/S", ("MAEU",))
    then_rejected(decide(EdiPartner(), command, as_role("operator")), RejectionCode.FORBIDDEN, "edi.partners.manage")
    zone = RegisterPartner("MAEU", "Maersk A/S", ("MAEU",), timezone="Mars/Olympus")
    assert then_rejected(decide(EdiPartner(), zone, as_role()), RejectionCode.INVALID, "IANA").field == "timezone"
    meaning = RegisterPartner("MAEU", "Maersk", ("MAEU",), status_codes={"X": "teleported"})  # type: ignore[dict-item]
    then_rejected(decide(EdiPartner(), meaning, as_role()), RejectionCode.INVALID, "teleported")
    then_rejected(decide(EdiPartner(), RegisterPartner("MAEU", "M", ()), as_role()), RejectionCode.INVALID, "sender")


def test_api_keys_are_kept_as_hashes_issued_once_and_revoked() -> None:
    [issued] = then_accepted(decide(fold(registered()), IssueApiKey("k1", KEY_HASH, "ops"), as_role()))
    assert issued == ApiKeyIssued("k1", KEY_HASH, NOW, "ops")
    with_key = fold([*registered(), issued])
    then_rejected(decide(with_key, IssueApiKey("k1", KEY_HASH), as_role()), RejectionCode.CONFLICT, "k1")
    then_rejected(decide(with_key, IssueApiKey("k2", "plaintext"), as_role()), RejectionCode.INVALID, "SHA-256")
    [revoked] = then_accepted(decide(with_key, RevokeApiKey("k1"), as_role()))
    assert revoked == ApiKeyRevoked("k1", NOW)
    assert then_accepted(decide(fold([*registered(), issued, revoked]), RevokeApiKey("k1"), as_role())) == []
    then_rejected(decide(with_key, RevokeApiKey("nope"), as_role()), RejectionCode.NOT_FOUND, "nope")


def test_only_the_edi_agent_for_this_partner_records_interchange_results() -> None:
    partner = fold(registered())
    assert then_accepted(decide(partner, RecordInterchange(result()), as_agent())) == [InterchangeRecorded(result())]
    then_rejected(decide(partner, RecordInterchange(result()), as_role("owner")), RejectionCode.FORBIDDEN, "EDI agent")
    other = partner_id_for(TENANT, "OTHER")
    then_rejected(decide(partner, RecordInterchange(result(other)), as_agent(other)), RejectionCode.FORBIDDEN)
    then_rejected(decide(EdiPartner(), RecordInterchange(result()), as_agent()), RejectionCode.NOT_FOUND)


def recorded_at(partition: int, *offsets: int) -> RecordInterchanges:
    return RecordInterchanges(partition, tuple(InboundResult(o, result(number=o)) for o in offsets))


def test_a_round_of_results_is_recorded_once_however_a_rerun_groups_its_records() -> None:
    partner = fold(registered())
    first = then_accepted(decide(partner, recorded_at(2, 10, 11, 12), as_agent()))
    assert first == [InterchangeRecorded(result(number=o), 2, o) for o in (10, 11, 12)]
    after = fold(first, partner)
    assert after.interchanges == 3 and after.recorded == {"2": ((10, 12),)}
    # After a crash the same records come again, grouped otherwise: only 13 is new.
    again = then_accepted(decide(after, recorded_at(2, 11, 12, 13), as_agent()))
    assert again == [InterchangeRecorded(result(number=13), 2, 13)]
    assert then_accepted(decide(after, recorded_at(2, 12), as_agent())) == []
    # Records a fetch lost, handled late (before and between what was recorded), are recorded when they come.
    late = fold(then_accepted(decide(after, recorded_at(2, 15), as_agent())), after)
    assert late.recorded == {"2": ((10, 12), (15, 15))}
    filled = then_accepted(decide(late, recorded_at(2, 8, 13, 14, 15), as_agent()))
    assert [e.inbound_offset for e in filled if isinstance(e, InterchangeRecorded)] == [8, 13, 14]
    assert fold(filled, late).recorded == {"2": ((8, 8), (10, 15))}
    # Another partition keeps its own (the partitions of edi.inbound were increased).
    assert then_accepted(decide(after, recorded_at(5, 3), as_agent())) == [InterchangeRecorded(result(number=3), 5, 3)]


def test_a_round_of_results_only_from_the_edi_agent_and_in_offset_order() -> None:
    partner = fold(registered())
    then_rejected(decide(partner, recorded_at(0, 1), as_role("owner")), RejectionCode.FORBIDDEN, "EDI agent")
    other = partner_id_for(TENANT, "OTHER")
    mixed = RecordInterchanges(0, (InboundResult(1, result()), InboundResult(2, result(other))))
    then_rejected(decide(partner, mixed, as_agent()), RejectionCode.FORBIDDEN)
    then_rejected(decide(partner, recorded_at(0, 2, 1), as_agent()), RejectionCode.INVALID, "order")
    then_rejected(decide(partner, recorded_at(0, 1, 1), as_agent()), RejectionCode.INVALID, "order")
    then_rejected(decide(EdiPartner(), recorded_at(0, 1), as_agent()), RejectionCode.NOT_FOUND)


def test_another_tenant_cannot_reach_the_partner() -> None:
    change = ChangePartnerSettings("Maersk", ("MAEU",))
    then_rejected(decide(fold(registered()), change, as_role("owner", OTHER_TENANT)), RejectionCode.NOT_FOUND)
