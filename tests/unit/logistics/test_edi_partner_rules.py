"""EDI partner rules, exactly: settings changes, API keys (issue, limit, revoke) and who records results.

The API answers a refusal with its reason and the field at fault (422 naming it), so both are part of the rule.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace

from streams.decider import CommandContext, Rejection, RejectionCode
from streams.edi.partners import StatusMeaning
from streams.edi_partner.commands import ChangePartnerSettings, IssueApiKey, RecordInterchange, RevokeApiKey
from streams.edi_partner.decider import MAX_KEYS, PARTNER_NAMESPACE, edi_partner_decider, partner_id_for
from streams.edi_partner.domain import EDI_PARTNER
from streams.edi_partner.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    EdiPartnerEvent,
    PartnerRegistered,
    PartnerSettingsChanged,
)
from streams.shipment.decider import EDI_PARTNER_CLAIM
from tests.unit.logistics.logistics_scenarios import NOW, OTHER_TENANT, TENANT
from tests.unit.logistics.test_edi_partner_decider import result

PARTNER = partner_id_for(TENANT, "MAEU")
KEY_HASH = hashlib.sha256(b"wwedi_secret").hexdigest()
REGISTERED = PartnerRegistered(
    TENANT, "MAEU", "Maersk A/S", ("MAEU",), "Europe/Berlin", ("CNI", "BN"), {"CUS": StatusMeaning.AT_CUSTOMS}
)
SETTINGS = ChangePartnerSettings("Maersk A/S", ("MAEU",), "Europe/Berlin", ("CNI", "BN"), {"CUS": "at_customs"})  # type: ignore[dict-item]


def manager() -> CommandContext:
    return CommandContext("cmd-1", NOW, "user-1", TENANT, (("role", "admin"),))


def decided(events: list[EdiPartnerEvent], command: object, context: CommandContext | None = None) -> object:
    return EDI_PARTNER.decider.decide(edi_partner_decider.fold(events), command, context or manager())


def issued(key_id: str) -> ApiKeyIssued:
    return ApiKeyIssued(key_id=key_id, key_hash=KEY_HASH, issued_at=NOW, label="")


def test_settings_change_only_when_they_differ_and_the_change_carries_every_setting() -> None:
    assert decided([REGISTERED], SETTINGS) == []  # the same settings, written differently or not
    assert decided([REGISTERED], replace(SETTINGS, reference_qualifiers=(" cni ", "bn"))) == []
    changed = replace(SETTINGS, name=" Maersk Line ", sender_ids=("MAEU", "MAERSK"), timezone="Asia/Shanghai")
    assert decided([REGISTERED], changed) == [
        PartnerSettingsChanged(
            name="Maersk Line",
            sender_ids=("MAEU", "MAERSK"),
            timezone="Asia/Shanghai",
            reference_qualifiers=("CNI", "BN"),
            status_codes={"CUS": StatusMeaning.AT_CUSTOMS},
        )
    ]
    for one_setting in (
        replace(SETTINGS, name="Maersk Line"),
        replace(SETTINGS, sender_ids=("MAERSK",)),
        replace(SETTINGS, timezone="UTC"),
        replace(SETTINGS, reference_qualifiers=("CNI",)),
        replace(SETTINGS, status_codes={"CUS": "delivered"}),  # type: ignore[dict-item]
    ):
        assert decided([REGISTERED], one_setting) != [], one_setting
    assert decided([REGISTERED], replace(SETTINGS, timezone="Mars/Olympus")) == Rejection(
        RejectionCode.INVALID, "'Mars/Olympus' is not an IANA time zone, e.g. Europe/Hamburg", "timezone"
    )


def test_an_api_key_is_issued_with_its_hash_and_label_once() -> None:
    assert decided([REGISTERED], IssueApiKey(" k1 ", KEY_HASH, " ops ")) == [
        ApiKeyIssued(key_id="k1", key_hash=KEY_HASH, issued_at=NOW, label="ops")
    ]
    assert decided([REGISTERED, issued("k1")], IssueApiKey("k1", KEY_HASH)) == Rejection(
        RejectionCode.CONFLICT, "API key k1 exists already", "key_id"
    )
    assert decided([REGISTERED], IssueApiKey("k1", "not-a-digest")) == Rejection(
        RejectionCode.INVALID, "key_hash must be a SHA-256 hex digest", "key_hash"
    )
    assert decided([REGISTERED], IssueApiKey(" ", KEY_HASH)) == Rejection(
        RejectionCode.INVALID, "key_id is required", "key_id"
    )
    assert decided([REGISTERED], IssueApiKey("k" * 65, KEY_HASH)) == Rejection(
        RejectionCode.INVALID, "key_id must be at most 64 characters", "key_id"
    )
    assert decided([REGISTERED], IssueApiKey("k" * 64, KEY_HASH)) == [issued("k" * 64)]


def test_a_partner_holds_at_most_its_maximum_of_active_keys_and_revoking_one_frees_a_place() -> None:
    full: list[EdiPartnerEvent] = [REGISTERED, *(issued(f"k{n}") for n in range(MAX_KEYS))]
    assert decided(full[:-1], IssueApiKey("new", KEY_HASH)) == [issued("new")]  # one place left
    assert decided(full, IssueApiKey("new", KEY_HASH)) == Rejection(
        RejectionCode.ILLEGAL_STATE, f"a partner has at most {MAX_KEYS} active API keys; revoke one"
    )
    assert decided([*full, ApiKeyRevoked("k0", NOW)], IssueApiKey("new", KEY_HASH)) == [issued("new")]


def test_a_key_is_revoked_once_and_only_if_it_exists() -> None:
    assert decided([REGISTERED, issued("k1")], RevokeApiKey("k1")) == [ApiKeyRevoked(key_id="k1", revoked_at=NOW)]
    assert decided([REGISTERED, issued("k1"), ApiKeyRevoked("k1", NOW)], RevokeApiKey("k1")) == []
    assert decided([REGISTERED], RevokeApiKey("k9")) == Rejection(
        RejectionCode.NOT_FOUND, "no API key k9 on this partner", "key_id"
    )


def test_only_the_partner_s_own_agent_records_its_results() -> None:
    forbidden = Rejection(RejectionCode.FORBIDDEN, "interchange results are recorded by the EDI agent for this partner")
    other_agent = CommandContext("cmd-2", NOW, "edi:x", TENANT, ((EDI_PARTNER_CLAIM, "another-partner"),))
    assert decided([REGISTERED], RecordInterchange(result(PARTNER)), manager()) == forbidden
    assert decided([REGISTERED], RecordInterchange(result(PARTNER)), other_agent) == forbidden


def test_a_partner_id_is_the_uuid5_of_tenant_and_upper_case_code_so_ids_already_issued_stay_valid() -> None:
    # The id is in URLs, Kafka keys and read models: the derivation is a stored contract, not a detail.
    expected = str(uuid.uuid5(PARTNER_NAMESPACE, f"{TENANT}\nMAEU"))
    assert partner_id_for(TENANT, " maeu ") == partner_id_for(TENANT, "MAEU") == expected
    assert partner_id_for(OTHER_TENANT, "MAEU") != expected
