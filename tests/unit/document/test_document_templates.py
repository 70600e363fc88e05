"""Document templates: the placeholders filled from an object's data, and the template decider."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.document.commands import DocumentType, LinkedType
from streams.document.template.commands import DefineTemplate, RetireTemplate, ReviseTemplate, TemplateFormat
from streams.document.template.decider import DocumentTemplate, TemplateStatus, template_decider
from streams.document.template.domain import DOCUMENT_TEMPLATE
from streams.document.template.events import TemplateDefined, TemplateRetired, TemplateRevised
from streams.document.template.rendering import MissingValue, placeholders, render, syntax_problem
from tests.unit.deciders import AT, context, given

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
    given(decider).when(replace(DEFINE, source="warehouse")).then_rejected(RejectionCode.INVALID)  # type: ignore[arg-type]


LATER = AT + timedelta(days=3)
DECIDER = DOCUMENT_TEMPLATE.decider


def test_each_event_sets_every_field_of_the_template() -> None:
    defined = given(DECIDER, DEFINED).state
    assert defined == DocumentTemplate(
        TemplateStatus.ACTIVE, "tenant-a", "Order confirmation", DocumentType.CONTRACT, LinkedType.PURCHASE_ORDER,
        TemplateFormat.HTML, BODY, 1, AT,
    )  # fmt: skip
    revised = given(DECIDER, DEFINED, TemplateRevised("Confirmation", "{{reference}}", 2, LATER)).state
    assert revised == replace(defined, name="Confirmation", body="{{reference}}", revision=2, updated_at=LATER)
    retired = given(DECIDER, DEFINED, TemplateRetired(LATER)).state
    assert retired == replace(defined, status=TemplateStatus.RETIRED, updated_at=LATER)


def test_a_revision_counts_on_from_the_last_and_is_stamped_with_the_command_s_time() -> None:
    later = replace(context(), issued_at=LATER)
    given(DECIDER, DEFINED, TemplateRevised("Confirmation", "x", 2, AT)).when(
        ReviseTemplate("  Order   confirmation ", "{{total}}"), later
    ).then(TemplateRevised("Order confirmation", "{{total}}", 3, LATER))
    given(DECIDER, DEFINED).when(RetireTemplate(), later).then(TemplateRetired(LATER))


@pytest.mark.parametrize(
    ("events", "command", "rejection"),
    [
        ((DEFINED,), DEFINE, Rejection(RejectionCode.CONFLICT, "this template already exists")),
        ((), ReviseTemplate("x", "y"), Rejection(RejectionCode.NOT_FOUND, "no such template")),
        ((), RetireTemplate(), Rejection(RejectionCode.NOT_FOUND, "no such template")),
        (
            (DEFINED, TemplateRetired(AT)),
            ReviseTemplate("x", "y"),
            Rejection(RejectionCode.ILLEGAL_STATE, "the template is retired", "status"),
        ),
        (
            (DEFINED, TemplateRetired(AT)),
            RetireTemplate(),
            Rejection(RejectionCode.ILLEGAL_STATE, "the template is already retired", "status"),
        ),
        (
            (),
            replace(DEFINE, source="warehouse"),  # type: ignore[arg-type]
            Rejection(RejectionCode.INVALID, "not a known document type, source or format"),
        ),
        (
            (),
            replace(DEFINE, format="pdf"),  # type: ignore[arg-type]
            Rejection(RejectionCode.INVALID, "not a known document type, source or format"),
        ),
        ((), replace(DEFINE, name=" "), Rejection(RejectionCode.INVALID, "name must be 1 to 120 characters", "name")),
        (
            (),
            replace(DEFINE, name="n" * 121),
            Rejection(RejectionCode.INVALID, "name must be 1 to 120 characters", "name"),
        ),
        (
            (DEFINED,),
            ReviseTemplate("n" * 121, "y"),
            Rejection(RejectionCode.INVALID, "name must be 1 to 120 characters", "name"),
        ),
        (
            (DEFINED,),
            ReviseTemplate("x", "y" * 20_001),
            Rejection(RejectionCode.INVALID, "a template's body is 1 to 20000 characters", "body"),
        ),
        (
            (DEFINED,),
            ReviseTemplate("x", " \n "),
            Rejection(RejectionCode.INVALID, "a template's body is 1 to 20000 characters", "body"),
        ),
        ((), replace(DEFINE, body="{{#a}}x"), Rejection(RejectionCode.INVALID, "{{#a}} is never closed", "body")),
    ],
)
def test_each_template_refusal_says_its_code_reason_and_field(
    events: tuple[Any, ...], command: Any, rejection: Rejection
) -> None:
    assert given(DECIDER, *events).when(command).then_rejected(rejection.code) == rejection


@pytest.mark.parametrize(
    ("name", "body"),
    [("n" * 120, "y"), ("n", "y" * 20_000), ("n", "  y  ")],
)
def test_a_name_and_a_body_at_their_limits_are_taken(name: str, body: str) -> None:
    given(DECIDER).when(replace(DEFINE, name=name, body=body)).then(replace(DEFINED, name=name, body=body))
    given(DECIDER, DEFINED).when(ReviseTemplate(name, body)).then(TemplateRevised(name, body, 2, AT))


def test_what_is_not_a_template_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a template command: 'x'"):
        template_decider.decide(DocumentTemplate(), "x", context())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a template event: 'x'"):
        template_decider.evolve(DocumentTemplate(), "x")  # type: ignore[arg-type]
