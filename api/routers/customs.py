"""Customs over HTTP: declarations and their lifecycle, classification, tariff tables, payments, XML, compliance.

- Declarations (`/api/declarations`): created from scratch, or from a shipment (`shipment_id`): what the
  body leaves out (consignor, consignee, delivery terms, transport mode, goods) is taken from the shipment
  read model when the deployment has one, else the body carries the shipment's data; edited by commands,
  judged by the customs-declaration decider. Register, release and reject are the customs authority's: they take
  a customs-gateway credential's key (`X-Gateway-Key`, see api/gateway.py), never a user's token.
- Payments are computed on read (`/calculation`, `/xml`) from the declaration's current read model and the
  tenant's tariff tables in force on the declaration date, so every change is reflected at once and a
  tariff update applies to every declaration still being prepared.
- Tariff tables (`/api/customs/tariff/{kind}`) are the tenant's own: CSV uploads that become commands of
  the customs-tariff domain, so they are in Kafka and survive a replay like everything else.
- Classification (`/api/customs/classify`) ranks HS subheadings and the tenant's national lines; an
  operator's confirmed choice is a command too and lifts that code for similar descriptions later.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from api.auth import CurrentSession, Session, require_permission, tenant_db
from api.command_bus import Issued
from api.gateway import GatewayMayRegister, GatewayMayReject, GatewayMayRelease
from api.outcomes import invalid_field, same_id, send_command
from api.platform import Platform, platform
from api.routers.company import issued
from streams.company.permissions import Action
from streams.customs.calculation import CalculationError, PaymentCalculation, calculate_payments
from streams.customs.classification import (
    Classifier,
    NationalLine,
    default_classifier,
    load_national_lines,
)
from streams.customs.codes import PAYMENT_TYPE_BY_CODE
from streams.customs.commands import (
    AddGoodsItem,
    ApplyCorrection,
    AttachDocument,
    CheckCompliance,
    CreateDeclaration,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RemoveDocument,
    RemoveGoodsItem,
    RemoveParty,
    RequestCorrection,
    SetCustomsRepresentative,
    SetParty,
    SubmitDeclaration,
    UpdateGoodsItem,
    UpdateHeader,
    UpdateTransport,
    ValidateDeclaration,
)
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE
from streams.customs.declaration import (
    ComplianceReport,
    CustomsRepresentative,
    Declaration,
    DeclarationHeader,
    DeclarationStatus,
    FieldError,
    GoodsItem,
    Party,
    PartyRole,
    SupportingDocument,
    Transport,
)
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.duty_tables import (
    TariffTableError,
    load_duty_rates,
    load_exchange_rates,
    load_excise_rates,
    load_fee_bands,
    load_preferences,
    load_vat_rates,
)
from streams.customs.esad_xml import export_declaration
from streams.customs.shipment_data import from_shipment
from streams.customs_tariff.commands import ConfirmClassification, LoadTable
from streams.customs_tariff.domain import CUSTOMS_TARIFF
from streams.customs_tariff.tables import (
    LoadMode,
    TableKind,
    TableRows,
    TariffTable,
    aggregate_id,
    tariff_tables,
    tenant_feedback,
)
from wellwon.envelope import now

router = APIRouter(tags=["customs"])
PlatformDep = Annotated[Platform, Depends(platform)]
IdempotencyKey = Annotated[uuid.UUID | None, Header(description="Repeat a command safely: same key, same outcome")]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such declaration")
DECLARATION = TypeAdapter(Declaration)
TABLE = TypeAdapter(TariffTable)
CALCULATION = TypeAdapter(PaymentCalculation)
COMPLIANCE = TypeAdapter(ComplianceReport)
DECLARATION_NAMESPACE = uuid.UUID("5b0c6f1e-2d7a-4f43-9c1e-8a3f0d6b2c71")
MAX_UPLOAD_BYTES = 5_000_000
CLOSED = (DeclarationStatus.RELEASED.value, DeclarationStatus.REJECTED.value)

# How each uploadable table's CSV is read; the loaders raise TariffTableError naming line and column.
LOADERS: dict[TableKind, Callable[[str], tuple[Any, ...]]] = {
    TableKind.DUTY_RATES: load_duty_rates,
    TableKind.PREFERENCES: load_preferences,
    TableKind.EXCISE_RATES: load_excise_rates,
    TableKind.VAT_RATES: load_vat_rates,
    TableKind.FEE_SCALE: load_fee_bands,
    TableKind.EXCHANGE_RATES: load_exchange_rates,
    TableKind.NATIONAL_LINES: load_national_lines,
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeclarationIn(Strict):
    header: DeclarationHeader
    declarant: Party | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    customs_representative: CustomsRepresentative | None = None
    transport: Transport | None = None
    items: list[GoodsItem] = Field(default_factory=list, max_length=999)
    documents: list[SupportingDocument] = Field(default_factory=list, max_length=200)
    shipment_id: str | None = Field(None, max_length=100, description="the shipment the data was taken from")


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class CorrectionIn(ReasonIn):
    correction_id: str | None = Field(None, min_length=1, max_length=100)


class CorrectionValuesIn(ReasonIn):
    items: list[GoodsItem] = Field(default_factory=list, max_length=999)
    documents: list[SupportingDocument] = Field(default_factory=list, max_length=200)


class RegistrationIn(Strict):
    registration_number: str = Field(max_length=30, description="OOOOOOOO/DDMMYY/NNNNNNN")
    registered_on: date


class ConfirmationIn(Strict):
    description: str = Field(min_length=1, max_length=1000)
    code: str = Field(pattern=r"^\d{6}(\d{4})?$", description="the chosen 6- or 10-digit code")


# Reading the read model ----------------------------------------------------------------------------------


def today() -> date:
    return now().date()


async def read_declaration(
    found: Platform, session: Session, declaration_id: str
) -> tuple[Declaration, dict[str, Any]]:
    """The declaration's state and its row's bookkeeping (version, updated_at); 404 when not the tenant's."""
    async with tenant_db(found, session) as conn:
        row = await (
            await conn.execute(
                "SELECT state, version, created_at, updated_at FROM customs_declarations WHERE id = %s",
                (declaration_id,),
            )
        ).fetchone()
    if row is None:
        raise NOT_FOUND
    return DECLARATION.validate_python(row[0]), {"version": row[1], "created_at": row[2], "updated_at": row[3]}


async def declaration_json(found: Platform, session: Session, declaration_id: str) -> dict[str, Any]:
    declaration, meta = await read_declaration(found, session, declaration_id)
    body: dict[str, Any] = DECLARATION.dump_python(declaration, mode="json")
    return {"id": declaration_id, **body, "version": meta["version"], "updated_at": meta["updated_at"].isoformat()}


async def read_tables(
    found: Platform, session: Session, kinds: tuple[TableKind, ...] = tuple(TableKind)
) -> dict[TableKind, TariffTable]:
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute("SELECT state FROM customs_tariff_tables WHERE kind = ANY(%s)", ([*kinds],))
        ).fetchall()
    tables = [TABLE.validate_python(row[0]) for row in rows]
    return {table.kind: table for table in tables if table.kind is not None}


def field_errors(errors: tuple[FieldError, ...]) -> JSONResponse:
    """422 listing each problem by the declaration field it concerns (e.g. `items[2].commodity_code`)."""
    detail = [{"loc": ["declaration", error.path], "field": error.path, "msg": error.message} for error in errors]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


# Commands ------------------------------------------------------------------------------------------------


async def declaration_command(
    found: Platform,
    session: Session,
    declaration_id: str,
    command: Any,
    action: Action,
    idempotency_key: uuid.UUID | None = None,
) -> Any:
    """Send a command on a declaration of the caller's tenant; answer with the declaration as it now reads."""
    require_permission(session, action)
    outcome = await send_command(found, CUSTOMS_DECLARATION, declaration_id, command, issued(session), idempotency_key)
    if isinstance(outcome, JSONResponse):
        return outcome
    return await declaration_json(found, session, declaration_id)


async def with_shipment_data(found: Platform, session: Session, body: DeclarationIn, shipment_id: str) -> DeclarationIn:
    """The body completed from the shipment (its parties, delivery terms, mode, cargo); 404 if not the tenant's."""
    require_permission(session, Action.SHIPMENT_READ)
    async with tenant_db(found, session) as conn:
        exists = await (await conn.execute("SELECT to_regclass('shipments') IS NOT NULL")).fetchone()
        if not (exists and exists[0]):
            return body  # no shipment read model in this deployment: the body carries the shipment's data
        row = await (await conn.execute("SELECT state FROM shipments WHERE id = %s", (shipment_id,))).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such shipment")
    shipment = from_shipment(row[0])
    header = body.header
    if header.delivery_terms is None and header.delivery_place is None:
        header = replace(header, delivery_terms=shipment.delivery_terms, delivery_place=shipment.delivery_place)
    return body.model_copy(
        update={
            "header": header,
            "consignor": body.consignor or shipment.consignor,
            "consignee": body.consignee or shipment.consignee,
            "transport": body.transport or shipment.transport,
            "items": body.items or list(shipment.items),
        }
    )


@router.post("/api/declarations", status_code=status.HTTP_201_CREATED)
async def create_declaration(
    body: DeclarationIn, session: CurrentSession, found: PlatformDep, idempotency_key: IdempotencyKey = None
) -> Any:
    """A draft from scratch, or from a shipment: what the body leaves out is taken from the shipment's read model."""
    if body.shipment_id is not None:
        body = await with_shipment_data(found, session, body, body.shipment_id)
    declaration_id = (
        str(uuid.uuid5(DECLARATION_NAMESPACE, f"{session.tenant_id}:{idempotency_key}"))
        if idempotency_key
        else str(uuid.uuid4())
    )
    command = CreateDeclaration(
        header=body.header,
        declarant=body.declarant,
        consignor=body.consignor,
        consignee=body.consignee,
        customs_representative=body.customs_representative,
        transport=body.transport,
        items=tuple(body.items),
        documents=tuple(body.documents),
        shipment_id=body.shipment_id,
    )
    return await declaration_command(
        found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT, idempotency_key
    )


@router.get("/api/declarations")
async def list_declarations(
    session: CurrentSession, found: PlatformDep, status_is: Annotated[str | None, Query(alias="status")] = None
) -> list[dict[str, Any]]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                """SELECT d.id, d.status, d.reference, d.procedure_code, d.declaration_date, d.registration_number,
                          d.item_count, d.shipment_id, d.updated_at,
                          (SELECT count(*) FROM customs_compliance_findings f
                           WHERE f.declaration_id = d.id AND f.kind = 'missing')
                   FROM customs_declarations d WHERE %(status)s::text IS NULL OR d.status = %(status)s
                   ORDER BY d.updated_at DESC LIMIT 500""",
                {"status": status_is},
            )
        ).fetchall()
    return [
        {"id": r[0], "status": r[1], "reference": r[2], "procedure_code": r[3],
         "declaration_date": r[4].isoformat() if r[4] else None, "registration_number": r[5], "item_count": r[6],
         "shipment_id": r[7], "updated_at": r[8].isoformat(), "missing_documents": r[9]}
        for r in rows
    ]  # fmt: skip


@router.get("/api/declarations/{declaration_id}")
async def get_declaration(declaration_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    return await declaration_json(found, session, declaration_id)


@router.get("/api/declarations/{declaration_id}/history")
async def declaration_history(declaration_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        rows = await (
            await conn.execute(
                """SELECT version, event_type, actor_id, occurred_at FROM customs_declaration_history
                   WHERE declaration_id = %s ORDER BY version""",
                (declaration_id,),
            )
        ).fetchall()
    if not rows:
        raise NOT_FOUND
    return [{"version": r[0], "event": r[1], "actor_id": r[2], "occurred_at": r[3].isoformat()} for r in rows]


@router.put("/api/declarations/{declaration_id}/header")
async def update_header(
    declaration_id: str, body: DeclarationHeader, session: CurrentSession, found: PlatformDep
) -> Any:
    return await declaration_command(
        found, session, declaration_id, UpdateHeader(body), Action.CUSTOMS_DECLARATION_EDIT
    )


@router.put("/api/declarations/{declaration_id}/parties/{role}")
async def set_party(
    declaration_id: str, role: PartyRole, body: Party, session: CurrentSession, found: PlatformDep
) -> Any:
    return await declaration_command(
        found, session, declaration_id, SetParty(role, body), Action.CUSTOMS_DECLARATION_EDIT
    )


@router.delete("/api/declarations/{declaration_id}/parties/{role}")
async def remove_party(declaration_id: str, role: PartyRole, session: CurrentSession, found: PlatformDep) -> Any:
    return await declaration_command(found, session, declaration_id, RemoveParty(role), Action.CUSTOMS_DECLARATION_EDIT)


@router.put("/api/declarations/{declaration_id}/representative")
async def set_representative(
    declaration_id: str, body: CustomsRepresentative, session: CurrentSession, found: PlatformDep
) -> Any:
    command = SetCustomsRepresentative(body)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.delete("/api/declarations/{declaration_id}/representative")
async def remove_representative(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = SetCustomsRepresentative(None)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.put("/api/declarations/{declaration_id}/transport")
async def update_transport(declaration_id: str, body: Transport, session: CurrentSession, found: PlatformDep) -> Any:
    command = UpdateTransport(body)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.post("/api/declarations/{declaration_id}/items", status_code=status.HTTP_201_CREATED)
async def add_item(declaration_id: str, body: GoodsItem, session: CurrentSession, found: PlatformDep) -> Any:
    command = AddGoodsItem(body)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.put("/api/declarations/{declaration_id}/items/{item_id}")
async def update_item(
    declaration_id: str, item_id: str, body: GoodsItem, session: CurrentSession, found: PlatformDep
) -> Any:
    same_id(body.item_id, item_id, "item_id")
    command = UpdateGoodsItem(body)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.delete("/api/declarations/{declaration_id}/items/{item_id}")
async def remove_item(declaration_id: str, item_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = RemoveGoodsItem(item_id)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.put("/api/declarations/{declaration_id}/documents/{document_id}")
async def attach_document(
    declaration_id: str, document_id: str, body: SupportingDocument, session: CurrentSession, found: PlatformDep
) -> Any:
    same_id(body.document_id, document_id, "document_id")
    command = AttachDocument(body)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.delete("/api/declarations/{declaration_id}/documents/{document_id}")
async def remove_document(declaration_id: str, document_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = RemoveDocument(document_id)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.post("/api/declarations/{declaration_id}/validate")
async def validate(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Validated, or back in draft with every field error listed in `validation_errors`."""
    command = ValidateDeclaration()
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_EDIT)


@router.post("/api/declarations/{declaration_id}/submit")
async def submit(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    command = SubmitDeclaration()
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


@router.post("/api/declarations/{declaration_id}/corrections", status_code=status.HTTP_201_CREATED)
async def request_correction(
    declaration_id: str, body: CorrectionIn, session: CurrentSession, found: PlatformDep
) -> Any:
    command = RequestCorrection(body.correction_id or str(uuid.uuid4()), body.reason)
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


@router.post("/api/declarations/{declaration_id}/corrections/{correction_id}/apply")
async def apply_correction(
    declaration_id: str, correction_id: str, body: CorrectionValuesIn, session: CurrentSession, found: PlatformDep
) -> Any:
    command = ApplyCorrection(correction_id, body.reason, tuple(body.items), tuple(body.documents))
    return await declaration_command(found, session, declaration_id, command, Action.CUSTOMS_DECLARATION_SUBMIT)


# The customs authority's decisions ----------------------------------------------------------------------


async def authority_command(found: Platform, gateway: Session, declaration_id: str, command: Any) -> Any:
    authority = Issued(gateway.account_id, gateway.tenant_id, (("role", CUSTOMS_AUTHORITY_ROLE),))
    outcome = await send_command(found, CUSTOMS_DECLARATION, declaration_id, command, authority)
    return outcome if isinstance(outcome, JSONResponse) else await declaration_json(found, gateway, declaration_id)


@router.post("/api/declarations/{declaration_id}/register")
async def register(declaration_id: str, body: RegistrationIn, gateway: GatewayMayRegister, found: PlatformDep) -> Any:
    command = RegisterDeclaration(body.registration_number, body.registered_on)
    return await authority_command(found, gateway, declaration_id, command)


@router.post("/api/declarations/{declaration_id}/release")
async def release(declaration_id: str, gateway: GatewayMayRelease, found: PlatformDep) -> Any:
    return await authority_command(found, gateway, declaration_id, ReleaseDeclaration())


@router.post("/api/declarations/{declaration_id}/reject")
async def reject(declaration_id: str, body: ReasonIn, gateway: GatewayMayReject, found: PlatformDep) -> Any:
    return await authority_command(found, gateway, declaration_id, RejectDeclaration(body.reason))


# Payments and the XML document ------------------------------------------------------------------------


def calculation_json(calculation: PaymentCalculation) -> dict[str, Any]:
    body: dict[str, Any] = CALCULATION.dump_python(calculation, mode="json")
    names = {code: PAYMENT_TYPE_BY_CODE[code].name for code in calculation.totals if code in PAYMENT_TYPE_BY_CODE}
    return {
        **body,
        "grand_total": str(calculation.grand_total),
        "payment_types": names,
        "rounding": "each item's customs value and each payment per item to kopecks, half up; totals are sums",
    }


async def declaration_and_calculation(
    found: Platform, session: Session, declaration_id: str
) -> tuple[Declaration, dict[str, Any], date, PaymentCalculation | CalculationError]:
    """The declaration and its payments on its declaration date (today while none is set)."""
    require_permission(session, Action.CUSTOMS_READ)
    declaration, meta = await read_declaration(found, session, declaration_id)
    tables = tariff_tables(await read_tables(found, session))
    on = declaration.assessment_date(today())
    try:
        return declaration, meta, on, calculate_payments(declaration, tables, on)
    except CalculationError as gaps:
        return declaration, meta, on, gaps


@router.get("/api/declarations/{declaration_id}/calculation")
async def calculation(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Customs value and payments per item and in total, each amount with its formula, inputs and sources."""
    _, _, _, result = await declaration_and_calculation(found, session, declaration_id)
    if isinstance(result, CalculationError):
        return field_errors(result.problems)
    return calculation_json(result)


@router.get("/api/declarations/{declaration_id}/xml", response_class=Response)
async def xml(declaration_id: str, session: CurrentSession, found: PlatformDep) -> Response:
    """The ESADout_CU 5.23.0 document; 422 with the field errors while the declaration has gaps."""
    declaration, meta, on, result = await declaration_and_calculation(found, session, declaration_id)
    calculated = None if isinstance(result, CalculationError) else result
    exported = await asyncio.to_thread(
        export_declaration, declaration, document_id=declaration_id, created_at=meta["updated_at"], on=on,
        calculation=calculated,
    )  # fmt: skip
    gaps = (*exported.errors, *(result.problems if isinstance(result, CalculationError) else ()))
    if gaps or exported.xml is None:
        return field_errors(gaps)
    return Response(
        exported.xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="ESADout_CU-{declaration_id}.xml"'},
    )


# Compliance ----------------------------------------------------------------------------------------------


@router.get("/api/declarations/{declaration_id}/compliance")
async def declaration_compliance(declaration_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    declaration, _ = await read_declaration(found, session, declaration_id)
    report = declaration.compliance
    body: dict[str, Any] = COMPLIANCE.dump_python(report, mode="json") if report else {}
    return {"id": declaration_id, "status": declaration.status, "complete": bool(report and report.complete), **body}


@router.get("/api/customs/compliance")
async def company_compliance(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """What is missing or expiring across the company's declarations that are still open."""
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        counts = await (
            await conn.execute(
                """SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM customs_compliance_findings f
                          WHERE f.declaration_id = d.id AND f.kind = 'missing'))
                   FROM customs_declarations d WHERE d.status <> ALL(%s)""",
                (list(CLOSED),),
            )
        ).fetchone()
        findings = await (
            await conn.execute(
                """SELECT f.declaration_id, d.reference, d.status, f.kind, f.requirement_id, f.document_type_code,
                          f.message, f.item_ids, f.document_id, f.expires_on
                   FROM customs_compliance_findings f JOIN customs_declarations d ON d.id = f.declaration_id
                   WHERE d.status <> ALL(%s) ORDER BY f.expires_on NULLS FIRST, d.updated_at DESC, f.position""",
                (list(CLOSED),),
            )
        ).fetchall()
    rows = [
        {"declaration_id": r[0], "reference": r[1], "status": r[2], "kind": r[3], "requirement_id": r[4],
         "document_type_code": r[5], "message": r[6], "item_ids": r[7], "document_id": r[8],
         "expires_on": r[9].isoformat() if r[9] else None}
        for r in findings
    ]  # fmt: skip
    assert counts is not None
    return {
        "open_declarations": counts[0],
        "complete_declarations": counts[1],
        "missing": [r for r in rows if r["kind"] == "missing"],
        "expiring": [r for r in rows if r["kind"] == "expiring"],
    }


@router.post("/api/customs/compliance/check")
async def check_company_compliance(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """Re-judge every open declaration on its date (so documents expiring with time show up, and are pushed)."""
    require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    async with tenant_db(found, session) as conn:
        ids = [r[0] for r in await (
            await conn.execute("SELECT id FROM customs_declarations WHERE status <> ALL(%s)", (list(CLOSED),))
        ).fetchall()]  # fmt: skip
    for declaration_id in ids:
        await send_command(found, CUSTOMS_DECLARATION, declaration_id, CheckCompliance(), issued(session))
    return {"checked": len(ids)}


# Tariff tables -------------------------------------------------------------------------------------------


def uploadable(kind: TableKind) -> TableKind:
    if kind not in LOADERS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{kind} is not loaded by upload")
    return kind


@router.post("/api/customs/tariff/{kind}")
async def load_table(
    kind: TableKind,
    request: Request,
    session: CurrentSession,
    found: PlatformDep,
    mode: LoadMode = LoadMode.UPDATE,
    source: Annotated[str, Query(max_length=200)] = "",
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Load rows from a CSV body (columns per table: see `streams.customs.duty_tables`): replace or update the table."""
    tenant_id = require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    raw = await request.body()
    if len(raw) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_UPLOAD_BYTES} bytes per upload")
    try:
        rows = LOADERS[uploadable(kind)](raw.decode("utf-8"))
    except (TariffTableError, UnicodeDecodeError) as problem:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": ["body"], "msg": str(problem), "type": "csv"}]
        ) from None
    command = LoadTable(kind, TableRows.holding(kind, rows), mode, source)
    outcome = await send_command(
        found, CUSTOMS_TARIFF, aggregate_id(tenant_id, kind), command, issued(session), idempotency_key
    )
    if isinstance(outcome, JSONResponse):
        return outcome
    return {"kind": kind, "mode": mode, "loaded": len(rows), "version": outcome.aggregate_version}


@router.get("/api/customs/tariff")
async def tables_overview(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    async with tenant_db(found, session) as conn:
        tables = await (
            await conn.execute("SELECT kind, row_count, updated_at, version FROM customs_tariff_tables ORDER BY kind")
        ).fetchall()
        loads = await (
            await conn.execute(
                """SELECT kind, mode, row_count, source, actor_id, loaded_at FROM customs_tariff_loads
                   ORDER BY loaded_at DESC LIMIT 100"""
            )
        ).fetchall()
    return {
        "tables": [{"kind": r[0], "rows": r[1], "updated_at": r[2].isoformat(), "version": r[3]} for r in tables],
        "loads": [
            {"kind": r[0], "mode": r[1], "rows": r[2], "source": r[3], "actor_id": r[4], "loaded_at": r[5].isoformat()}
            for r in loads
        ],
    }


@router.get("/api/customs/tariff/{kind}")
async def table_rows(kind: TableKind, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.CUSTOMS_READ)
    table = (await read_tables(found, session, (kind,))).get(kind)
    if table is None:
        return {"kind": kind, "rows": [], "loads": 0}
    rows = TypeAdapter(tuple[Any, ...]).dump_python(table.rows.of(kind), mode="json")
    return {"kind": kind, "rows": rows, "loads": table.loads, "updated_at": table.updated_at}


# Classification ------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def classifier_with(national: tuple[NationalLine, ...], on: date) -> Classifier:
    """The nomenclature with a tenant's national lines in force on `on`; cached per table content and day."""
    return default_classifier().with_national_lines(national, on) if national else default_classifier()


@router.get("/api/customs/classify")
async def classify(
    session: CurrentSession,
    found: PlatformDep,
    q: Annotated[str, Query(min_length=2, max_length=1000, description="the goods description")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[dict[str, Any]]:
    """Codes for a goods description, best first: code, description, score, reason, confident, the heading's
    Russian and English names, the national line's name and the deciding chapter note (`Suggestion`)."""
    require_permission(session, Action.CUSTOMS_READ)
    tables = await read_tables(found, session, (TableKind.NATIONAL_LINES, TableKind.CLASSIFICATIONS))
    national = tables.get(TableKind.NATIONAL_LINES)
    lines = national.rows.national_lines if national is not None else ()
    chosen = await asyncio.to_thread(classifier_with, lines, today())
    feedback = tenant_feedback(tables.get(TableKind.CLASSIFICATIONS))
    suggestions = await asyncio.to_thread(chosen.suggest, q, feedback, limit)
    return [suggestion.as_json() for suggestion in suggestions]


@router.post("/api/customs/classify/confirm", status_code=status.HTTP_201_CREATED)
async def confirm_classification(
    body: ConfirmationIn, session: CurrentSession, found: PlatformDep, idempotency_key: IdempotencyKey = None
) -> Any:
    """Record an operator's confirmed code for a description; the tenant's later suggestions learn from it."""
    tenant_id = require_permission(session, Action.CUSTOMS_DECLARATION_EDIT)
    if body.code[:6] not in default_classifier().entries:
        raise invalid_field(["code"], f"{body.code[:6]} is not an HS subheading")
    command = ConfirmClassification(body.description, body.code)
    table_id = aggregate_id(tenant_id, TableKind.CLASSIFICATIONS)
    outcome = await send_command(found, CUSTOMS_TARIFF, table_id, command, issued(session), idempotency_key)
    if isinstance(outcome, JSONResponse):
        return outcome
    return {"description": body.description, "code": body.code}
