"""Compliance: missing and expiring documents by procedure and commodity, judged on a date."""

from dataclasses import replace
from datetime import date, timedelta

from streams.customs.compliance import DEFAULT_COMPLIANCE_RULES, ComplianceRules, DocumentRequirement, check_compliance
from streams.customs.declaration import DeclarationHeader, SupportingDocument
from streams.customs.examples import EXAMPLE_DATE, example_declaration


def test_a_complete_declaration_lacks_nothing() -> None:
    report = check_compliance(example_declaration(6), EXAMPLE_DATE)
    assert report.complete and report.missing == ()


def test_a_document_expiring_within_the_window_is_reported_and_one_beyond_is_not() -> None:
    declaration = example_declaration(1)
    window = DEFAULT_COMPLIANCE_RULES.expiring_within_days
    contract_expiry = date(2026, 12, 31)
    on_edge = check_compliance(declaration, contract_expiry - timedelta(days=window))
    assert [f.document_id for f in on_edge.expiring] == ["doc-contract"]
    before = check_compliance(declaration, contract_expiry - timedelta(days=window + 1))
    assert before.expiring == ()


def test_an_expired_required_document_is_missing() -> None:
    report = check_compliance(example_declaration(1), date(2027, 1, 1))
    (finding,) = report.missing
    assert finding.requirement_id == "contract" and "expired" in finding.message
    assert finding.document_id == "doc-contract"


def test_a_document_issued_after_the_date_does_not_count() -> None:
    declaration = example_declaration(1)
    late_invoice = SupportingDocument("doc-invoice", "04021", "INV-LATE", EXAMPLE_DATE + timedelta(days=1))
    documents = tuple(late_invoice if d.document_id == "doc-invoice" else d for d in declaration.documents)
    report = check_compliance(replace(declaration, documents=documents), EXAMPLE_DATE)
    assert [f.requirement_id for f in report.missing] == ["invoice"]


def test_requirements_depend_on_procedure_and_commodity() -> None:
    declaration = replace(example_declaration(2), documents=())
    imported = {f.requirement_id for f in check_compliance(declaration, EXAMPLE_DATE).missing}
    assert imported == {"invoice", "contract", "conformity"}
    transit = replace(declaration, header=replace(declaration.header, procedure_code="80"))
    assert {f.requirement_id for f in check_compliance(transit, EXAMPLE_DATE).missing} == {"invoice", "contract"}
    arms = replace(declaration, items=(replace(declaration.items[0], commodity_code="9303300000"),))
    missing = {f.requirement_id: f for f in check_compliance(arms, EXAMPLE_DATE).missing}
    assert missing["licence"].item_ids == ("item-1",)


def test_operators_supply_their_own_rules() -> None:
    rules = ComplianceRules(
        (DocumentRequirement("origin", "06011", "certificate of origin", procedure_codes=("40",)),),
        expiring_within_days=10,
    )
    declaration = replace(example_declaration(1), header=DeclarationHeader(procedure_code="40"))
    (finding,) = check_compliance(declaration, EXAMPLE_DATE, rules).missing
    assert finding.document_type_code == "06011" and finding.message == "certificate of origin (06011) missing"
