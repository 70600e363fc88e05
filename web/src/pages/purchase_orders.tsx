// Purchase orders: the list with filters, a new order, and one order with its lines, receipts, links,
// the goods items it prefills for customs, and the actions its state allows.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { useParams } from "react-router";
import { api } from "../api/client";
import type { Page } from "../api/types";
import { ActionForm, type ActionSpec } from "../components/ActionForm";
import { DataTable } from "../components/DataTable";
import { useFilters } from "../components/useFilters";
import { Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge, TextField } from "../components/ui";
import { countryCode, currencyCode, positiveDecimal, required } from "../components/validators";
import { useI18n } from "../i18n/I18n";
import { DocumentsPanel } from "./documents";

export const ORDER_STATUSES = ["draft", "approved", "sent", "confirmed", "partly_received", "received", "closed", "cancelled"];
const INCOTERMS = ["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"];

interface OrderRow {
  id: string;
  reference: string;
  status: string;
  supplier: { name: string; country: string };
  currency: string;
  total: string;
  prepayment: string;
  incoterm: string;
  updated_at: string;
}

interface OrderLine {
  line_no: number;
  description: string;
  quantity: string;
  unit: string;
  unit_price: string;
  hs_code: string | null;
  origin_country: string | null;
}

interface Order extends OrderRow {
  terms: {
    supplier: { bank: { name: string; country: string; account: string; bank_bic: string | null }; tax_id: string };
    lines: OrderLine[];
    incoterm_place: string;
    delivery_terms: string;
    payment_terms: { prepayment_percent: string; balance_due: string; net_days: number };
  };
  received: { line_no: number; quantity: string }[];
  shipment_ids: string[];
  declaration_ids: string[];
  supplier_reference: string;
  prepayment_settled: boolean;
  reason: string | null;
}

interface PrefilledItem {
  order_line_no: number;
  missing: string[];
  item: Record<string, string>;
}

export function PurchaseOrderList() {
  const { t, label, money, dateTime } = useI18n();
  const [params, set] = useFilters();
  const status = params.get("status") ?? "";
  const supplier = params.get("supplier") ?? "";
  const query = useQuery({
    queryKey: ["purchase-orders", { status, supplier }],
    queryFn: () => api.get<Page<OrderRow>>("/api/purchase-orders", { status, supplier, limit: 200 }),
  });
  const columns = useMemo<ColumnDef<OrderRow, unknown>[]>(
    () => [
      { header: t("common.reference"), accessorKey: "reference" },
      { header: t("common.status"), accessorKey: "status", cell: (c) => <StatusBadge prefix="po.statuses" status={c.row.original.status} /> },
      { header: t("po.supplier"), id: "supplier", accessorFn: (r) => `${r.supplier.name} (${r.supplier.country})` },
      { header: t("po.total"), id: "total", accessorFn: (r) => Number(r.total), cell: (c) => money(c.row.original.total, c.row.original.currency) },
      { header: t("po.prepayment"), id: "prepayment", cell: (c) => money(c.row.original.prepayment, c.row.original.currency) },
      { header: t("po.incoterm"), accessorKey: "incoterm" },
      { header: t("common.updated"), accessorKey: "updated_at", cell: (c) => dateTime(c.row.original.updated_at) },
    ],
    [t, money, dateTime],
  );
  return (
    <>
      <h1>{t("po.title")}</h1>
      <div className="filters" role="search">
        <TextField label={t("po.supplier")} name="supplier" value={supplier} onChange={set("supplier")} />
        <SelectField label={t("common.status")} name="status" value={status} onChange={set("status")}
          options={[["", t("common.all")], ...ORDER_STATUSES.map((s) => [s, label("po.statuses", s)] as const)]} />
      </div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <DataTable testId="purchase-orders" rows={query.data.items} columns={columns} link={(r) => `/purchase-orders/${r.id}`}
          caption={t("po.title")} />
      )}
      <Card title={t("po.new")}>
        <ActionForm spec={newOrder()} />
      </Card>
    </>
  );
}

/** A new order with one line (more lines are added by editing the draft through the API). */
function newOrder(): ActionSpec {
  return {
    title: "po.new", testId: "new-purchase-order", invalidates: [["purchase-orders"]],
    fields: [
      { name: "reference", label: "common.reference", rules: [required] },
      { name: "supplier_name", label: "po.supplier", rules: [required], apiPath: "terms.supplier.bank.name" },
      { name: "supplier_country", label: "common.country", rules: [countryCode], apiPath: "terms.supplier.bank.country" },
      { name: "supplier_account", label: "po.supplierAccount", rules: [required], apiPath: "terms.supplier.bank.account" },
      { name: "supplier_bic", label: "po.supplierBic", apiPath: "terms.supplier.bank.bank_bic" },
      { name: "tax_id", label: "po.taxId", apiPath: "terms.supplier.tax_id" },
      { name: "currency", label: "common.currency", rules: [currencyCode], initial: "USD", apiPath: "terms.currency" },
      { name: "incoterm", label: "po.incoterm", options: INCOTERMS.map((i) => [i, i] as const), initial: "FCA" },
      { name: "incoterm_place", label: "po.incotermPlace", rules: [required], apiPath: "terms.incoterm_place" },
      { name: "prepayment_percent", label: "po.prepaymentPercent", initial: "0", apiPath: "terms.payment_terms.prepayment_percent" },
      { name: "description", label: "common.description", rules: [required], apiPath: "terms.lines[0].description" },
      { name: "hs_code", label: "po.hsCode", apiPath: "terms.lines[0].hs_code" },
      { name: "quantity", label: "common.quantity", rules: [positiveDecimal], apiPath: "terms.lines[0].quantity" },
      { name: "unit", label: "po.unit", initial: "796", apiPath: "terms.lines[0].unit" },
      { name: "unit_price", label: "po.unitPrice", rules: [positiveDecimal], apiPath: "terms.lines[0].unit_price" },
    ],
    send: (v, key) =>
      api.post("/api/purchase-orders", {
        reference: v.reference,
        terms: {
          supplier: {
            bank: { name: v.supplier_name, country: v.supplier_country?.toUpperCase(), account: v.supplier_account,
                    bank_bic: v.supplier_bic || null },
            tax_id: v.tax_id ?? "",
          },
          currency: v.currency?.toUpperCase(),
          lines: [{ line_no: 1, description: v.description, quantity: v.quantity?.replace(",", "."), unit: v.unit,
                    unit_price: v.unit_price?.replace(",", "."), hs_code: v.hs_code || null }],
          incoterm: v.incoterm,
          incoterm_place: v.incoterm_place,
          payment_terms: { prepayment_percent: v.prepayment_percent || "0", balance_due: "net_days", net_days: 30 },
        },
      }, key),
  };
}

/** Codes customs' classifier suggests for a line's description, best first. */
function HsSuggestion({ description }: { description: string }) {
  const { t } = useI18n();
  const [asked, setAsked] = useState(false);
  const query = useQuery({
    queryKey: ["classify", description],
    queryFn: () => api.get<{ code: string; description: string }[]>("/api/customs/classify", { q: description, limit: 3 }),
    enabled: asked,
  });
  if (!asked) return <button type="button" className="link" onClick={() => setAsked(true)}>{t("po.suggestHs")}</button>;
  if (query.isPending) return <Loading />;
  return <span className="muted">{(query.data ?? []).map((s) => s.code).join(", ") || "—"}</span>;
}

function orderActions(order: Order): ActionSpec[] {
  const id = order.id;
  const invalidates = [["purchase-orders", id], ["purchase-orders"]];
  const post = (path: string) => (body: unknown, key: string) => api.post(`/api/purchase-orders/${id}/${path}`, body, key);
  const today = new Date().toISOString().slice(0, 10);
  const byStatus: Record<string, ActionSpec[]> = {
    draft: [
      { title: "po.approve", testId: "approve-order", invalidates, fields: [], send: (_, key) => post("approve")({}, key) },
    ],
    approved: [{ title: "po.send", testId: "send-order", invalidates, fields: [], send: (_, key) => post("send")({}, key) }],
    sent: [
      {
        title: "po.confirm", testId: "confirm-order", invalidates,
        fields: [{ name: "supplier_reference", label: "po.supplierReference" }],
        send: (v, key) => post("confirm")({ supplier_reference: v.supplier_reference ?? "" }, key),
      },
    ],
  };
  const receive: ActionSpec = {
    title: "po.receive", testId: "receive-goods", invalidates,
    fields: [
      { name: "line_no", label: "po.line", options: order.terms.lines.map((l) => [String(l.line_no), `${l.line_no}. ${l.description}`] as const) },
      { name: "quantity", label: "common.quantity", rules: [positiveDecimal] },
      { name: "received_on", label: "po.receivedOn", type: "date", initial: today },
    ],
    send: (v, key) => post("receipts")({ line_no: Number(v.line_no), quantity: v.quantity?.replace(",", "."), received_on: v.received_on }, key),
  };
  const close: ActionSpec = {
    title: "po.close", testId: "close-order", invalidates, fields: [{ name: "reason", label: "common.reason" }],
    send: (v, key) => post("close")({ reason: v.reason ?? "" }, key),
  };
  const cancel: ActionSpec = {
    title: "po.cancel", testId: "cancel-order", invalidates, fields: [{ name: "reason", label: "common.reason", rules: [required] }],
    send: (v, key) => post("cancel")({ reason: v.reason }, key),
  };
  const link = (title: "po.linkShipment" | "po.linkDeclaration", path: string): ActionSpec => ({
    title, invalidates, fields: [{ name: "id", label: "common.reference", rules: [required] }],
    send: (v, key) => post(path)({ id: v.id }, key),
  });
  const actions = [...(byStatus[order.status] ?? [])];
  if (order.status === "confirmed" || order.status === "partly_received") actions.push(receive);
  if (order.status === "partly_received" || order.status === "received") actions.push(close);
  if (["draft", "approved", "sent", "confirmed"].includes(order.status)) actions.push(cancel);
  if (order.status !== "cancelled") actions.push(link("po.linkShipment", "shipments"), link("po.linkDeclaration", "declarations"));
  return actions;
}

export function PurchaseOrderDetail() {
  const { id = "" } = useParams();
  const { t, label, money, number, dateTime } = useI18n();
  const order = useQuery({ queryKey: ["purchase-orders", id], queryFn: () => api.get<Order>(`/api/purchase-orders/${id}`) });
  const items = useQuery({
    queryKey: ["purchase-orders", id, "declaration-items"],
    queryFn: () => api.get<{ items: PrefilledItem[] }>(`/api/purchase-orders/${id}/declaration-items`),
  });
  const history = useQuery({
    queryKey: ["purchase-orders", id, "history"],
    queryFn: () => api.get<{ version: number; event_type: string; occurred_at: string }[]>(`/api/purchase-orders/${id}/history`),
  });
  if (order.isPending) return <Loading />;
  if (!order.data) return <ErrorNotice error={order.error} />;
  const o = order.data;
  const received = new Map(o.received.map((r) => [r.line_no, r.quantity]));
  const terms = o.terms.payment_terms;
  return (
    <>
      <div className="page-header">
        <h1>{o.reference} <StatusBadge prefix="po.statuses" status={o.status} /></h1>
        <span className="muted" data-testid="purchase-order-status">{label("po.statuses", o.status)}</span>
      </div>
      <div className="grid">
        <Card title={t("common.details")}>
          <Definition items={[
            [t("po.supplier"), `${o.terms.supplier.bank.name} (${o.terms.supplier.bank.country})`],
            [t("po.supplierAccount"), `${o.terms.supplier.bank.account} ${o.terms.supplier.bank.bank_bic ?? ""}`],
            [t("po.taxId"), o.terms.supplier.tax_id || "—"],
            [t("po.total"), money(o.total, o.currency)],
            [t("po.prepayment"), `${money(o.prepayment, o.currency)} (${terms.prepayment_percent}%)${o.prepayment_settled ? " ✓" : ""}`],
            [t("po.incoterm"), `${o.incoterm} ${o.terms.incoterm_place}`],
            [t("po.supplierReference"), o.supplier_reference || "—"],
            [t("common.reason"), o.reason ?? "—"],
          ]} />
        </Card>
        <Card title={t("po.lines")} className="wide">
          <table data-testid="order-lines">
            <thead>
              <tr>
                <th>{t("po.line")}</th><th>{t("common.description")}</th><th>{t("po.hsCode")}</th><th>{t("common.quantity")}</th>
                <th>{t("po.unitPrice")}</th><th>{t("po.received")}</th>
              </tr>
            </thead>
            <tbody>
              {o.terms.lines.map((line) => (
                <tr key={line.line_no}>
                  <td>{line.line_no}</td>
                  <td>{line.description}</td>
                  <td>{line.hs_code ?? <HsSuggestion description={line.description} />}</td>
                  <td>{number(line.quantity)} {line.unit}</td>
                  <td>{money(line.unit_price, o.currency)}</td>
                  <td>{number(received.get(line.line_no) ?? "0")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={`${t("po.shipments")} / ${t("po.declarations")}`}>
          <Definition items={[
            [t("po.shipments"), o.shipment_ids.join(", ") || "—"],
            [t("po.declarations"), o.declaration_ids.join(", ") || "—"],
          ]} />
        </Card>
        <Card title={t("po.declarationItems")} className="wide">
          {items.data && (
            <table data-testid="declaration-items">
              <thead><tr><th>{t("po.line")}</th><th>{t("po.hsCode")}</th><th>{t("common.amount")}</th><th>{t("po.missing")}</th></tr></thead>
              <tbody>
                {items.data.items.map((each) => (
                  <tr key={each.order_line_no}>
                    <td>{each.order_line_no}</td>
                    <td>{each.item.commodity_code || "—"}</td>
                    <td>{money(each.item.invoice_value, each.item.currency)}</td>
                    <td>{each.missing.join(", ") || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title={t("common.actions")} className="wide">
          {orderActions(o).map((spec) => <ActionForm key={spec.title} spec={spec} />)}
        </Card>
        <DocumentsPanel linkedType="purchase_order" linkedId={o.id} />
        <Card title={t("po.history")} className="wide">
          <ol>
            {(history.data ?? []).map((entry) => (
              <li key={entry.version}>{dateTime(entry.occurred_at)} — {entry.event_type.split(".").pop()}</li>
            ))}
          </ol>
        </Card>
      </div>
    </>
  );
}
