"""Reconciliation on a declaration, refusal by refusal: the assessed payments on release and a pipeline's findings."""

from dataclasses import replace
from decimal import Decimal

import pytest

from streams.customs.commands import ReleaseDeclaration
from streams.customs.declaration import Declaration
from streams.customs.events import DeclarationReleased, ReconciliationFindingRecorded
from streams.customs.reconciliation import AssessedPayment, DifferenceClass, ReconciliationFinding
from streams.decider import Rejection, RejectionCode
from tests.unit.customs.test_customs_declaration_decider import (
    CUSTOMS,
    NOW,
    context,
    decide,
    given,
    registered_events,
)
from tests.unit.customs.test_customs_reconciliation_findings import ASSESSED, DAY, PIPELINE, overpayment


def released() -> Declaration:
    return given(*registered_events(), DeclarationReleased(NOW, ASSESSED))


def refusal(decision: object) -> tuple[RejectionCode, str | None, str]:
    assert isinstance(decision, Rejection), decision
    return decision.code, decision.field, decision.reason


@pytest.mark.parametrize(
    ("assessed", "reason"),
    [
        ((ASSESSED[0], replace(ASSESSED[1], payment_code="2010")), "one assessed amount per payment type"),
        ((replace(ASSESSED[0], amount=Decimal("-1")),), "assessed 2010: payments due: must be greater than zero"),
        (
            (replace(ASSESSED[0], amount=Decimal("1.005")),),
            "assessed 2010: payments due: RUB has 2 decimals; 1.005 has more",
        ),
    ],
)
def test_release_refuses_assessed_payments_naming_the_type_and_why(
    assessed: tuple[AssessedPayment, ...], reason: str
) -> None:
    decision = decide(given(*registered_events()), ReleaseDeclaration(assessed), CUSTOMS)
    assert refusal(decision) == (RejectionCode.INVALID, "assessed", reason)


def test_a_finding_is_recorded_with_every_figure_and_its_explanation_cut_to_a_thousand_characters() -> None:
    long = replace(overpayment(), explanation="e" * 1001)
    [recorded] = decide(released(), long, PIPELINE)
    assert recorded == ReconciliationFindingRecorded(
        ReconciliationFinding(
            "2025-03-20:2010:overpayment", DAY, "2010", DifferenceClass.OVERPAYMENT, Decimal("1000.00"),
            Decimal("1000.00"), Decimal("1000.00"), Decimal("1300.00"), Decimal("300.00"), "e" * 1000, NOW,
        )
    )  # fmt: skip


def test_a_registered_declaration_not_yet_released_takes_findings_too() -> None:
    [recorded] = decide(given(*registered_events()), overpayment(), PIPELINE)
    assert recorded.finding.finding_id == "2025-03-20:2010:overpayment"


def test_the_same_day_records_one_finding_per_payment_type_and_class() -> None:
    [first] = decide(released(), overpayment(), PIPELINE)
    state = given(*registered_events(), DeclarationReleased(NOW, ASSESSED), first)
    [other_class] = decide(state, replace(overpayment(), difference_class=DifferenceClass.ROUNDING), PIPELINE)
    [other_type] = decide(state, replace(overpayment(), payment_code="5010"), PIPELINE)
    assert (other_class.finding.finding_id, other_type.finding.finding_id) == (
        "2025-03-20:2010:rounding",
        "2025-03-20:5010:overpayment",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"payment_code": " "},
        {"calculated": Decimal("NaN")},
        {"declared": Decimal("Infinity")},
        {"assessed": Decimal("NaN")},
        {"paid": Decimal("-Infinity")},
        {"difference": Decimal("NaN")},
    ],
)
def test_a_finding_names_its_payment_type_and_only_finite_amounts(changes: dict[str, object]) -> None:
    decision = decide(released(), replace(overpayment(), **changes), PIPELINE)  # type: ignore[arg-type]
    assert refusal(decision) == (RejectionCode.INVALID, None, "a finding names its payment type and finite amounts")


def test_a_finding_comes_from_a_pipeline_on_a_declaration_with_payments() -> None:
    by_person = decide(released(), overpayment(), context(role="owner"))
    assert refusal(by_person) == (
        RejectionCode.FORBIDDEN,
        None,
        "recording a reconciliation finding is a step of a pipeline, not of a person",
    )
    draft = decide(given(registered_events()[0]), overpayment(), PIPELINE)
    assert refusal(draft) == (RejectionCode.ILLEGAL_STATE, None, "a draft declaration has no payments to reconcile")


def test_a_refused_release_names_the_state_it_needs() -> None:
    decision = decide(released(), ReleaseDeclaration(ASSESSED), CUSTOMS)
    assert refusal(decision)[2] == "only a registered declaration is released, not a released"


def test_assessed_amounts_of_zero_are_accepted_as_nothing_due() -> None:
    nothing = (AssessedPayment("2010", Decimal(0)), AssessedPayment("5010", Decimal("0.00")))
    assert decide(given(*registered_events()), ReleaseDeclaration(nothing), CUSTOMS) == [
        DeclarationReleased(NOW, nothing)
    ]
