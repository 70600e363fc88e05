// Payments with their state and actions, bank-format exports, FX quotes, statement upload and the lines
// left open for an operator to match by hand.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { api } from "../api/client";
import { ActionForm, type ActionSpec, type FieldSpec } from "../components/ActionForm";
import { DataTable } from "../components/DataTable";
import { Card, Definition, ErrorNotice, Loading, StatusBadge, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { countryCode, currencyCode, positiveDecimal, required } from "../components/validators";
import { useI18n } from "../i18n/I18n";

type Row = Record<string, unknown>;

const text = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

const PARTY_FIELDS: ReadonlyArray<readonly [string, FieldSpec["label"]]> = [
  ["name", "common.name"],
  ["country", "common.country"],
  ["account", "payment.account"],
  ["bank_name", "payment.bankName"],
  ["bank_bic", "payment.swift"],
  ["inn", "payment.inn"],
  ["kpp", "payment.kpp"],
  ["bik", "payment.bik"],
  ["correspondent_account", "payment.correspondentAccount"],
];

function partyFields(side: "payer" | "beneficiary"): FieldSpec[] {
  return PARTY_FIELDS.map(([name, label]) => ({
    name: `${side}.${name}`,
    label,
    ...(name === "name" || name === "account" ? { rules: [required] } : {}),
    ...(name === "country" ? { rules: [countryCode], initial: "RU" } : {}),
  }));
}

function party(values: Record<string, string>, side: string): Record<string, string | null> {
  const found = (name: string) => (values[`${side}.${name}`] ?? "").trim();
  return Object.fromEntries(
    PARTY_FIELDS.map(([name]) => [name, name === "name" || name === "country" || name === "account" || name === "bank_name" ? found(name) : found(name) || null]),
  );
}

const NEW_PAYMENT: ActionSpec = {
  title: "payment.new",
  testId: "new-payment",
  fields: [
    { name: "amount", label: "common.amount", rules: [positiveDecimal] },
    { name: "currency", label: "common.currency", rules: [currencyCode], initial: "RUB" },
    { name: "purpose", label: "payment.purpose", rules: [required] },
    { name: "invoice_id", label: "payment.invoice" },
    { name: "vat_note", label: "payment.vatNote" },
    ...partyFields("payer"),
    ...partyFields("beneficiary"),
  ],
  send: (values, key) =>
    api.post(
      "/api/payments",
      {
        amount: values.amount,
        currency: values.currency,
        purpose: values.purpose,
        invoice_id: values.invoice_id || null,
        vat_note: values.vat_note ?? "",
        payer: party(values, "payer"),
        beneficiary: party(values, "beneficiary"),
      },
      key,
    ),
  invalidates: [["payments"]],
};

function download(name: string, content: string, type: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

function MarkSent({ id }: { id: string }) {
  const { t } = useI18n();
  const [reference, setReference] = useState("");
  const sent = useCommand((_: void, key: string) => api.post(`/api/payments/${id}/sent`, { bank_reference: reference }, key), { invalidates: [["payments"]] });
  return (
    <form className="inline" onSubmit={(e) => { e.preventDefault(); void sent.run(); }}>
      <TextField label={t("payment.bankReference")} name={`bank_reference-${id}`} value={reference} onChange={setReference} />
      <button type="submit" disabled={!reference.trim() || sent.pending}>{t("payment.markSent")}</button>
      <ErrorNotice error={sent.error} />
    </form>
  );
}

function PaymentActions({ row }: { row: Row }) {
  const { t } = useI18n();
  const id = text(row.id);
  const approve = useCommand((_: void, key: string) => api.post(`/api/payments/${id}/approve`, undefined, key), { invalidates: [["payments"]] });
  const cancel = useCommand((_: void, key: string) => api.post(`/api/payments/${id}/cancel`, { reason: t("payment.cancelledInConsole") }, key), { invalidates: [["payments"]] });
  const status = text(row.status);
  return (
    <div className="row-actions">
      {status === "requested" && <button type="button" onClick={() => void approve.run()} disabled={approve.pending}>{t("payment.approve")}</button>}
      {["requested", "approved", "reserved"].includes(status) && (
        <button type="button" className="secondary" onClick={() => void cancel.run()} disabled={cancel.pending}>{t("common.cancel")}</button>
      )}
      {status === "reserved" && <MarkSent id={id} />}
      <ErrorNotice error={approve.error ?? cancel.error} />
    </div>
  );
}

function Payments() {
  const { t, money, dateTime } = useI18n();
  const query = useQuery({ queryKey: ["payments"], queryFn: () => api.get<Row[]>("/api/payments", { limit: 200 }) });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [exportError, setExportError] = useState<unknown>(null);
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      {
        header: "✓", id: "select", enableSorting: false,
        cell: (c) => {
          const id = text(c.row.original.id);
          return <input type="checkbox" aria-label={t("payment.select")} checked={selected.has(id)}
            onChange={(e) => { const next = new Set(selected); if (e.target.checked) next.add(id); else next.delete(id); setSelected(next); }} />;
        },
      },
      { header: t("common.created"), id: "created_at", accessorFn: (r) => text(r.created_at), cell: (c) => dateTime(text(c.row.original.created_at)) },
      { header: t("payment.direction"), id: "direction", cell: (c) => <StatusBadge prefix="payment.directions" status={text(c.row.original.direction)} /> },
      { header: t("payment.counterparty"), id: "counterparty_name", accessorFn: (r) => text(r.counterparty_name) },
      { header: t("common.amount"), id: "amount", accessorFn: (r) => Number(r.amount), cell: (c) => money(text(c.row.original.amount), text(c.row.original.currency)) },
      { header: t("payment.purpose"), id: "purpose", accessorFn: (r) => text(r.purpose) },
      { header: t("common.status"), id: "status", accessorFn: (r) => text(r.status), cell: (c) => <StatusBadge prefix="payment.statuses" status={text(c.row.original.status)} /> },
      { header: t("common.actions"), id: "actions", enableSorting: false, cell: (c) => <PaymentActions row={c.row.original} /> },
    ],
    [t, money, dateTime, selected],
  );
  const exportAs = async (format: "xml" | "1c") => {
    setExportError(null);
    try {
      const ids = [...selected].join(",");
      const content = await api.text(`/api/payments/orders.${format}?ids=${encodeURIComponent(ids)}`);
      download(format === "xml" ? "pain001.xml" : "1c_to_kl.txt", content, format === "xml" ? "application/xml" : "text/plain");
    } catch (error) {
      setExportError(error);
    }
  };
  return (
    <Card title={t("payment.title")} className="wide">
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data !== undefined && <DataTable testId="payments" rows={query.data} columns={columns} />}
      <div className="row-actions">
        <button type="button" disabled={selected.size === 0} onClick={() => void exportAs("xml")}>{t("payment.exportPain001")}</button>
        <button type="button" disabled={selected.size === 0} onClick={() => void exportAs("1c")}>{t("payment.export1c")}</button>
      </div>
      <ErrorNotice error={exportError} />
    </Card>
  );
}

function FxQuote() {
  const { t, money, dateTime } = useI18n();
  const [quote, setQuote] = useState<Row | null>(null);
  const spec = useMemo<ActionSpec>(() => ({
    title: "fx.quote",
    testId: "fx-quote",
    fields: [
      { name: "sell_currency", label: "fx.sell", rules: [currencyCode], initial: "EUR" },
      { name: "buy_currency", label: "fx.buy", rules: [currencyCode], initial: "RUB" },
      { name: "sell_amount", label: "common.amount", rules: [positiveDecimal] },
    ],
    send: async (values, key) => {
      const answer = await api.post<Row>("/api/fx/quotes", { ...values, valid_for_seconds: 120 }, key);
      setQuote(answer);
      return answer;
    },
    invalidates: [["fx"]],
  }), []);
  const agree = useCommand((id: string, key: string) => api.post<Row>(`/api/fx/deals/${id}/agree`, undefined, key), {
    invalidates: [["fx"]],
    onDone: (answer) => setQuote(answer),
  });
  return (
    <Card title={t("fx.title")}>
      <ActionForm spec={spec} />
      {quote && (
        <div data-testid="fx-quote-result">
          <Definition items={[
            [t("fx.sell"), money(text(quote.sell_amount), text(quote.sell_currency))],
            [t("fx.buy"), money(text(quote.buy_amount), text(quote.buy_currency))],
            [t("fx.rate"), text(quote.rate)],
            [t("fx.rateDate"), text(quote.rate_date)],
            [t("fx.source"), text(quote.source)],
            [t("fx.expiresAt"), dateTime(text(quote.expires_at))],
            [t("common.status"), <StatusBadge key="s" prefix="fx.statuses" status={text(quote.status)} />],
          ]} />
          {quote.status === "quoted" && <button type="button" onClick={() => void agree.run(text(quote.id))} disabled={agree.pending}>{t("fx.agree")}</button>}
          <ErrorNotice error={agree.error} />
        </div>
      )}
    </Card>
  );
}

function MatchLine({ row }: { row: Row }) {
  const { t } = useI18n();
  const [target, setTarget] = useState("");
  const incoming = row.direction === "incoming";
  const match = useCommand(
    (_: void, key: string) =>
      api.post(`/api/bank-statements/${text(row.statement_id)}/matches`, { line_ref: row.line_ref, [incoming ? "invoice_id" : "payment_id"]: target.trim() }, key),
    { invalidates: [["bank-statements"], ["payments"]] },
  );
  return (
    <form className="inline" onSubmit={(e) => { e.preventDefault(); void match.run(); }}>
      <TextField label={incoming ? t("payment.invoice") : t("payment.paymentId")} name={`match-${text(row.line_ref)}`} value={target} onChange={setTarget} />
      <button type="submit" disabled={!target.trim() || match.pending}>{t("statement.match")}</button>
      <ErrorNotice error={match.error} />
    </form>
  );
}

function Statements() {
  const { t, money, date } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const upload = useCommand((chosen: File, key: string) => api.post<Row>("/api/bank-statements/import", chosen, key), {
    invalidates: [["bank-statements"], ["payments"]],
  });
  const open = useQuery({ queryKey: ["bank-statements", "unmatched"], queryFn: () => api.get<Row[]>("/api/bank-statements/unmatched-lines") });
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: t("common.date"), id: "booked_on", accessorFn: (r) => text(r.booked_on), cell: (c) => date(text(c.row.original.booked_on)) },
      { header: t("payment.direction"), id: "direction", cell: (c) => <StatusBadge prefix="payment.directions" status={text(c.row.original.direction)} /> },
      { header: t("common.amount"), id: "amount", accessorFn: (r) => Number(r.amount), cell: (c) => money(text(c.row.original.amount), text(c.row.original.currency)) },
      { header: t("payment.counterparty"), id: "counterparty_name", accessorFn: (r) => text(r.counterparty_name) },
      { header: t("common.reference"), id: "reference", accessorFn: (r) => text(r.reference) },
      { header: t("payment.purpose"), id: "purpose", accessorFn: (r) => text(r.purpose) },
      { header: t("statement.match"), id: "match", enableSorting: false, cell: (c) => <MatchLine row={c.row.original} /> },
    ],
    [t, money, date],
  );
  return (
    <Card title={t("statement.title")} className="wide">
      <form onSubmit={(e) => { e.preventDefault(); if (file) void upload.run(file); }} data-testid="statement-upload">
        <label>{t("statement.file")} <input type="file" accept=".xml,.txt,application/xml,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></label>
        <ErrorNotice error={upload.error} />
        <button type="submit" disabled={!file || upload.pending}>{t("statement.upload")}</button>
      </form>
      <h3>{t("statement.unmatched")}</h3>
      {open.isPending ? <Loading /> : <ErrorNotice error={open.error} />}
      {open.data !== undefined && <DataTable testId="unmatched-lines" rows={open.data} columns={columns} />}
    </Card>
  );
}

export function PaymentsPage() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t("nav.payments")}</h1>
      <div className="grid">
        <Payments />
        <Card title={t("payment.new")}><ActionForm spec={NEW_PAYMENT} /></Card>
        <FxQuote />
        <Statements />
      </div>
    </>
  );
}
