"""Document templates: the placeholders filled from an object's data, and the template decider."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from streams.decider import RejectionCode
from streams.document.commands import DocumentType, LinkedType
from streams.document.template.commands import DefineTemplate, RetireTemplate, ReviseTemplate, TemplateFormat
from streams.document.template.decider import TemplateStatus
from streams.document.template.domain import DOCUMENT_TEMPLATE
from streams.document.template.events import TemplateDefined, TemplateRetired, TemplateRevised
from streams.document.template.rendering import MissingValue, placeholders, render, syntax_problem
from tests.unit.deciders import AT, given

ORDER = {
    "reference": "PO-2026-0042",
    "supplier": {"name": "Hanse <Maschinenbau> GmbH", "country": "DE"},
    "total": Decimal("12749.98"),
    "terms": {
        "lines": [{"line_no": 1, "description": "Pump", "quantity": "10"}, {"line_no": 2, "description": "Seal"}]
    },
}
BODY = (
    "Order {{reference}} to {{ supplier.name }}:"
    "{{#terms.lines}}\n{{line_no}}. {{description}} ({{reference}}){{/terms.lines}}"
)


def test_placeholders_and_sections_are_filled_from_the_objects_data() -> None:
    assert render(BODY, ORDER, html_escape=False) == (
        "Order PO-2026-0042 to Hanse <Maschinenbau> GmbH:\n1. Pump (PO-2026-0042)\n2. Seal (PO-2026-0042)"
    )
    assert "Hanse &lt;Maschinenbau&gt; GmbH" in render(BODY, ORDER, html_escape=True)
    assert render("{{total}}", ORDER, html_escape=False) == "12749.98"
    assert placeholders(BODY) == ["reference", "supplier.name", "#terms.lines", "line_no", "description", "reference"]


def test_a_value_the_object_lacks_is_named() -> None:
    with pytest.raises(MissingValue, match=r"\{\{supplier.vat\}\}"):
        render("{{supplier.vat}}", ORDER, html_escape=False)
    with pytest.raises(MissingValue):
        render("{{#reference}}x{{/reference}}", ORDER, html_escape=False)  # not a list
    with pytest.raises(MissingValue):
        render("{{#terms.lines}}{{quantity}}{{/terms.lines}}", ORDER, html_escape=False)  # line 2 has none


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{{#a}}x", "never closed"),
        ("x{{/a}}", "closes no open section"),
        ("{{#a}}{{#b}}{{/b}}{{/a}}", "do not nest"),
        ("{{}}", "needs a name"),
        ("{{ bad name }}", "a placeholder is"),
    ],
)
def test_malformed_templates_say_why(body: str, says: str) -> None:
    problem = syntax_problem(body)
    assert problem is not None and says in problem
    assert syntax_problem(BODY) is None


DEFINE = DefineTemplate(
    "Order confirmation", DocumentType.CONTRACT, LinkedType.PURCHASE_ORDER, TemplateFormat.HTML, BODY
)
DEFINED = TemplateDefined(
    "tenant-a", "Order confirmation", DocumentType.CONTRACT, LinkedType.PURCHASE_ORDER, TemplateFormat.HTML, BODY, AT
)


def test_a_template_is_defined_revised_and_retired() -> None:
    state = given(DOCUMENT_TEMPLATE.decider).when(DEFINE).then(DEFINED)
    assert state.status is TemplateStatus.ACTIVE and state.revision == 1
    state = (
        given(DOCUMENT_TEMPLATE.decider, DEFINED)
        .when(ReviseTemplate("Confirmation", "{{reference}}"))
        .then(TemplateRevised("Confirmation", "{{reference}}", 2, AT))
    )
    assert state.body == "{{reference}}"
    retired = given(DOCUMENT_TEMPLATE.decider, DEFINED).when(RetireTemplate()).then(TemplateRetired(AT))
    assert retired.status is TemplateStatus.RETIRED


def test_template_refusals() -> None:
    decider = DOCUMENT_TEMPLATE.decider
    given(decider, DEFINED).when(DEFINE).then_rejected(RejectionCode.CONFLICT)
    given(decider).when(ReviseTemplate("x", "y")).then_rejected(RejectionCode.NOT_FOUND)
    given(decider).when(RetireTemplate()).then_rejected(RejectionCode.NOT_FOUND)
    given(decider, DEFINED).when(ReviseTemplate("x", "{{#a}}")).then_rejected(
        RejectionCode.INVALID, "body", "never closed"
    )
    given(decider, DEFINED).when(ReviseTemplate("x", "  ")).then_rejected(RejectionCode.INVALID, "body")
    given(decider, DEFINED).when(ReviseTemplate("x", "y" * 20_001)).then_rejected(RejectionCode.INVALID, "body")
    given(decider, DEFINED, TemplateRetired(AT)).when(ReviseTemplate("x", "y")).then_rejected(
        RejectionCode.ILLEGAL_STATE
    )
    given(decider, DEFINED, TemplateRetired(AT)).when(RetireTemplate()).then_rejected(RejectionCode.ILLEGAL_STATE)
    given(decider).when(replace(DEFINE, source="warehouse")).then_rejected(RejectionCode.INVALID)
