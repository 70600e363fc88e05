"""EDI partner settings at their limits, each refusal exactly (the API shows reason and field), and what the
partner's state remembers after each event (settings, keys, the count of recorded interchanges)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.edi.partners import StatusMeaning, TradingPartner
from streams.edi_partner.commands import (
    ChangePartnerSettings,
    IssueApiKey,
    RecordInterchange,
    RegisterPartner,
    RevokeApiKey,
)
from streams.edi_partner.decider import ApiKey, EdiPartner, edi_partner_decider
from streams.edi_partner.events import (
    ApiKeyRevoked,
    InterchangeRecorded,
    MessageResult,
    PartnerSettingsChanged,
    ResultStatus,
    UnknownStatus,
    UnknownStatusReceived,
)
from tests.unit.logistics.logistics_scenarios import NOW, TENANT
from tests.unit.logistics.test_edi_partner_decider import as_agent, result
from tests.unit.logistics.test_edi_partner_rules import KEY_HASH, PARTNER, REGISTERED, decided, issued

REGISTER = RegisterPartner("MAEU", "Maersk A/S", ("MAEU",), "Europe/Berlin", ("CNI",))
ALLOWED = "picked_up, departed, arrived, at_customs, released, delivered, delayed, damaged, held, cancelled"


def invalid(reason: str, field: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": "MAEU_1"}, invalid("code must be 1 to 20 letters, digits or dashes", "code")),
        ({"code": "A" * 21}, invalid("code must be 1 to 20 letters, digits or dashes", "code")),
        ({"name": " "}, invalid("name is required", "name")),
        ({"name": "N" * 141}, invalid("name must be at most 140 characters", "name")),
        ({"sender_ids": ()}, invalid("a partner sends from 1 to 20 sender ids", "sender_ids")),
        (
            {"sender_ids": tuple(f"S{i}" for i in range(21))},
            invalid("a partner sends from 1 to 20 sender ids", "sender_ids"),
        ),
        (
            {"sender_ids": ("MAEU", "MAEU+1")},
            invalid("'MAEU+1' is not a UNB sender id (1 to 35 letters, digits, spaces or . _ / -)", "sender_ids"),
        ),
        (
            {"reference_qualifiers": ()},
            invalid("reference qualifiers are 1 to 3 letters or digits each, at least one", "reference_qualifiers"),
        ),
        (
            {"reference_qualifiers": ("CNI", "ABCD")},
            invalid("reference qualifiers are 1 to 3 letters or digits each, at least one", "reference_qualifiers"),
        ),
        (
            {"status_codes": {"X9": "teleported"}},
            invalid(f"status code X9: 'teleported' is not one of {ALLOWED}", "status_codes"),
        ),
    ],
)
def test_registration_refuses_bad_settings_naming_the_rule_and_the_field(
    changes: dict[str, Any], expected: Rejection
) -> None:
    assert decided([], replace(REGISTER, **changes)) == expected


def test_settings_at_their_limits_are_accepted() -> None:
    widest = replace(
        REGISTER,
        code="A" * 20,
        name="N" * 140,
        sender_ids=tuple(f"S{i}" for i in range(20)),
        reference_qualifiers=("ABC",),
    )
    events = decided([], widest)
    assert isinstance(events, list) and len(events) == 1
    event = events[0]
    assert (event.code, len(event.name), len(event.sender_ids)) == ("A" * 20, 140, 20)


def test_a_second_registration_is_a_conflict_on_the_code() -> None:
    assert decided([REGISTERED], REGISTER) == Rejection(
        RejectionCode.CONFLICT, "partner MAEU is registered already", "code"
    )


@pytest.mark.parametrize(
    "command", [ChangePartnerSettings("Maersk", ("MAEU",)), IssueApiKey("k1", KEY_HASH), RevokeApiKey("k1")]
)
def test_managing_a_partner_that_is_not_registered_is_not_found(command: object) -> None:
    assert decided([], command) == Rejection(RejectionCode.NOT_FOUND, "no such EDI partner")


def test_an_interchange_for_a_partner_that_is_not_registered_is_not_found() -> None:
    assert decided([], RecordInterchange(result()), as_agent()) == Rejection(
        RejectionCode.NOT_FOUND, "no such EDI partner"
    )


def test_a_settings_change_replaces_every_setting_the_mapping_reads() -> None:
    change = PartnerSettingsChanged(
        "Maersk Line", ("MAEU", "MAERSK"), "Asia/Shanghai", ("BN",), {"DEL": StatusMeaning.DELIVERED}
    )
    partner = edi_partner_decider.fold([REGISTERED, change])
    assert partner.trading_partner() == TradingPartner(
        partner_id=PARTNER,
        tenant_id=TENANT,
        name="Maersk Line",
        sender_ids=("MAEU", "MAERSK"),
        reference_qualifiers=("BN",),
        timezone="Asia/Shanghai",
        status_codes={"DEL": StatusMeaning.DELIVERED},
    )
    assert (partner.code, partner.interchanges, partner.api_keys) == ("MAEU", 0, ())


def test_registration_sets_up_the_trading_partner_as_registered() -> None:
    assert edi_partner_decider.fold([REGISTERED]).trading_partner() == TradingPartner(
        partner_id=PARTNER,
        tenant_id=TENANT,
        name="Maersk A/S",
        sender_ids=("MAEU",),
        reference_qualifiers=("CNI", "BN"),
        timezone="Europe/Berlin",
        status_codes={"CUS": StatusMeaning.AT_CUSTOMS},
    )


def test_keys_are_remembered_with_hash_and_label_and_revoking_one_leaves_the_others() -> None:
    labelled = replace(issued("k2"), label="night batch")
    partner = edi_partner_decider.fold([REGISTERED, issued("k1"), labelled, ApiKeyRevoked("k1", NOW)])
    assert partner.api_keys == (ApiKey("k1", KEY_HASH, "", revoked=True), ApiKey("k2", KEY_HASH, "night batch"))


def test_each_recorded_interchange_is_counted_once_and_an_unknown_status_changes_no_setting() -> None:
    unknown = UnknownStatusReceived("m-1", "R1", UnknownStatus("ZZZ", "", "parked at the gate", "REF-1"), NOW)
    before = edi_partner_decider.fold([REGISTERED])
    after = edi_partner_decider.fold([InterchangeRecorded(result()), unknown, InterchangeRecorded(result())], before)
    assert after == replace(before, interchanges=2)


def test_unknown_statuses_of_applied_messages_become_notices_for_the_owner() -> None:
    zzz, yyy = UnknownStatus("ZZZ", "", "parked at the gate", "REF-1"), UnknownStatus("YYY", "ZZZ", "", "REF-2")
    messages = (
        MessageResult("R1", "IFTSTA D.96A", ResultStatus.APPLIED, unknown_statuses=(zzz, yyy)),
        MessageResult(
            "R2", "IFTSTA D.96A", ResultStatus.DEAD_LETTERED, reason="no such shipment", unknown_statuses=(zzz,)
        ),
    )
    received = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with_messages = replace(result(), messages=messages)
    assert decided([REGISTERED], RecordInterchange(with_messages), as_agent()) == [
        InterchangeRecorded(with_messages),
        UnknownStatusReceived(with_messages.message_id, "R1", zzz, received),
        UnknownStatusReceived(with_messages.message_id, "R1", yyy, received),
    ]


def test_an_unknown_command_or_event_is_a_programming_error() -> None:
    partner = edi_partner_decider.fold([REGISTERED])
    with pytest.raises(TypeError, match="not an EDI partner command"):
        decided([REGISTERED], "register")
    with pytest.raises(TypeError, match="not an EDI partner event"):
        edi_partner_decider.evolve(partner, "registered")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "partner",
    [EdiPartner(), EdiPartner(partner_id="p-1"), EdiPartner(tenant_id=TENANT)],
    ids=["neither", "no tenant", "no partner id"],
)
def test_the_trading_partner_exists_only_with_both_its_id_and_its_tenant(partner: EdiPartner) -> None:
    with pytest.raises(AssertionError):
        partner.trading_partner()
