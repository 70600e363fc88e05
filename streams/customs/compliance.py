"""Compliance: which supporting documents a declaration still lacks, and which expire soon.

Requirements are data (`DocumentRequirement` rows gathered in `ComplianceRules`) that an operator can
replace: a requirement names a document type, the procedures it applies to and, optionally, the
commodity-code prefixes it applies to. Without prefixes it is met by one valid document of that type
for the whole declaration; with prefixes, every goods item whose code starts with one of them needs a
valid document of that type covering it (a document with no item list covers every item).

A document is valid on the assessment date when it was issued on or before it and does not expire
before it. A required document that has expired counts as missing. A document expiring within
`expiring_within_days` of the assessment date is reported as expiring. All of it is pure data in and
out, so the decider can refuse submission while anything is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from streams.customs.codes import CONFORMITY_CERTIFICATE, CONTRACT, DOCUMENT_TYPE_BY_CODE, INVOICE, LICENCE
from streams.customs.declaration import (
    ComplianceFinding,
    ComplianceReport,
    Declaration,
    FindingKind,
    GoodsItem,
    SupportingDocument,
)


@dataclass(frozen=True)
class DocumentRequirement:
    requirement_id: str
    document_type_code: str
    description: str
    procedure_codes: tuple[str, ...] = ()  # empty: every procedure
    commodity_prefixes: tuple[str, ...] = ()  # empty: once per declaration

    def applies_to_procedure(self, procedure_code: str) -> bool:
        return not self.procedure_codes or procedure_code in self.procedure_codes

    def applies_to_item(self, item: GoodsItem) -> bool:
        return item.commodity_code.startswith(self.commodity_prefixes)


@dataclass(frozen=True)
class ComplianceRules:
    requirements: tuple[DocumentRequirement, ...]
    expiring_within_days: int = 30


# A starting set an operator is expected to extend: the commercial documents every declaration needs,
# technical-regulation conformity for common regulated chapters, and licences for listed goods.
DEFAULT_COMPLIANCE_RULES = ComplianceRules(
    requirements=(
        DocumentRequirement("invoice", INVOICE, "commercial invoice"),
        DocumentRequirement("contract", CONTRACT, "foreign trade contract"),
        DocumentRequirement(
            "conformity",
            CONFORMITY_CERTIFICATE,
            "conformity to EAEU technical regulations",
            procedure_codes=("40",),
            # cosmetics, apparel, footwear, machinery, electrical equipment, vehicles, toys
            commodity_prefixes=("33", "61", "62", "64", "84", "85", "87", "95"),
        ),
        DocumentRequirement(
            "licence",
            LICENCE,
            "import or export licence",
            procedure_codes=("40", "10"),
            # radioactive materials, explosives and pyrotechnics, arms
            commodity_prefixes=("2844", "3601", "3602", "3603", "3604", "93"),
        ),
    )
)


def _valid_on(document: SupportingDocument, on: date) -> bool:
    return document.issued_on <= on and (document.expires_on is None or document.expires_on >= on)


def _covers(document: SupportingDocument, item: GoodsItem) -> bool:
    return not document.item_ids or item.item_id in document.item_ids


def _type_name(code: str) -> str:
    known = DOCUMENT_TYPE_BY_CODE.get(code)
    return known.name.lower() if known else "document"


def _missing_for_declaration(
    requirement: DocumentRequirement, documents: tuple[SupportingDocument, ...], on: date
) -> ComplianceFinding | None:
    if any(_valid_on(doc, on) for doc in documents):
        return None
    expired = next((doc for doc in documents if doc.expires_on is not None and doc.expires_on < on), None)
    message = f"{requirement.description} ({requirement.document_type_code}) missing"
    if expired is not None:
        message = f"{requirement.description} ({requirement.document_type_code}) {expired.number} expired"
    return ComplianceFinding(
        FindingKind.MISSING,
        requirement.requirement_id,
        requirement.document_type_code,
        message,
        document_id=expired.document_id if expired else None,
        expires_on=expired.expires_on if expired else None,
    )


def _missing_for_items(
    requirement: DocumentRequirement,
    declaration: Declaration,
    documents: tuple[SupportingDocument, ...],
    on: date,
) -> ComplianceFinding | None:
    uncovered = tuple(
        item.item_id
        for item in declaration.items
        if requirement.applies_to_item(item) and not any(_valid_on(doc, on) and _covers(doc, item) for doc in documents)
    )
    if not uncovered:
        return None
    numbers = ", ".join(str(declaration.item_number(item_id)) for item_id in uncovered)
    return ComplianceFinding(
        FindingKind.MISSING,
        requirement.requirement_id,
        requirement.document_type_code,
        f"{requirement.description} ({requirement.document_type_code}) missing for item(s) {numbers}",
        item_ids=uncovered,
    )


def check_compliance(
    declaration: Declaration, on: date, rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES
) -> ComplianceReport:
    """What is missing or expiring for this declaration, judged on `on` (its assessment date)."""
    procedure = declaration.header.procedure_code
    missing: list[ComplianceFinding] = []
    for requirement in rules.requirements:
        if not requirement.applies_to_procedure(procedure):
            continue
        documents = tuple(d for d in declaration.documents if d.type_code == requirement.document_type_code)
        finding = (
            _missing_for_items(requirement, declaration, documents, on)
            if requirement.commodity_prefixes
            else _missing_for_declaration(requirement, documents, on)
        )
        if finding is not None:
            missing.append(finding)
    horizon = on + timedelta(days=rules.expiring_within_days)
    expiring = tuple(
        ComplianceFinding(
            FindingKind.EXPIRING,
            "expiry",
            doc.type_code,
            f"{_type_name(doc.type_code)} {doc.number} expires on {doc.expires_on.isoformat()}",
            item_ids=doc.item_ids,
            document_id=doc.document_id,
            expires_on=doc.expires_on,
        )
        for doc in declaration.documents
        if doc.expires_on is not None and on <= doc.expires_on <= horizon
    )
    return ComplianceReport(checked_on=on, missing=tuple(missing), expiring=expiring)
