"""The customs-declaration decider: the lifecycle rules of one declaration of one tenant.

Lifecycle: draft -> validated -> submitted -> registered -> released | rejected.

- Create opens a draft for the tenant in the command's context; a second create on the same id is a
  conflict. Every other command on a missing declaration, or on another tenant's, is NOT_FOUND.
- Edits (header, parties, representative, transport, goods items, documents) are accepted in draft and
  validated; an edit of a validated declaration also returns it to draft (`DeclarationReturnedToDraft`),
  so it must be validated again. An edit that changes nothing emits nothing.
- Validate runs the field-level validation (`validation.validate_declaration`, which includes the
  required documents) on the assessment date: no errors -> validated; errors -> the failure is recorded
  with every error and the declaration stays (or returns to) draft.
- Submit is accepted only from validated, and only while validation and compliance still hold on the
  assessment date (a document may have expired since validation); it fixes the declaration date.
- Register, release and reject come from the customs authority (claim role=customs_authority):
  register from submitted with a registration number `OOOOOOOO/DDMMYY/NNNNNNN` whose date part is the
  registration date; release from registered; reject (with a reason) from submitted or registered.
- After registration nothing is edited except through a correction (KDT): request a correction with a
  reason, then apply it (replaced goods items and documents, with a reason); both only in registered,
  one correction open at a time, each recorded as an event. A corrected declaration must still validate.
- Whenever a command changes what is missing or expiring, `ComplianceChanged` follows its events.

The assessment date is the declaration's own date when set, else the date the command was issued.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date

from streams.customs.commands import (
    AddGoodsItem,
    AddGoodsItems,
    ApplyCorrection,
    AttachDocument,
    CheckCompliance,
    CreateDeclaration,
    DeclarationCommand,
    RecordDutyPaid,
    RecordDutyPaymentRefused,
    RecordReconciliationFinding,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RemoveDocument,
    RemoveGoodsItem,
    RemoveParty,
    RequestCorrection,
    RetryDutyPayment,
    SetCustomsRepresentative,
    SetParty,
    SubmitDeclaration,
    UpdateGoodsItem,
    UpdateHeader,
    UpdateTransport,
    ValidateDeclaration,
)
from streams.customs.compliance import DEFAULT_COMPLIANCE_RULES, ComplianceRules, check_compliance
from streams.customs.declaration import (
    CLOSED_STATUSES,
    Correction,
    Declaration,
    DeclarationStatus,
    Party,
    PartyRole,
    SupportingDocument,
)
from streams.customs.duty import decide_duty, owed, payments_due_problem, release_problem
from streams.customs.events import (
    ComplianceChanged,
    CorrectionApplied,
    CorrectionRequested,
    CustomsRepresentativeSet,
    DeclarationCreated,
    DeclarationEvent,
    DeclarationRegistered,
    DeclarationRejected,
    DeclarationReleased,
    DeclarationReturnedToDraft,
    DeclarationSubmitted,
    DeclarationValidated,
    DeclarationValidationFailed,
    DocumentAttached,
    DocumentRemoved,
    DutyPaid,
    DutyPaymentRefused,
    DutyPaymentRequested,
    GoodsItemAdded,
    GoodsItemRemoved,
    GoodsItemUpdated,
    HeaderUpdated,
    PartyRemoved,
    PartySet,
    ReconciliationFindingRecorded,
    TransportUpdated,
)
from streams.customs.reconciliation import AssessedPayment, ReconciliationFinding, finding_key
from streams.customs.validation import MAX_ITEMS, validate_declaration
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.pipeline import require_pipeline

CUSTOMS_AUTHORITY_ROLE = "customs_authority"
REGISTRATION_NUMBER = re.compile(r"(\d{8})/(\d{6})/(\d{7})")
EDITABLE = frozenset({DeclarationStatus.DRAFT, DeclarationStatus.VALIDATED})
CORRECTABLE = frozenset({DeclarationStatus.REGISTERED})
REASON_MAX = 1000

Decision = Sequence[DeclarationEvent] | Rejection
EditCommand = (
    UpdateHeader
    | SetParty
    | RemoveParty
    | SetCustomsRepresentative
    | UpdateTransport
    | AddGoodsItem
    | AddGoodsItems
    | UpdateGoodsItem
    | RemoveGoodsItem
    | AttachDocument
    | RemoveDocument
)


def _fold(state: Declaration, events: Sequence[DeclarationEvent]) -> Declaration:
    for event in events:
        state = evolve(state, event)
    return state


def _with_compliance(
    state: Declaration, events: list[DeclarationEvent], on: date, rules: ComplianceRules
) -> list[DeclarationEvent]:
    """Append `ComplianceChanged` when the events change what is missing or expiring."""
    report = check_compliance(_fold(state, events), on, rules)
    if not report.same_findings(state.compliance):
        events.append(ComplianceChanged(report))
    return events


def _reason_problem(reason: str) -> Rejection | None:
    if not 0 < len(reason.strip()) <= REASON_MAX:
        return reject(RejectionCode.INVALID, f"a reason of 1 to {REASON_MAX} characters is required", "reason")
    return None


def _duplicate_ids(ids: Sequence[str]) -> bool:
    return len(set(ids)) != len(ids)


def _create(cmd: CreateDeclaration, context: CommandContext) -> list[DeclarationEvent] | Rejection:
    if not context.tenant_id:
        return reject(RejectionCode.UNAUTHORIZED, "a declaration belongs to a tenant")
    if _duplicate_ids([item.item_id for item in cmd.items]):
        return reject(RejectionCode.INVALID, "goods item ids must be unique", "items")
    if _duplicate_ids([doc.document_id for doc in cmd.documents]):
        return reject(RejectionCode.INVALID, "document ids must be unique", "documents")
    if len(cmd.items) > MAX_ITEMS:
        return reject(RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items")
    return [
        DeclarationCreated(
            tenant_id=context.tenant_id,
            header=cmd.header,
            created_at=context.issued_at,
            declarant=cmd.declarant,
            consignor=cmd.consignor,
            consignee=cmd.consignee,
            customs_representative=cmd.customs_representative,
            transport=cmd.transport,
            items=cmd.items,
            documents=cmd.documents,
            shipment_id=cmd.shipment_id,
        )
    ]


def _edit_events(state: Declaration, cmd: EditCommand) -> list[DeclarationEvent] | Rejection:
    """The event one edit command produces; empty when it would change nothing."""
    match cmd:
        case UpdateHeader(header=header):
            return [] if header == state.header else [HeaderUpdated(header)]
        case SetParty(role=role, party=party):
            return [] if state.party(role) == party else [PartySet(role, party)]
        case RemoveParty(role=role):
            if role is PartyRole.DECLARANT:
                return reject(RejectionCode.INVALID, "a declaration always has a declarant; replace it", "role")
            return [] if state.party(role) is None else [PartyRemoved(role)]
        case SetCustomsRepresentative(representative=representative):
            same = representative == state.customs_representative
            return [] if same else [CustomsRepresentativeSet(representative)]
        case UpdateTransport(transport=transport):
            return [] if transport == state.transport else [TransportUpdated(transport)]
        case AddGoodsItem(item=item):
            if state.item(item.item_id) is not None:
                return reject(RejectionCode.CONFLICT, f"goods item {item.item_id} already exists", "item_id")
            if len(state.items) >= MAX_ITEMS:
                return reject(RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items")
            return [GoodsItemAdded(item)]
        case AddGoodsItems(items=items):
            if not items:
                return reject(RejectionCode.INVALID, "no goods items to add", "items")
            if _duplicate_ids([item.item_id for item in items]):
                return reject(RejectionCode.INVALID, "goods item ids must be unique", "items")
            existing = next((item.item_id for item in items if state.item(item.item_id) is not None), None)
            if existing is not None:
                return reject(RejectionCode.CONFLICT, f"goods item {existing} already exists", "items")
            if len(state.items) + len(items) > MAX_ITEMS:
                return reject(RejectionCode.INVALID, f"at most {MAX_ITEMS} goods items per declaration", "items")
            return [GoodsItemAdded(item) for item in items]
        case UpdateGoodsItem(item=item):
            current = state.item(item.item_id)
            if current is None:
                return reject(RejectionCode.NOT_FOUND, f"no goods item {item.item_id}", "item_id")
            return [] if current == item else [GoodsItemUpdated(item)]
        case RemoveGoodsItem(item_id=item_id):
            if state.item(item_id) is None:
                return reject(RejectionCode.NOT_FOUND, f"no goods item {item_id}", "item_id")
            return [GoodsItemRemoved(item_id)]
        case AttachDocument(document=document):
            return [] if state.document(document.document_id) == document else [DocumentAttached(document)]
        case RemoveDocument(document_id=document_id):
            if state.document(document_id) is None:
                return reject(RejectionCode.NOT_FOUND, f"no document {document_id}", "document_id")
            return [DocumentRemoved(document_id)]
    raise TypeError(f"not an edit command: {cmd!r}")


def _edit(state: Declaration, cmd: EditCommand, on: date, rules: ComplianceRules) -> Decision:
    if state.status not in EDITABLE:
        hint = "only a correction can change it" if state.status in CORRECTABLE else "it can no longer change"
        return reject(RejectionCode.ILLEGAL_STATE, f"the declaration is {state.status.value}: {hint}")
    events = _edit_events(state, cmd)
    if isinstance(events, Rejection) or not events:
        return events
    if state.status is DeclarationStatus.VALIDATED:
        events.append(DeclarationReturnedToDraft("edited after validation"))
    return _with_compliance(state, events, on, rules)


def _validate(state: Declaration, context: CommandContext, on: date, rules: ComplianceRules) -> Decision:
    if state.status not in EDITABLE:
        return reject(RejectionCode.ILLEGAL_STATE, f"the declaration is {state.status.value}")
    errors = validate_declaration(state, on, rules)
    events: list[DeclarationEvent]
    if errors:
        events = [DeclarationValidationFailed(errors, context.issued_at)]
    elif state.status is DeclarationStatus.VALIDATED:
        events = []
    else:
        events = [DeclarationValidated(context.issued_at)]
    return _with_compliance(state, events, on, rules)


def _submit(state: Declaration, context: CommandContext, on: date, rules: ComplianceRules) -> Decision:
    if state.status is not DeclarationStatus.VALIDATED:
        return reject(
            RejectionCode.ILLEGAL_STATE, f"only a validated declaration can be submitted, not a {state.status}"
        )
    report = check_compliance(state, on, rules)
    if report.missing:
        missing = "; ".join(finding.message for finding in report.missing)
        return reject(RejectionCode.ILLEGAL_STATE, f"documents missing: {missing}", "documents")
    errors = validate_declaration(state, on, rules)
    if errors:
        return reject(RejectionCode.INVALID, errors[0].message, errors[0].path)
    return [DeclarationSubmitted(submitted_at=context.issued_at, declaration_date=on)]


def _customs_authority_only(context: CommandContext) -> Rejection | None:
    if context.claim("role") != CUSTOMS_AUTHORITY_ROLE:
        return reject(RejectionCode.FORBIDDEN, "only the customs authority registers, releases or rejects")
    return None


def _register(state: Declaration, cmd: RegisterDeclaration, context: CommandContext) -> Decision:
    if state.status is not DeclarationStatus.SUBMITTED:
        return reject(
            RejectionCode.ILLEGAL_STATE, f"only a submitted declaration can be registered, not a {state.status}"
        )
    match = REGISTRATION_NUMBER.fullmatch(cmd.registration_number)
    if match is None:
        return reject(
            RejectionCode.INVALID, "registration number must be NNNNNNNN/DDMMYY/NNNNNNN", "registration_number"
        )
    if match.group(2) != cmd.registered_on.strftime("%d%m%y"):
        return reject(
            RejectionCode.INVALID, "the number's date part must be the registration date", "registration_number"
        )
    if problem := payments_due_problem(cmd.payments_due):
        return problem
    return [DeclarationRegistered(cmd.registration_number, cmd.registered_on, context.issued_at, cmd.payments_due)]


def _reject(state: Declaration, cmd: RejectDeclaration, context: CommandContext) -> Decision:
    if state.status not in (DeclarationStatus.SUBMITTED, DeclarationStatus.REGISTERED):
        return reject(RejectionCode.ILLEGAL_STATE, f"a {state.status} declaration cannot be refused")
    if problem := _reason_problem(cmd.reason):
        return problem
    paid = state.duty_paid
    attempt = state.duty_attempt if owed(state) else 0
    return [DeclarationRejected(cmd.reason.strip(), context.issued_at, attempt, paid)]


def _request_correction(state: Declaration, cmd: RequestCorrection, context: CommandContext) -> Decision:
    if state.status not in CORRECTABLE:
        return reject(RejectionCode.ILLEGAL_STATE, "corrections apply to registered declarations only")
    if problem := _reason_problem(cmd.reason):
        return problem
    if state.open_correction is not None:
        return reject(RejectionCode.CONFLICT, f"correction {state.open_correction.correction_id} is still open")
    if any(c.correction_id == cmd.correction_id for c in state.corrections):
        return reject(RejectionCode.CONFLICT, f"correction {cmd.correction_id} already exists", "correction_id")
    return [CorrectionRequested(cmd.correction_id, cmd.reason.strip(), context.issued_at)]


def _apply_correction(
    state: Declaration, cmd: ApplyCorrection, context: CommandContext, on: date, rules: ComplianceRules
) -> Decision:
    if state.status not in CORRECTABLE:
        return reject(RejectionCode.ILLEGAL_STATE, "corrections apply to registered declarations only")
    if state.open_correction is None or state.open_correction.correction_id != cmd.correction_id:
        return reject(RejectionCode.NOT_FOUND, f"no open correction {cmd.correction_id}", "correction_id")
    if problem := _reason_problem(cmd.reason):
        return problem
    if not cmd.items and not cmd.documents:
        return reject(RejectionCode.INVALID, "a correction must change at least one item or document")
    unknown = [item.item_id for item in cmd.items if state.item(item.item_id) is None]
    if unknown:
        return reject(RejectionCode.NOT_FOUND, f"no goods item {unknown[0]}", "items")
    events: list[DeclarationEvent] = [
        CorrectionApplied(cmd.correction_id, cmd.reason.strip(), context.issued_at, cmd.items, cmd.documents)
    ]
    errors = validate_declaration(_fold(state, events), on, rules)
    if errors:
        return reject(RejectionCode.INVALID, errors[0].message, errors[0].path)
    return _with_compliance(state, events, on, rules)


def _assessed_problem(assessed: Sequence[AssessedPayment]) -> Rejection | None:
    if _duplicate_ids([payment.payment_code for payment in assessed]):
        return reject(RejectionCode.INVALID, "one assessed amount per payment type", "assessed")
    for payment in assessed:
        if problem := payments_due_problem(payment.amount):
            return reject(RejectionCode.INVALID, f"assessed {payment.payment_code}: {problem.reason}", "assessed")
    return None


def _release(state: Declaration, cmd: ReleaseDeclaration, context: CommandContext) -> Decision:
    if state.status is not DeclarationStatus.REGISTERED:
        return reject(RejectionCode.ILLEGAL_STATE, f"only a registered declaration is released, not a {state.status}")
    return (
        release_problem(state)
        or _assessed_problem(cmd.assessed)
        or [DeclarationReleased(context.issued_at, cmd.assessed)]
    )


def _record_finding(state: Declaration, cmd: RecordReconciliationFinding, context: CommandContext) -> Decision:
    """A pipeline's finding, once per (payment type, reconciled day, class): a re-run of the day records nothing."""
    if problem := require_pipeline(context, "recording a reconciliation finding"):
        return problem
    if state.status not in (DeclarationStatus.REGISTERED, DeclarationStatus.RELEASED):
        return reject(RejectionCode.ILLEGAL_STATE, f"a {state.status} declaration has no payments to reconcile")
    finding_id = finding_key(cmd.reconciled_on, cmd.payment_code, cmd.difference_class)
    if any(finding.finding_id == finding_id for finding in state.reconciliation_findings):
        return []
    figures = (cmd.calculated, cmd.declared, cmd.assessed, cmd.paid, cmd.difference)
    if not cmd.payment_code.strip() or not all(f.is_finite() for f in figures):
        return reject(RejectionCode.INVALID, "a finding names its payment type and finite amounts")
    finding = ReconciliationFinding(
        finding_id, cmd.reconciled_on, cmd.payment_code, cmd.difference_class, cmd.calculated, cmd.declared,
        cmd.assessed, cmd.paid, cmd.difference, cmd.explanation[:REASON_MAX], context.issued_at,
    )  # fmt: skip
    return [ReconciliationFindingRecorded(finding)]


def decide(
    state: Declaration,
    command: DeclarationCommand,
    context: CommandContext,
    rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES,
) -> Decision:
    """Decide a command against the compliance rules an operator has loaded (`make_decide` binds them).

    A module-level function, not a closure made at import: so each call runs the current code (the
    mutation run swaps functions at call time and cannot see inside a closure built once)."""
    if isinstance(command, CreateDeclaration):
        if state.status is not DeclarationStatus.NONE:
            return reject(RejectionCode.CONFLICT, "a declaration with this id already exists")
        created = _create(command, context)
        if isinstance(created, Rejection):
            return created
        return _with_compliance(state, created, command.header.declaration_date or context.issued_at.date(), rules)
    if state.status is DeclarationStatus.NONE:  # another tenant's: refused by streams.tenancy already
        return reject(RejectionCode.NOT_FOUND, "no such declaration")
    on = state.assessment_date(context.issued_at.date())
    match command:
        case ValidateDeclaration():
            return _validate(state, context, on, rules)
        case SubmitDeclaration():
            return _submit(state, context, on, rules)
        case CheckCompliance():
            if state.status in CLOSED_STATUSES:
                return []
            return _with_compliance(state, [], on, rules)
        case RegisterDeclaration():
            return _customs_authority_only(context) or _register(state, command, context)
        case ReleaseDeclaration():
            return _customs_authority_only(context) or _release(state, command, context)
        case RejectDeclaration():
            return _customs_authority_only(context) or _reject(state, command, context)
        case RequestCorrection():
            return _request_correction(state, command, context)
        case ApplyCorrection():
            return _apply_correction(state, command, context, on, rules)
        case RetryDutyPayment() | RecordDutyPaid() | RecordDutyPaymentRefused():
            return decide_duty(state, command, context)
        case RecordReconciliationFinding():
            return _record_finding(state, command, context)
    return _edit(state, command, on, rules)


def make_decide(
    rules: ComplianceRules,
) -> Callable[[Declaration, DeclarationCommand, CommandContext], Decision]:
    """The decide function, bound to the compliance rules an operator has loaded."""
    return functools.partial(decide, rules=rules)


def _replace_by_id(
    documents: tuple[SupportingDocument, ...], document: SupportingDocument
) -> tuple[SupportingDocument, ...]:
    if any(d.document_id == document.document_id for d in documents):
        return tuple(document if d.document_id == document.document_id else d for d in documents)
    return (*documents, document)


def _with_party(state: Declaration, role: PartyRole, party: Party | None) -> Declaration:
    match role:
        case PartyRole.DECLARANT:
            return replace(state, declarant=party)
        case PartyRole.CONSIGNOR:
            return replace(state, consignor=party)
        case PartyRole.CONSIGNEE:
            return replace(state, consignee=party)
        case PartyRole.FINANCIALLY_RESPONSIBLE:
            return replace(state, financially_responsible=party)


def evolve(state: Declaration, event: DeclarationEvent) -> Declaration:
    match event:
        case DeclarationCreated():
            return Declaration(
                status=DeclarationStatus.DRAFT,
                tenant_id=event.tenant_id,
                header=event.header,
                declarant=event.declarant,
                consignor=event.consignor,
                consignee=event.consignee,
                customs_representative=event.customs_representative,
                transport=event.transport,
                items=event.items,
                documents=event.documents,
                shipment_id=event.shipment_id,
                created_at=event.created_at,
            )
        case HeaderUpdated(header=header):
            return replace(state, header=header)
        case PartySet(role=role, party=party):
            return _with_party(state, role, party)
        case PartyRemoved(role=role):
            return _with_party(state, role, None)
        case CustomsRepresentativeSet(representative=representative):
            return replace(state, customs_representative=representative)
        case TransportUpdated(transport=transport):
            return replace(state, transport=transport)
        case GoodsItemAdded(item=item):
            return replace(state, items=(*state.items, item))
        case GoodsItemUpdated(item=item):
            return replace(state, items=tuple(item if i.item_id == item.item_id else i for i in state.items))
        case GoodsItemRemoved(item_id=item_id):
            return replace(state, items=tuple(i for i in state.items if i.item_id != item_id))
        case DocumentAttached(document=document):
            return replace(state, documents=_replace_by_id(state.documents, document))
        case DocumentRemoved(document_id=document_id):
            return replace(state, documents=tuple(d for d in state.documents if d.document_id != document_id))
        case DeclarationReturnedToDraft():
            return replace(state, status=DeclarationStatus.DRAFT)
        case DeclarationValidated():
            return replace(state, status=DeclarationStatus.VALIDATED, validation_errors=())
        case DeclarationValidationFailed(errors=errors):
            return replace(state, status=DeclarationStatus.DRAFT, validation_errors=errors)
        case ComplianceChanged(report=report):
            return replace(state, compliance=report)
        case DeclarationSubmitted(submitted_at=submitted_at, declaration_date=declaration_date):
            header = replace(state.header, declaration_date=declaration_date)
            return replace(
                state, status=DeclarationStatus.SUBMITTED, submitted_at=submitted_at, header=header,
                filed_items=state.items,
            )  # fmt: skip
        case DeclarationRegistered(registration_number=number, registered_at=registered_at):
            return replace(
                state,
                status=DeclarationStatus.REGISTERED,
                registration_number=number,
                registered_at=registered_at,
                payments_due=event.payments_due,
                duty_attempt=1 if event.payments_due else 0,
            )
        case DutyPaymentRequested(attempt=attempt):
            return replace(state, duty_attempt=attempt, duty_problem=None)
        case DutyPaid(transfer_id=transfer_id):
            return replace(state, duty_paid=transfer_id, duty_problem=None)
        case DutyPaymentRefused(reason=reason):
            return replace(state, duty_problem=reason)
        case DeclarationReleased(released_at=released_at):
            return replace(state, status=DeclarationStatus.RELEASED, released_at=released_at, assessed=event.assessed)
        case ReconciliationFindingRecorded(finding=finding):
            return replace(state, reconciliation_findings=(*state.reconciliation_findings, finding))
        case DeclarationRejected(reason=reason):
            return replace(state, status=DeclarationStatus.REJECTED, rejection_reason=reason)
        case CorrectionRequested(correction_id=correction_id, reason=reason, requested_at=requested_at):
            correction = Correction(correction_id, reason, requested_at)
            return replace(state, corrections=(*state.corrections, correction))
        case CorrectionApplied():
            items = {item.item_id: item for item in event.items}
            documents = state.documents
            for document in event.documents:
                documents = _replace_by_id(documents, document)
            corrections = tuple(
                replace(c, applied_at=event.applied_at) if c.correction_id == event.correction_id else c
                for c in state.corrections
            )
            return replace(
                state,
                items=tuple(items.get(i.item_id, i) for i in state.items),
                documents=documents,
                corrections=corrections,
            )
    raise TypeError(f"not a customs-declaration event: {event!r}")


def make_declaration_decider(
    rules: ComplianceRules = DEFAULT_COMPLIANCE_RULES,
) -> Decider[Declaration, DeclarationCommand, DeclarationEvent]:
    return Decider(initial_state=Declaration(), decide=make_decide(rules), evolve=evolve)


declaration_decider = make_declaration_decider()
