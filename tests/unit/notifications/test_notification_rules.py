"""The notification rules as data: which events trigger which rule, with which facts and audience."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.rules import KINDS, RULES, Channel, Relation, facts_of, rule_of, rules_for
from streams.company.permissions import Role
from streams.customs.events import DeclarationRejected, DeclarationSubmitted
from streams.edi_partner.events import InterchangeRecorded, InterchangeResult, ResultStatus
from streams.registry import DOMAINS
from streams.shipment.details import ExceptionKind
from streams.shipment.events import ExceptionRaised, ExceptionResolved

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def interchange(status: ResultStatus) -> InterchangeRecorded:
    return InterchangeRecorded(InterchangeResult("m1", "p1", status, AT, 1, "SENDER", "CR42", "bad segment"))


def test_the_four_rules_of_the_issue() -> None:
    assert set(KINDS) == {"shipment_exception", "declaration_rejected", "invoice_overdue", "edi_dead_letter"}
    exception = rule_of("shipment_exception").audience
    assert exception.relations == (Relation.OWNER,) and exception.roles == (Role.OPERATOR,)
    assert rule_of("declaration_rejected").audience.relations == (Relation.DECLARANT,)
    assert rule_of("invoice_overdue").audience.roles == (Role.ACCOUNTANT,)
    assert rule_of("edi_dead_letter").audience.relations == (Relation.OWNER,)
    assert [r.kind for r in RULES if r.digest] == ["edi_dead_letter"]
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
