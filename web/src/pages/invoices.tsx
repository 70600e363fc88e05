// Invoices: the list with filters (kind, status, overdue), new receivables and supplier invoices, and one
// invoice with its lines, VAT, the three-way match against its purchase order, and its actions.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";
import { useParams } from "react-router";
import { api } from "../api/client";
import type { Page } from "../api/types";
import { ActionForm, type ActionSpec, type FieldSpec } from "../components/ActionForm";
import { DataTable } from "../components/DataTable";
import { useFilters } from "../components/useFilters";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge } from "../components/ui";
import { countryCode, currencyCode, positiveDecimal, required } from "../components/validators";
import { useI18n } from "../i18n/I18n";
import { DocumentsPanel } from "./documents";

const KINDS = ["payable", "receivable", "credit_note"];
const STATUSES = ["draft", "issuing", "issued", "received", "mismatched", "matched", "scheduled", "partly_paid", "paid", "void"];
const VAT_RATES = ["22", "20", "10", "0", "none"];

interface InvoiceRow {
  id: string;
  kind: string;
  status: string;
  overdue: boolean;
  number: string | null;
  supplier_invoice_number: string | null;
  counterparty: string;
  purchase_order_id: string | null;
  credited_invoice_id: string | null;
  currency: string;
  total: string;
  outstanding: string;
  issued_on: string | null;
  due_on: string;
  pay_on: string | null;
}

interface InvoiceLine {
  line_no: number;
  description: string;
  quantity: string;
  unit: string;
  unit_price: string;
  vat_rate: string;
  order_line_no: number | null;
}

interface Invoice extends InvoiceRow {
  content: { lines: InvoiceLine[]; counterparty: { name: string; account: string; inn: string | null } };
  totals: { net: string; vat: string; total: string; vat_lines: { rate: string; net: string; vat: string }[] };
  paid: string;
  credited: string;
  payment_ids: string[];
  credit_note_ids: string[];
  reason: string;
}

interface MatchResult {
  matches: boolean;
  lines: {
    invoice_line_no: number | null;
    order_line_no: number | null;
    ordered: string | null;
    received: string | null;
    invoiced: string | null;
    order_price: string | null;
    invoiced_price: string | null;
    matches: boolean;
  }[];
  mismatches: { invoice_line_no: number | null; problem: string; reason: string }[];
}

export function InvoiceList() {
  const { t, label, money, date } = useI18n();
  const [params, set] = useFilters();
  const kind = params.get("kind") ?? "";
  const status = params.get("status") ?? "";
  const overdue = params.get("overdue") ?? "";
  // Opened from a verified invoice's page: the payable form starts from what the document says.
  const fromDocument = params.get("from_document") ?? "";
  const document = useQuery({
    queryKey: ["documents", fromDocument],
    queryFn: () => api.get<{ fields: { name: string; value: string }[] }>(`/api/documents/${fromDocument}`),
    enabled: fromDocument !== "",
  });
  const query = useQuery({
    queryKey: ["invoices", { kind, status, overdue }],
    queryFn: () => api.get<Page<InvoiceRow>>("/api/invoices", { kind, status, overdue, limit: 200 }),
  });
  const columns = useMemo<ColumnDef<InvoiceRow, unknown>[]>(
    () => [
      { header: t("invoice.number"), id: "number", accessorFn: (r) => r.number ?? r.supplier_invoice_number ?? "—" },
      { header: t("invoice.kind"), accessorKey: "kind", cell: (c) => label("invoice.kinds", c.row.original.kind) },
      {
        header: t("common.status"), accessorKey: "status",
        cell: (c) => (
          <>
            <StatusBadge prefix="invoice.statuses" status={c.row.original.status} />
            {c.row.original.overdue && <Badge tone="bad">{t("invoice.overdue")}</Badge>}
          </>
        ),
      },
      { header: t("invoice.counterparty"), accessorKey: "counterparty" },
      { header: t("invoice.total"), id: "total", accessorFn: (r) => Number(r.total), cell: (c) => money(c.row.original.total, c.row.original.currency) },
      { header: t("invoice.outstanding"), id: "outstanding", cell: (c) => money(c.row.original.outstanding, c.row.original.currency) },
      { header: t("invoice.dueOn"), accessorKey: "due_on", cell: (c) => date(c.row.original.due_on) },
    ],
    [t, label, money, date],
  );
  return (
    <>
      <h1>{t("invoice.title")}</h1>
      <div className="filters" role="search">
        <SelectField label={t("invoice.kind")} name="kind" value={kind} onChange={set("kind")}
          options={[["", t("common.all")], ...KINDS.map((k) => [k, label("invoice.kinds", k)] as const)]} />
        <SelectField label={t("common.status")} name="status" value={status} onChange={set("status")}
          options={[["", t("common.all")], ...STATUSES.map((s) => [s, label("invoice.statuses", s)] as const)]} />
        <SelectField label={t("invoice.overdue")} name="overdue" value={overdue} onChange={set("overdue")}
          options={[["", t("common.all")], ["true", t("common.yes")], ["false", t("common.no")]]} />
      </div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <DataTable testId="invoices" rows={query.data.items} columns={columns} link={(r) => `/invoices/${r.id}`} caption={t("invoice.title")} />
      )}
      <div className="grid">
        <Card title={t("invoice.new")}><ActionForm spec={newReceivable()} /></Card>
        <Card title={t("invoice.newPayable")}>
          {fromDocument === "" ? <ActionForm spec={newPayable()} /> : document.data ? (
            <ActionForm key={fromDocument} spec={newPayable(payableFromDocument(document.data.fields))} />
          ) : <ErrorNotice error={document.error} />}
        </Card>
      </div>
    </>
  );
}

const vatOptions = VAT_RATES.map((r) => [r, r === "none" ? "без НДС" : `${r}%`] as const);
const decimal = (value: string | undefined) => value?.replace(",", ".");

/** A receivable in roubles with one line (or a credit note, naming the invoice it credits). */
function newReceivable(): ActionSpec {
  return {
    title: "invoice.new", testId: "new-invoice", invalidates: [["invoices"]],
    fields: [
      { name: "name", label: "invoice.counterparty", rules: [required], apiPath: "content.counterparty.name" },
      { name: "inn", label: "invoice.counterpartyInn", rules: [required], apiPath: "content.counterparty.inn" },
      { name: "account", label: "po.supplierAccount", rules: [required], apiPath: "content.counterparty.account" },
      { name: "bik", label: "invoice.counterpartyBik", rules: [required], apiPath: "content.counterparty.bik" },
      { name: "correspondent", label: "invoice.counterpartyCorrespondent", rules: [required], apiPath: "content.counterparty.correspondent_account" },
      { name: "description", label: "common.description", rules: [required], apiPath: "content.lines[0].description" },
      { name: "quantity", label: "common.quantity", rules: [positiveDecimal], initial: "1", apiPath: "content.lines[0].quantity" },
      { name: "unit_price", label: "po.unitPrice", rules: [positiveDecimal], apiPath: "content.lines[0].unit_price" },
      { name: "vat_rate", label: "invoice.vatRate", options: vatOptions },
      { name: "due_on", label: "invoice.dueOn", type: "date", rules: [required], apiPath: "content.due_on" },
      { name: "credited_invoice_id", label: "invoice.creditNoteFor" },
      { name: "reason", label: "common.reason" },
    ],
    send: (v, key) =>
      api.post("/api/invoices", {
        content: {
          counterparty: { name: v.name, country: "RU", account: v.account, inn: v.inn, bik: v.bik, correspondent_account: v.correspondent },
          currency: "RUB",
          lines: [{ line_no: 1, description: v.description, quantity: decimal(v.quantity), unit: "796", unit_price: decimal(v.unit_price),
                    vat_rate: v.vat_rate }],
          due_on: v.due_on,
        },
        credited_invoice_id: v.credited_invoice_id || null,
        reason: v.reason ?? "",
      }, key),
  };
}

// A payable prefilled from a verified commercial invoice (documents domain): its number, date, seller, currency and
// every line; the bank details and the order stay for the accountant.
const LINE_FIELD = /^items\[(\d+)\]\.(description|quantity|unit_price)$/;
const LINE_PARTS = ["description", "quantity", "unit_price"] as const;

/** The form's name of a line's field: the first line's plain ("description"), the next numbered ("description_2"). */
export const lineField = (part: (typeof LINE_PARTS)[number], index: number) => (index === 0 ? part : `${part}_${index + 1}`);

/** How many lines a payable's form has for this prefill (at least one). */
export function payableLines(prefill: Record<string, string>): number {
  let lines = 1;
  while (LINE_PARTS.some((part) => lineField(part, lines) in prefill)) lines += 1;
  return lines;
}

/** A supplier invoice's form values from a verified document's fields: the header and every line, in order. */
export function payableFromDocument(fields: { name: string; value: string }[]): Record<string, string> {
  const value = (name: string) => fields.find((f) => f.name === name)?.value ?? "";
  const prefill: Record<string, string> = {
    supplier_invoice_number: value("number"),
    issued_on: value("date"),
    name: value("seller"),
    currency: value("currency"),
  };
  // The document's line indices, in order and without gaps (a line recognition skipped leaves none).
  const indices = [...new Set(fields.flatMap((f) => LINE_FIELD.exec(f.name)?.[1] ?? []).map(Number))].sort((a, b) => a - b);
  if (indices.length === 0) indices.push(0);
  indices.forEach((index, position) => {
    for (const part of LINE_PARTS) prefill[lineField(part, position)] = value(`items[${index}].${part}`);
  });
  return prefill;
}

/** The payable's lines from the form's values; `order_line_no` is the order line of the first, the next follow it. */
export function payableLineBodies(v: Record<string, string>, lines: number) {
  const firstOrderLine = v.order_line_no ? Number(v.order_line_no) : null;
  return Array.from({ length: lines }, (_, i) => ({
    line_no: i + 1,
    description: v[lineField("description", i)],
    quantity: decimal(v[lineField("quantity", i)]),
    unit: "796",
    unit_price: decimal(v[lineField("unit_price", i)]),
    order_line_no: firstOrderLine === null ? null : firstOrderLine + i,
  }));
}

/** A supplier's invoice billing purchase order lines (prefilled from a verified document if given, every line). */
function newPayable(prefill: Record<string, string> = {}): ActionSpec {
  const initial = (name: string, otherwise?: string) => prefill[name] || otherwise;
  const lines = payableLines(prefill);
  const lineFields = Array.from({ length: lines }, (_, i): FieldSpec[] => {
    const note = lines > 1 ? `(${i + 1})` : undefined;
    const at = (part: (typeof LINE_PARTS)[number]) => ({ name: lineField(part, i), apiPath: `content.lines[${i}].${part}`, initial: initial(lineField(part, i)), note });
    return [
      { ...at("description"), label: "common.description", rules: [required] },
      { ...at("quantity"), label: "common.quantity", rules: [positiveDecimal] },
      { ...at("unit_price"), label: "po.unitPrice", rules: [positiveDecimal] },
    ];
  }).flat();
  return {
    title: "invoice.newPayable", testId: "new-payable", invalidates: [["invoices"]],
    fields: [
      { name: "supplier_invoice_number", label: "invoice.supplierNumber", rules: [required], initial: initial("supplier_invoice_number") },
      { name: "issued_on", label: "invoice.issuedOn", type: "date", rules: [required], initial: initial("issued_on") },
      { name: "name", label: "po.supplier", rules: [required], apiPath: "content.counterparty.name", initial: initial("name") },
      { name: "country", label: "common.country", rules: [countryCode], apiPath: "content.counterparty.country" },
      { name: "account", label: "po.supplierAccount", rules: [required], apiPath: "content.counterparty.account" },
      { name: "bic", label: "po.supplierBic", rules: [required], apiPath: "content.counterparty.bank_bic" },
      { name: "currency", label: "common.currency", rules: [currencyCode], initial: initial("currency", "USD"), apiPath: "content.currency" },
      { name: "purchase_order_id", label: "invoice.purchaseOrder", apiPath: "content.purchase_order_id" },
      { name: "order_line_no", label: "po.line", initial: "1" },
      ...lineFields,
      { name: "due_on", label: "invoice.dueOn", type: "date", rules: [required], apiPath: "content.due_on" },
    ],
    send: (v, key) =>
      api.post("/api/invoices/payables", {
        supplier_invoice_number: v.supplier_invoice_number,
        issued_on: v.issued_on,
        content: {
          counterparty: { name: v.name, country: v.country?.toUpperCase(), account: v.account, bank_bic: v.bic },
          currency: v.currency?.toUpperCase(),
          lines: payableLineBodies(v, lines),
          due_on: v.due_on,
          purchase_order_id: v.purchase_order_id || null,
        },
      }, key),
  };
}

function invoiceActions(invoice: Invoice): ActionSpec[] {
  const id = invoice.id;
  const invalidates = [["invoices", id], ["invoices"]];
  const post = (path: string) => (body: unknown, key: string) => api.post(`/api/invoices/${id}/${path}`, body, key);
  const today = new Date().toISOString().slice(0, 10);
  const issue: ActionSpec = {
    title: "invoice.issue", testId: "issue-invoice", invalidates,
    fields: [{ name: "issued_on", label: "invoice.issuedOn", type: "date", initial: today }],
    send: (v, key) => post("issue")({ issued_on: v.issued_on }, key),
  };
  const match: ActionSpec = { title: "invoice.match", testId: "match-invoice", invalidates, fields: [], send: (_, key) => post("match")({}, key) };
  const accept: ActionSpec = {
    title: "invoice.acceptMismatch", testId: "accept-mismatch", invalidates, fields: [{ name: "reason", label: "common.reason", rules: [required] }],
    send: (v, key) => post("accept-mismatch")({ reason: v.reason }, key),
  };
  const schedule: ActionSpec = {
    title: "invoice.schedulePayment", testId: "schedule-payment", invalidates,
    fields: [{ name: "pay_on", label: "invoice.payOn", type: "date", initial: invoice.due_on }],
    send: (v, key) => post("schedule-payment")({ pay_on: v.pay_on }, key),
  };
  const pay: ActionSpec = {
    title: "invoice.recordPayment", testId: "record-payment", invalidates,
    fields: [
      { name: "payment_id", label: "invoice.paymentId", rules: [required] },
      { name: "amount", label: "common.amount", rules: [positiveDecimal], initial: invoice.outstanding },
      { name: "paid_on", label: "common.date", type: "date", initial: today },
    ],
    send: (v, key) => post("payments")({ payment_id: v.payment_id, amount: decimal(v.amount), paid_on: v.paid_on }, key),
  };
  const voiding: ActionSpec = {
    title: "invoice.void", testId: "void-invoice", invalidates, fields: [{ name: "reason", label: "common.reason", rules: [required] }],
    send: (v, key) => post("void")({ reason: v.reason }, key),
  };
  const byStatus: Record<string, ActionSpec[]> = {
    draft: [issue, voiding],
    issuing: [issue],
    issued: invoice.kind === "credit_note" ? [voiding] : [pay, voiding],
    received: invoice.purchase_order_id ? [match, accept, voiding] : [accept, voiding],
    mismatched: [match, accept, voiding],
    matched: [schedule, pay, voiding],
    scheduled: [schedule, pay, voiding],
    partly_paid: [pay],
  };
  return byStatus[invoice.status] ?? [];
}

function MatchCard({ id }: { id: string }) {
  const { t, label } = useI18n();
  const result = useQuery({ queryKey: ["invoices", id, "match"], queryFn: () => api.get<MatchResult>(`/api/invoices/${id}/match`) });
  if (result.isPending) return <Loading />;
  if (!result.data) return <ErrorNotice error={result.error} />;
  const cell = (value: string | number | null) => (value === null ? "—" : String(value));
  return (
    <>
      <p>{result.data.matches ? <Badge tone="good">{label("invoice.statuses", "matched")}</Badge> : <Badge tone="bad">{label("invoice.statuses", "mismatched")}</Badge>}</p>
      <table data-testid="match-lines">
        <thead>
          <tr>
            <th>{t("po.line")}</th><th>{t("invoice.ordered")}</th><th>{t("po.received")}</th><th>{t("invoice.invoiced")}</th>
            <th>{t("invoice.orderPrice")}</th><th>{t("invoice.invoicedPrice")}</th><th>{t("common.status")}</th>
          </tr>
        </thead>
        <tbody>
          {result.data.lines.map((line) => (
            <tr key={`${cell(line.invoice_line_no)}-${cell(line.order_line_no)}`}>
              <td>{cell(line.invoice_line_no)} / {cell(line.order_line_no)}</td>
              <td>{cell(line.ordered)}</td><td>{cell(line.received)}</td><td>{cell(line.invoiced)}</td>
              <td>{cell(line.order_price)}</td><td>{cell(line.invoiced_price)}</td>
              <td>{line.matches ? "✓" : "✗"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul data-testid="mismatches">
        {result.data.mismatches.map((m) => <li key={`${cell(m.invoice_line_no)}-${m.problem}`}>{m.reason}</li>)}
      </ul>
    </>
  );
}

export function InvoiceDetail() {
  const { id = "" } = useParams();
  const { t, label, money, date } = useI18n();
  const invoice = useQuery({ queryKey: ["invoices", id], queryFn: () => api.get<Invoice>(`/api/invoices/${id}`) });
  if (invoice.isPending) return <Loading />;
  if (!invoice.data) return <ErrorNotice error={invoice.error} />;
  const i = invoice.data;
  return (
    <>
      <div className="page-header">
        <h1>
          {i.number ?? i.supplier_invoice_number ?? label("invoice.statuses", "draft")} <StatusBadge prefix="invoice.statuses" status={i.status} />
          {i.overdue && <Badge tone="bad">{t("invoice.overdue")}</Badge>}
        </h1>
        <span className="muted" data-testid="invoice-status">{label("invoice.statuses", i.status)}</span>
      </div>
      <div className="grid">
        <Card title={t("common.details")}>
          <Definition items={[
            [t("invoice.kind"), label("invoice.kinds", i.kind)],
            [t("invoice.counterparty"), `${i.content.counterparty.name} ${i.content.counterparty.inn ?? ""}`],
            [t("invoice.issuedOn"), date(i.issued_on)],
            [t("invoice.dueOn"), date(i.due_on)],
            [t("invoice.payOn"), date(i.pay_on)],
            [t("invoice.net"), money(i.totals.net, i.currency)],
            [t("invoice.vat"), money(i.totals.vat, i.currency)],
            [t("invoice.total"), money(i.total, i.currency)],
            [t("invoice.outstanding"), money(i.outstanding, i.currency)],
            [t("invoice.purchaseOrder"), i.purchase_order_id ?? "—"],
            [t("invoice.creditNoteFor"), i.credited_invoice_id ?? "—"],
            [t("common.reason"), i.reason || "—"],
          ]} />
        </Card>
        <Card title={t("po.lines")} className="wide">
          <table data-testid="invoice-lines">
            <thead>
              <tr><th>{t("po.line")}</th><th>{t("common.description")}</th><th>{t("common.quantity")}</th><th>{t("po.unitPrice")}</th><th>{t("invoice.vatRate")}</th></tr>
            </thead>
            <tbody>
              {i.content.lines.map((line) => (
                <tr key={line.line_no}>
                  <td>{line.line_no}</td><td>{line.description}</td><td>{line.quantity} {line.unit}</td>
                  <td>{money(line.unit_price, i.currency)}</td><td>{line.vat_rate === "none" ? "без НДС" : `${line.vat_rate}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Definition items={i.totals.vat_lines.map((v) => [`${t("invoice.vat")} ${v.rate === "none" ? "без НДС" : `${v.rate}%`}`, `${money(v.net, i.currency)} / ${money(v.vat, i.currency)}`] as const)} />
        </Card>
        {i.kind === "payable" && i.purchase_order_id && (
          <Card title={t("invoice.matchResult")} className="wide"><MatchCard id={i.id} /></Card>
        )}
        <Card title={t("common.actions")} className="wide">
          {invoiceActions(i).map((spec) => <ActionForm key={spec.title} spec={spec} />)}
        </Card>
        <DocumentsPanel linkedType="invoice" linkedId={i.id} />
      </div>
    </>
  );
}
