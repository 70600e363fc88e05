"""The notification rules as data: which events trigger which rule, with which facts and audience."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from notifications.rules import KINDS, RULES, Channel, Relation, facts_of, rule_of, rules_for
from streams.company.permissions import Role
from streams.customs.events import DeclarationRejected, DeclarationSubmitted, ReconciliationFindingRecorded
from streams.customs.reconciliation import DifferenceClass, ReconciliationFinding, finding_key
from streams.edi_partner.events import InterchangeRecorded, InterchangeResult, ResultStatus
from streams.registry import DOMAINS
from streams.shipment.details import ExceptionKind
from streams.shipment.events import ExceptionRaised, ExceptionResolved

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def interchange(status: ResultStatus) -> InterchangeRecorded:
    return InterchangeRecorded(InterchangeResult("m1", "p1", status, AT, 1, "SENDER", "CR42", "bad segment"))


def test_the_rules_of_the_issues() -> None:
    assert set(KINDS) == {
        "shipment_exception", "declaration_rejected", "reconciliation_finding", "invoice_overdue", "edi_dead_letter",
    }  # fmt: skip
    exception = rule_of("shipment_exception").audience
    assert exception.relations == (Relation.OWNER,) and exception.roles == (Role.OPERATOR,)
    assert rule_of("declaration_rejected").audience.relations == (Relation.DECLARANT,)
    finding = rule_of("reconciliation_finding").audience
    assert finding.relations == (Relation.DECLARANT,) and finding.roles == ()
    assert rule_of("invoice_overdue").audience.roles == (Role.ACCOUNTANT,)
    assert rule_of("edi_dead_letter").audience.relations == (Relation.OWNER,)
    assert [r.kind for r in RULES if r.digest] == ["reconciliation_finding", "edi_dead_letter"]
    assert all(Channel.TELEGRAM not in r.channels for r in RULES)


def test_every_rule_names_an_event_the_platform_has_or_the_overdue_check() -> None:
    known = {f"{d.name}.{event.__name__}" for d in DOMAINS for event in d.events} | {"invoice.Overdue"}
    assert {r.event for r in RULES} <= known


def test_an_event_triggers_its_rule_and_others_do_not() -> None:
    raised = ExceptionRaised("x1", ExceptionKind.DAMAGE, "crushed <b>pallet</b>", AT, "api")
    [rule] = rules_for("shipment.ExceptionRaised", raised)
    assert rule.kind == "shipment_exception"
    assert facts_of(rule, raised) == {"kind": "damage", "reason": "crushed <b>pallet</b>"}
    assert rules_for("shipment.ExceptionResolved", ExceptionResolved("x1", ExceptionKind.DAMAGE, "ok", AT, "api")) == []
    assert rules_for("customs_declaration.DeclarationSubmitted", DeclarationSubmitted(AT, AT.date())) == []
    [rejected] = rules_for("customs_declaration.DeclarationRejected", DeclarationRejected("wrong code", AT))
    assert rejected.kind == "declaration_rejected"


def test_an_edi_interchange_notifies_only_when_dead_lettered() -> None:
    [rule] = rules_for("edi_partner.InterchangeRecorded", interchange(ResultStatus.DEAD_LETTERED))
    assert facts_of(rule, interchange(ResultStatus.DEAD_LETTERED)) == {
        "result.control_reference": "CR42",
        "result.reason": "bad segment",
    }
    assert rules_for("edi_partner.InterchangeRecorded", interchange(ResultStatus.APPLIED)) == []
    assert rules_for("edi_partner.InterchangeRecorded", interchange(ResultStatus.DUPLICATE)) == []


def test_a_reconciliation_finding_tells_its_declarant_the_figures() -> None:
    day = date(2026, 11, 30)
    finding = ReconciliationFinding(
        finding_key(day, "5010", DifferenceClass.OVERPAYMENT), day, "5010", DifferenceClass.OVERPAYMENT,
        Decimal("100.00"), Decimal("100.00"), Decimal("100.00"), Decimal("350.00"), Decimal("250.00"),
        "assessed 100.00 RUB, paid 350.00 RUB: 250.00 RUB to reclaim", AT,
    )  # fmt: skip
    [rule] = rules_for("customs_declaration.ReconciliationFindingRecorded", ReconciliationFindingRecorded(finding))
    assert rule.kind == "reconciliation_finding" and Channel.EMAIL in rule.channels
    assert facts_of(rule, ReconciliationFindingRecorded(finding)) == {
        "finding.payment_code": "5010",
        "finding.difference_class": "overpayment",
        "finding.difference": "250.00",
        "finding.assessed": "100.00",
        "finding.paid": "350.00",
    }
