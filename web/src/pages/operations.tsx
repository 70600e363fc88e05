// Warehouses and stock, EDI partners and their messages, tariff tables, compliance, audit, analytics.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { useParams } from "react-router";
import { api } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, StatusBadge, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useI18n } from "../i18n/I18n";

type Row = Record<string, unknown>;

const text = (value: unknown): string => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

function rowsOf(data: unknown, key: string): Row[] {
  if (Array.isArray(data)) return data as Row[];
  if (data && typeof data === "object" && Array.isArray((data as Record<string, unknown>)[key])) return (data as Record<string, Row[]>)[key] ?? [];
  return [];
}

/** A plain table of some of a row's fields, labelled. */
function useColumns(fields: ReadonlyArray<readonly [string, string]>): ColumnDef<Row, unknown>[] {
  return useMemo(() => fields.map(([key, header]) => ({ header, id: key, accessorFn: (r: Row) => text(r[key]) })), [fields]);
}

export function WarehouseList() {
  const { t } = useI18n();
  const query = useQuery({ queryKey: ["warehouses"], queryFn: () => api.get<unknown>("/api/warehouses") });
  const columns = useColumns([["code", t("common.code")], ["name", t("common.name")], ["country", t("common.country")], ["locode", "UN/LOCODE"]]);
  return (
    <>
      <h1>{t("warehouse.title")}</h1>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data !== undefined && <DataTable testId="warehouses" rows={rowsOf(query.data, "items")} columns={columns} link={(r) => `/warehouses/${text(r.id)}`} />}
    </>
  );
}

export function WarehouseDetail() {
  const { id = "" } = useParams();
  const { t } = useI18n();
  const warehouse = useQuery({ queryKey: ["warehouses", id], queryFn: () => api.get<Row>(`/api/warehouses/${id}`) });
  const stock = useQuery({ queryKey: ["warehouses", id, "stock"], queryFn: () => api.get<unknown>(`/api/warehouses/${id}/stock`) });
  const movements = useQuery({ queryKey: ["warehouses", id, "movements"], queryFn: () => api.get<unknown>(`/api/warehouses/${id}/movements`) });
  const stockColumns = useColumns([["sku", t("warehouse.sku")], ["location", t("warehouse.locations")], ["quantity", t("common.quantity")], ["unit", "unit"]]);
  const movementColumns = useColumns([["occurred_at", t("common.date")], ["kind", t("common.status")], ["sku", t("warehouse.sku")], ["quantity", t("common.quantity")], ["location", t("warehouse.locations")]]);
  if (warehouse.isPending) return <Loading />;
  if (!warehouse.data) return <ErrorNotice error={warehouse.error} />;
  return (
    <>
      <h1>{text(warehouse.data.name)} <Badge>{text(warehouse.data.code)}</Badge></h1>
      <div className="grid">
        <Card title={t("warehouse.stock")} className="wide">{stock.data !== undefined && <DataTable rows={rowsOf(stock.data, "items")} columns={stockColumns} />}</Card>
        <Card title={t("warehouse.movements")} className="wide">{movements.data !== undefined && <DataTable rows={rowsOf(movements.data, "items")} columns={movementColumns} />}</Card>
      </div>
    </>
  );
}

export function EdiPartners() {
  const { t } = useI18n();
  const partners = useQuery({ queryKey: ["edi-partners"], queryFn: () => api.get<unknown>("/api/edi/partners") });
  const messages = useQuery({ queryKey: ["edi-messages"], queryFn: () => api.get<unknown>("/api/edi/messages") });
  const partnerColumns = useColumns([["code", t("common.code")], ["name", t("common.name")], ["status", t("common.status")]]);
  const messageColumns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: "ID", id: "message_id", accessorFn: (r) => text(r.message_id) },
      { header: t("edi.result"), id: "status", cell: (c) => <StatusBadge prefix="edi.statuses" status={text(c.row.original.status)} /> },
      { header: t("common.reason"), id: "reason", accessorFn: (r) => text(r.reason) },
      { header: t("common.date"), id: "received_at", accessorFn: (r) => text(r.received_at ?? r.recorded_at) },
    ],
    [t],
  );
  return (
    <>
      <h1>{t("edi.title")}</h1>
      <div className="grid">
        <Card title={t("edi.partner")} className="wide">
          {partners.data !== undefined && <DataTable testId="edi-partners" rows={rowsOf(partners.data, "items")} columns={partnerColumns} link={(r) => `/edi/${text(r.id)}`} />}
        </Card>
        <Card title={t("edi.messages")} className="wide">
          {messages.data !== undefined && <DataTable testId="edi-messages" rows={rowsOf(messages.data, "items")} columns={messageColumns} />}
        </Card>
      </div>
    </>
  );
}

export function EdiPartnerDetail() {
  const { id = "" } = useParams();
  const { t } = useI18n();
  const partner = useQuery({ queryKey: ["edi-partners", id], queryFn: () => api.get<Row>(`/api/edi/partners/${id}`) });
  const [key, setKey] = useState<string | null>(null);
  const issue = useCommand((_: void, idem: string) => api.post<{ api_key: string }>(`/api/edi/partners/${id}/api-keys`, {}, idem), {
    invalidates: [["edi-partners", id]],
    onDone: (answer) => setKey(answer.api_key),
  });
  if (partner.isPending) return <Loading />;
  if (!partner.data) return <ErrorNotice error={partner.error} />;
  return (
    <>
      <h1>{text(partner.data.name)}</h1>
      <Card title={t("edi.apiKeys")}>
        <Definition items={Object.entries(partner.data).filter(([k]) => !["api_keys"].includes(k)).slice(0, 8).map(([k, v]) => [k, text(v)] as const)} />
        {key && <p className="notice notice-good">{t("edi.keyShownOnce")} <code>{key}</code></p>}
        <ErrorNotice error={issue.error} />
        <button type="button" onClick={() => void issue.run()}>{t("edi.issueKey")}</button>
      </Card>
    </>
  );
}

export function TariffTables() {
  const { t } = useI18n();
  const overview = useQuery({ queryKey: ["tariff"], queryFn: () => api.get<unknown>("/api/customs/tariff") });
  const [kind, setKind] = useState("duty_rates");
  const [file, setFile] = useState<File | null>(null);
  const upload = useCommand((chosen: File) => api.post(`/api/customs/tariff/${kind}`, chosen), { invalidates: [["tariff"]] });
  const columns = useColumns([["kind", t("tariff.kind")], ["row_count", t("tariff.rows")], ["updated_at", t("common.updated")]]);
  return (
    <>
      <h1>{t("tariff.title")}</h1>
      {overview.data !== undefined && <DataTable testId="tariff" rows={rowsOf(overview.data, "tables")} columns={columns} />}
      <Card title={t("tariff.upload")}>
        <form onSubmit={(e) => { e.preventDefault(); if (file) void upload.run(file); }}>
          <TextField label={t("tariff.kind")} name="kind" value={kind} onChange={setKind} />
          <label>CSV <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></label>
          <ErrorNotice error={upload.error} />
          <button type="submit" disabled={!file || upload.pending}>{t("tariff.upload")}</button>
        </form>
      </Card>
    </>
  );
}

export function Compliance() {
  const { t } = useI18n();
  const query = useQuery({ queryKey: ["compliance"], queryFn: () => api.get<Row>("/api/customs/compliance") });
  return (
    <>
      <h1>{t("compliance.title")}</h1>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && <pre className="json">{JSON.stringify(query.data, null, 2)}</pre>}
    </>
  );
}

export function AuditTrail() {
  const { t, dateTime } = useI18n();
  const [aggregate, setAggregate] = useState("");
  const query = useQuery({
    queryKey: ["audit", aggregate],
    queryFn: () => api.get<{ entries: Row[] }>("/api/audit", { aggregate_type: aggregate || undefined, limit: 200 }),
  });
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: t("audit.when"), id: "occurred_at", accessorFn: (r) => text(r.occurred_at), cell: (c) => dateTime(text(c.row.original.occurred_at)) },
      { header: t("audit.event"), id: "event_type", accessorFn: (r) => text(r.event_type) },
      { header: t("audit.aggregate"), id: "aggregate", accessorFn: (r) => `${text(r.aggregate_type)} ${text(r.aggregate_id).slice(0, 8)}` },
      { header: t("audit.actor"), id: "actor", accessorFn: (r) => text(r.actor_id).slice(0, 8) },
      { header: t("common.description"), id: "summary", accessorFn: (r) => text(r.summary) },
    ],
    [t, dateTime],
  );
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <div className="filters"><TextField label={t("audit.aggregate")} name="aggregate_type" value={aggregate} onChange={setAggregate} placeholder="shipment" /></div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && <DataTable testId="audit" rows={query.data.entries} columns={columns} />}
    </>
  );
}

