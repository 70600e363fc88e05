// Warehouses and stock, tariff tables, compliance and the audit trail.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../api/client";
import { useSession } from "../api/session";
import { ActionForm, type ActionSpec } from "../components/ActionForm";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { positiveDecimal, required } from "../components/validators";
import { actorName, auditSummary, eventName, objectName, type AuditEntry } from "../i18n/events";
import { useI18n } from "../i18n/I18n";

interface Warehouse {
  id: string;
  code: string;
  name: string;
  country: string;
  locode: string | null;
  locations?: { code: string; kind: string }[];
}

interface StockLine {
  location: string;
  sku: string;
  quantity: string;
}

interface Movement {
  version: number;
  kind: string;
  sku: string;
  quantity: string;
  from_location: string | null;
  to_location: string | null;
  shipment_reference: string | null;
  occurred_at: string;
}

/** Stock per SKU across a warehouse's locations (quantities are decimal text). */
export function stockBySku(lines: StockLine[]): { sku: string; quantity: number; locations: string }[] {
  const totals = new Map<string, { quantity: number; locations: string[] }>();
  for (const line of lines) {
    const entry = totals.get(line.sku) ?? { quantity: 0, locations: [] };
    entry.quantity += Number(line.quantity);
    entry.locations.push(line.location);
    totals.set(line.sku, entry);
  }
  return [...totals].map(([sku, e]) => ({ sku, quantity: e.quantity, locations: e.locations.join(", ") })).sort((a, b) => a.sku.localeCompare(b.sku));
}

export function WarehouseList() {
  const { t } = useI18n();
  const query = useQuery({ queryKey: ["warehouses"], queryFn: () => api.get<Warehouse[]>("/api/warehouses") });
  const columns = useMemo<ColumnDef<Warehouse, unknown>[]>(
    () => [
      { header: t("common.code"), accessorKey: "code" },
      { header: t("common.name"), accessorKey: "name" },
      { header: t("common.country"), accessorKey: "country" },
      { header: "UN/LOCODE", id: "locode", accessorFn: (r) => r.locode ?? "" },
    ],
    [t],
  );
  return (
    <>
      <h1>{t("warehouse.title")}</h1>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data !== undefined && <DataTable testId="warehouses" rows={query.data} columns={columns} link={(r) => `/warehouses/${r.id}`} />}
    </>
  );
}

function stockActions(warehouse: Warehouse, label: (prefix: string, value: string) => string): ActionSpec[] {
  const path = `/api/warehouses/${warehouse.id}`;
  const locations = (warehouse.locations ?? []).map((l) => [l.code, `${l.code} · ${label("warehouse.kinds", l.kind)}`] as const);
  const invalidates = [["warehouses", warehouse.id]];
  return [
    {
      title: "warehouse.receive", testId: "receipt", invalidates,
      fields: [
        { name: "sku", label: "warehouse.sku", rules: [required] },
        { name: "quantity", label: "common.quantity", rules: [required, positiveDecimal] },
        { name: "location", label: "warehouse.location", options: locations },
        { name: "shipment_reference", label: "warehouse.shipmentReference" },
      ],
      send: (v, key) => api.post(`${path}/receipts`, { sku: v.sku, quantity: v.quantity, location: v.location, shipment_reference: v.shipment_reference || null }, key),
    },
    {
      title: "warehouse.issue", testId: "dispatch", invalidates,
      fields: [
        { name: "sku", label: "warehouse.sku", rules: [required] },
        { name: "quantity", label: "common.quantity", rules: [required, positiveDecimal] },
        { name: "from_location", label: "warehouse.location", options: locations },
        { name: "shipment_reference", label: "warehouse.shipmentReference", rules: [required] },
      ],
      send: (v, key) => api.post(`${path}/dispatches`, v, key),
    },
  ];
}

export function WarehouseDetail() {
  const { id = "" } = useParams();
  const { t, label, number, dateTime, locale } = useI18n();
  const { canEdit } = useSession();
  const warehouse = useQuery({ queryKey: ["warehouses", id], queryFn: () => api.get<Warehouse>(`/api/warehouses/${id}`) });
  const stock = useQuery({ queryKey: ["warehouses", id, "stock"], queryFn: () => api.get<StockLine[]>(`/api/warehouses/${id}/stock`) });
  const movements = useQuery({ queryKey: ["warehouses", id, "movements"], queryFn: () => api.get<Movement[]>(`/api/warehouses/${id}/movements`) });
  const bySku = useMemo(() => stockBySku(stock.data ?? []), [stock.data]);
  const skuColumns = useMemo<ColumnDef<(typeof bySku)[number], unknown>[]>(
    () => [
      { header: t("warehouse.sku"), accessorKey: "sku" },
      { header: t("common.quantity"), accessorKey: "quantity", cell: (c) => number(c.row.original.quantity) },
      { header: t("warehouse.locations"), accessorKey: "locations" },
    ],
    [t, number],
  );
  const lineColumns = useMemo<ColumnDef<StockLine, unknown>[]>(
    () => [
      { header: t("warehouse.location"), accessorKey: "location" },
      { header: t("warehouse.sku"), accessorKey: "sku" },
      { header: t("common.quantity"), accessorKey: "quantity", cell: (c) => number(c.row.original.quantity) },
    ],
    [t, number],
  );
  const movementColumns = useMemo<ColumnDef<Movement, unknown>[]>(
    () => [
      { header: t("common.date"), accessorKey: "occurred_at", cell: (c) => dateTime(c.row.original.occurred_at) },
      { header: t("warehouse.movement"), accessorKey: "kind", cell: (c) => eventName(c.row.original.kind, locale) },
      { header: t("warehouse.sku"), accessorKey: "sku" },
      { header: t("common.quantity"), accessorKey: "quantity", cell: (c) => number(c.row.original.quantity) },
      { header: t("warehouse.route"), id: "route", accessorFn: (r) => [r.from_location, r.to_location].filter(Boolean).join(" → ") },
      { header: t("warehouse.shipmentReference"), id: "shipment", accessorFn: (r) => r.shipment_reference ?? "" },
    ],
    [t, number, dateTime, locale],
  );
  if (warehouse.isPending) return <Loading />;
  if (!warehouse.data) return <ErrorNotice error={warehouse.error} />;
  const w = warehouse.data;
  return (
    <>
      <h1>{w.name} <Badge>{w.code}</Badge></h1>
      <div className="grid">
        <Card title={t("warehouse.stockBySku")}>
          <DataTable testId="stock-by-sku" rows={bySku} columns={skuColumns} />
        </Card>
        <Card title={t("warehouse.stock")}>
          <DataTable testId="stock" rows={stock.data ?? []} columns={lineColumns} />
        </Card>
        {canEdit && (
          <Card title={t("common.actions")} className="wide">
            <div className="actions-grid">
              {stockActions(w, label).map((spec) => <ActionForm key={spec.title} spec={spec} />)}
            </div>
          </Card>
        )}
        <Card title={t("warehouse.movements")} className="wide">
          <DataTable testId="movements" rows={movements.data ?? []} columns={movementColumns} />
        </Card>
      </div>
    </>
  );
}

const TABLE_KINDS = ["duty_rates", "preferences", "excise_rates", "vat_rates", "fee_scale", "exchange_rates", "national_lines"];

interface TariffOverview {
  tables: { kind: string; rows: number; updated_at: string; version: number }[];
  loads: { kind: string; mode: string; rows: number; source: string; actor_id: string; loaded_at: string }[];
}

export function TariffTables() {
  const { t, label, dateTime, number } = useI18n();
  const overview = useQuery({ queryKey: ["tariff"], queryFn: () => api.get<TariffOverview>("/api/customs/tariff") });
  const [kind, setKind] = useState("exchange_rates");
  const [mode, setMode] = useState("update");
  const [file, setFile] = useState<File | null>(null);
  const rows = useQuery({ queryKey: ["tariff", kind], queryFn: () => api.get<{ rows: Record<string, unknown>[] }>(`/api/customs/tariff/${kind}`) });
  const upload = useCommand((chosen: File) => api.post(`/api/customs/tariff/${kind}?mode=${mode}&source=${encodeURIComponent(chosen.name)}`, chosen), { invalidates: [["tariff"]] });
  type Table = TariffOverview["tables"][number];
  type Load = TariffOverview["loads"][number];
  const tableColumns = useMemo<ColumnDef<Table, unknown>[]>(
    () => [
      { header: t("tariff.kind"), accessorKey: "kind", cell: (c) => label("tariff.kinds", c.row.original.kind) },
      { header: t("tariff.rows"), accessorKey: "rows", cell: (c) => number(c.row.original.rows) },
      { header: t("common.updated"), accessorKey: "updated_at", cell: (c) => dateTime(c.row.original.updated_at) },
    ],
    [t, label, number, dateTime],
  );
  const loadColumns = useMemo<ColumnDef<Load, unknown>[]>(
    () => [
      { header: t("common.date"), accessorKey: "loaded_at", cell: (c) => dateTime(c.row.original.loaded_at) },
      { header: t("tariff.kind"), accessorKey: "kind", cell: (c) => label("tariff.kinds", c.row.original.kind) },
      { header: t("tariff.mode"), accessorKey: "mode", cell: (c) => label("tariff.modes", c.row.original.mode) },
      { header: t("tariff.rows"), accessorKey: "rows" },
      { header: t("tariff.source"), accessorKey: "source" },
    ],
    [t, label, dateTime],
  );
  const preview = (rows.data?.rows ?? []).slice(-8);
  return (
    <>
      <h1>{t("tariff.title")}</h1>
      <div className="grid">
        <Card title={t("tariff.loaded")}>
          {overview.isPending ? <Loading /> : <ErrorNotice error={overview.error} />}
          {overview.data && <DataTable testId="tariff" rows={overview.data.tables} columns={tableColumns} />}
        </Card>
        <Card title={t("tariff.upload")}>
          <form onSubmit={(e) => { e.preventDefault(); if (file) void upload.run(file); }} aria-label={t("tariff.upload")}>
            <SelectField label={t("tariff.kind")} name="kind" value={kind} onChange={setKind} options={TABLE_KINDS.map((k) => [k, label("tariff.kinds", k)] as const)} />
            <SelectField label={t("tariff.mode")} name="mode" value={mode} onChange={setMode} options={["update", "replace"].map((m) => [m, label("tariff.modes", m)] as const)} />
            <div className="field">
              <label htmlFor="tariff-file">{t("tariff.file")}</label>
              <input id="tariff-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </div>
            <ErrorNotice error={upload.error} />
            <button type="submit" disabled={!file || upload.pending}>{t("tariff.upload")}</button>
          </form>
        </Card>
        <Card title={`${label("tariff.kinds", kind)}: ${t("tariff.latestRows")}`} className="wide">
          {preview.length > 0 && <pre className="json" data-testid="tariff-rows">{preview.map((r) => Object.values(r).map((v) => (v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v))).join(" · ")).join("\n")}</pre>}
        </Card>
        <Card title={t("tariff.history")} className="wide">
          {overview.data && <DataTable testId="tariff-loads" rows={overview.data.loads} columns={loadColumns} />}
        </Card>
      </div>
    </>
  );
}

interface Finding {
  declaration_id: string;
  reference: string;
  status: string;
  kind: string;
  document_type_code: string;
  message: string;
  expires_on: string | null;
}

interface ExpiringDocument {
  id: string;
  title: string;
  filename: string;
  document_type: string;
  expires_on: string | null;
  expired: boolean;
  links: { linked_type: string; linked_id: string }[];
}

interface CompanyCompliance {
  open_declarations: number;
  complete_declarations: number;
  missing: Finding[];
  expiring: Finding[];
  documents_expiring: ExpiringDocument[];
}

export function Compliance() {
  const { t, date, label } = useI18n();
  const query = useQuery({ queryKey: ["compliance"], queryFn: () => api.get<CompanyCompliance>("/api/customs/compliance") });
  const columns = useMemo<ColumnDef<Finding, unknown>[]>(
    () => [
      { header: t("common.reference"), accessorKey: "reference", cell: (c) => <Link to={`/declarations/${c.row.original.declaration_id}`}>{c.row.original.reference || c.row.original.declaration_id.slice(0, 8)}</Link> },
      { header: t("common.status"), accessorKey: "status", cell: (c) => <StatusBadge prefix="declaration.statuses" status={c.row.original.status} /> },
      { header: t("compliance.document"), accessorKey: "document_type_code" },
      { header: t("common.description"), accessorKey: "message" },
      { header: t("compliance.expires"), id: "expires", accessorFn: (r) => r.expires_on ?? "", cell: (c) => date(c.row.original.expires_on) },
    ],
    [t, date],
  );
  const documentColumns = useMemo<ColumnDef<ExpiringDocument, unknown>[]>(
    () => [
      { header: t("compliance.document"), id: "title", accessorFn: (r) => r.title || r.filename },
      { header: t("documents.type"), id: "type", accessorFn: (r) => label("documents.types", r.document_type) },
      { header: t("compliance.expires"), id: "expires", accessorFn: (r) => r.expires_on ?? "",
        cell: (c) => `${date(c.row.original.expires_on)}${c.row.original.expired ? ` (${t("documents.expired")})` : ""}` },
      { header: t("documents.linkedTo"), id: "links", accessorFn: (r) => r.links.map((l) => label("documents.linkedTypes", l.linked_type)).join(", ") },
    ],
    [t, date, label],
  );
  return (
    <>
      <h1>{t("compliance.title")}</h1>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <div className="grid">
          <Card title={t("compliance.overview")} className="wide">
            <Definition items={[[t("compliance.open"), String(query.data.open_declarations)], [t("compliance.complete"), String(query.data.complete_declarations)]]} />
          </Card>
          <Card title={t("compliance.missing")} className="wide"><DataTable testId="compliance-missing" rows={query.data.missing} columns={columns} /></Card>
          <Card title={t("compliance.expiring")} className="wide"><DataTable testId="compliance-expiring" rows={query.data.expiring} columns={columns} /></Card>
          <Card title={t("compliance.documentsExpiring")} className="wide">
            <DataTable testId="compliance-documents" rows={query.data.documents_expiring} columns={documentColumns} link={(r) => `/documents/${r.id}`} />
          </Card>
        </div>
      )}
    </>
  );
}

interface AuditRow extends AuditEntry {
  event_id: string;
  occurred_at: string;
}

const AUDITED = ["", "shipment", "customs_declaration", "warehouse", "edi_partner", "customs_tariff", "company", "user_account"];

export function AuditTrail() {
  const { t, dateTime, locale } = useI18n();
  const [aggregate, setAggregate] = useState("");
  const query = useQuery({
    queryKey: ["audit", aggregate],
    queryFn: () => api.get<{ entries: AuditRow[] }>("/api/audit", { aggregate_type: aggregate || undefined, limit: 200 }),
  });
  const columns = useMemo<ColumnDef<AuditRow, unknown>[]>(
    () => [
      { header: t("audit.when"), accessorKey: "occurred_at", cell: (c) => dateTime(c.row.original.occurred_at) },
      { header: t("audit.actor"), id: "actor", accessorFn: (r) => actorName(r, locale) },
      { header: t("audit.event"), id: "event", accessorFn: (r) => eventName(r.event_type, locale) },
      { header: t("audit.summary"), id: "summary", accessorFn: (r) => auditSummary(r, locale) },
    ],
    [t, dateTime, locale],
  );
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <div className="filters">
        <SelectField label={t("audit.aggregate")} name="aggregate_type" value={aggregate} onChange={setAggregate}
          options={AUDITED.map((a) => [a, a ? objectName(a, locale) : t("common.all")] as const)} />
      </div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && <DataTable testId="audit" rows={query.data.entries} columns={columns} />}
    </>
  );
}

