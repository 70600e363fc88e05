"""The EDI agent's bookkeeping: submissions keep their id, retries re-send only what was not accepted."""

from __future__ import annotations

import uuid

from streams.edi.handling import (
    ACCEPTED,
    REJECTED,
    UNANSWERED,
    Answer,
    InterchangeLog,
    message_result,
    read_submission,
    wrap_submission,
)
from streams.edi.mapping import translate_interchange
from streams.edi_partner.events import ResultStatus
from tests.unit.logistics.logistics_scenarios import fixture, hanse_partner, maersk_partner
from wellwon.envelope import derived_id

RAW = fixture("iftsta_d96a_delivered.edi")


def test_an_api_submission_keeps_its_message_id_through_the_wrapping() -> None:
    message_id = str(uuid.uuid4())
    submission = read_submission("MAEU", wrap_submission(message_id, RAW))
    assert (submission.message_id, submission.raw, submission.channel) == (message_id, RAW, "http")


def test_raw_records_get_an_id_derived_from_partner_and_bytes() -> None:
    first, again = read_submission("MAEU", RAW), read_submission("MAEU", RAW)
    assert first.channel == "kafka" and first.raw == RAW and first.message_id == again.message_id
    assert read_submission("OTHER", RAW).message_id != first.message_id
    assert read_submission("MAEU", RAW + b"\n").message_id != first.message_id


def test_a_retry_skips_accepted_commands_renames_rejected_ones_and_repeats_unanswered_ones() -> None:
    booking = translate_interchange(fixture("iftmin_d96a_sea_booking.edi"), hanse_partner())
    requests = list(booking.requests)
    accepted, rejected, unanswered = requests[0], requests[1], requests[2]
    log = InterchangeLog("m1")
    assert [log.command_id_for(r) for r in requests] == [r.command_id for r in requests]
    log.sent(accepted, accepted.command_id, ACCEPTED)
    log.sent(rejected, rejected.command_id, REJECTED)
    log.sent(unanswered, unanswered.command_id, UNANSWERED)
    again = InterchangeLog.load(log.dump())
    assert again.command_id_for(accepted) is None
    assert again.command_id_for(rejected) == derived_id(rejected.command_id, 1)
    assert again.command_id_for(unanswered) == unanswered.command_id
    again.sent(rejected, derived_id(rejected.command_id, 1), REJECTED)
    assert again.command_id_for(rejected) == derived_id(rejected.command_id, 2)


def test_a_message_is_applied_only_when_every_command_was_accepted() -> None:
    requests = list(translate_interchange(RAW, maersk_partner()).requests)
    all_accepted = {r.command_id: Answer(ACCEPTED) for r in requests}
    applied = message_result("1", "IFTSTA D.96A", requests, all_accepted)
    assert (applied.status, applied.reason, applied.shipment_references) == (
        ResultStatus.APPLIED,
        None,
        ("WW-SEA-24001",),
    )
    last = requests[-1]
    refused = {**all_accepted, last.command_id: Answer(REJECTED, "not_found", "no such shipment")}
    failed = message_result("1", "IFTSTA D.96A", requests, refused)
    assert failed.status is ResultStatus.DEAD_LETTERED
    assert failed.reason == (
        f"message 1: {type(last.command).__name__} for shipment WW-SEA-24001 rejected (not_found): no such shipment"
        " (identifiers tried: reference WW-SEA-24001 (CNI))"
    )
