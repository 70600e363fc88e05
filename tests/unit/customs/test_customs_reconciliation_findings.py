"""Reconciliation on a declaration: the authority's assessed payments on release, findings a pipeline records once."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from streams.customs.commands import RecordReconciliationFinding, ReleaseDeclaration
from streams.customs.declaration import DeclarationStatus
from streams.customs.events import DeclarationReleased, ReconciliationFindingRecorded
from streams.customs.reconciliation import AssessedPayment, DifferenceClass
from streams.decider import CommandContext, Rejection, RejectionCode
from streams.pipeline import pipeline_claims
from tests.unit.customs.test_customs_declaration_decider import (
    CUSTOMS,
    NOW,
    TENANT,
    context,
    decide,
    given,
    registered_events,
)

PIPELINE = CommandContext("cmd-9", NOW, "pipeline:duty_reconciliation", TENANT,
                          tuple(pipeline_claims("duty_reconciliation").items()))  # fmt: skip
DAY = date(2025, 3, 20)
ASSESSED = (
    AssessedPayment("2010", Decimal("1500.00"), "7.5%", date(2025, 3, 19)),
    AssessedPayment("5010", Decimal("0")),
)


def overpayment(day: date = DAY) -> RecordReconciliationFinding:
    return RecordReconciliationFinding(
        day, "2010", DifferenceClass.OVERPAYMENT, Decimal("1000.00"), Decimal("1000.00"), Decimal("1000.00"),
        Decimal("1300.00"), Decimal("300.00"), "paid 300.00 RUB over",
    )  # fmt: skip


def released_state():  # type: ignore[no-untyped-def]
    return given(*registered_events(), DeclarationReleased(NOW, ASSESSED))


def test_release_carries_the_authority_s_assessed_payments_into_the_state() -> None:
    events = decide(given(*registered_events()), ReleaseDeclaration(ASSESSED), CUSTOMS)
    assert events == [DeclarationReleased(NOW, ASSESSED)]
    state = given(*registered_events(), *events)
    assert state.status is DeclarationStatus.RELEASED and state.assessed == ASSESSED
    assert state.filed_items == state.items  # the items as submitted, kept for the calculation at filing


def test_release_refuses_two_amounts_for_one_type_or_a_negative_amount() -> None:
    twice = ReleaseDeclaration((ASSESSED[0], ASSESSED[0]))
    negative = ReleaseDeclaration((replace(ASSESSED[0], amount=Decimal("-1")),))
    for command in (twice, negative):
        refused = decide(given(*registered_events()), command, CUSTOMS)
        assert isinstance(refused, Rejection) and refused.code is RejectionCode.INVALID and refused.field == "assessed"


def test_a_finding_is_recorded_once_per_type_day_and_class() -> None:
    events = decide(released_state(), overpayment(), PIPELINE)
    assert [type(e) for e in events] == [ReconciliationFindingRecorded]
    finding = events[0].finding
    assert finding.finding_id == "2025-03-20:2010:overpayment" and finding.recorded_at == NOW
    state = given(*registered_events(), DeclarationReleased(NOW, ASSESSED), *events)
    assert state.reconciliation_findings == (finding,)
    assert decide(state, overpayment(), PIPELINE) == []  # the day reconciled again: nothing new
    assert len(decide(state, overpayment(date(2025, 3, 21)), PIPELINE)) == 1  # another day's finding


def test_only_a_pipeline_records_a_finding_and_only_on_a_registered_or_released_declaration() -> None:
    by_person = decide(released_state(), overpayment(), context(role="owner"))
    assert isinstance(by_person, Rejection) and by_person.code is RejectionCode.FORBIDDEN
    draft = given(registered_events()[0])
    refused = decide(draft, overpayment(), PIPELINE)
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.ILLEGAL_STATE
