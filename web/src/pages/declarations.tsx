// Customs declarations: the list, and the editor (header, parties, goods with code suggestions,
// documents), the calculation with each amount's formula, validation at the fields, the XML, the duty
// reconciliation's findings; and the refund claims (overpaid payments) across the company's declarations.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import { ApiError } from "../api/errors";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, StatusBadge, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useEntry } from "../components/useEntry";
import { commodityCode, countryCode, currencyCode, positiveDecimal, required, validate } from "../components/validators";
import { useSession } from "../api/session";
import { useI18n } from "../i18n/I18n";
import { DiscussionPanel } from "./chat";
import { DocumentsPanel } from "./documents";

interface DeclarationRow {
  id: string;
  status: string;
  reference: string;
  procedure_code: string;
  declaration_date: string | null;
  registration_number: string | null;
  item_count: number;
  updated_at: string;
  missing_documents: number;
}

interface GoodsItem {
  item_id: string;
  description: string;
  commodity_code: string;
  origin_country: string;
  quantity: string;
  unit_code: string;
  gross_weight_kg: string;
  net_weight_kg: string;
  invoice_value: string;
  currency: string;
}

interface Header {
  procedure_code: string;
  customs_office_code: string;
  reference: string;
  dispatch_country: string | null;
  destination_country: string | null;
  trading_country: string | null;
  delivery_terms: string | null;
  delivery_place: string | null;
  declaration_date: string | null;
}

interface Declaration {
  id: string;
  status: string;
  header: Header;
  items: GoodsItem[];
  documents: { document_id: string; type_code: string; number: string; issued_on: string }[];
  validation_errors: { path: string; message: string }[];
  registration_number: string | null;
  payments_due: string | null;
  duty_paid: string | null;
  duty_problem: string | null;
  reconciliation_findings: ReconciliationFinding[];
  version: number;
}

interface ReconciliationFinding {
  finding_id: string;
  reconciled_on: string;
  payment_code: string;
  difference_class: string;
  calculated: string;
  declared: string;
  assessed: string;
  paid: string;
  difference: string;
  explanation: string;
}

interface RefundClaim {
  declaration_id: string;
  reference: string;
  registration_number: string | null;
  payment_code: string;
  payment_type: string;
  amount: string;
  assessed: string;
  paid: string;
  reconciled_on: string;
  explanation: string;
}

interface Suggestion {
  code: string;
  description: string;
  score: number;
  reason: string;
  confident: boolean;
  heading: string;
  heading_name_ru: string;
  heading_name_en: string;
  line_name_ru: string;
  chapter_note: string | null;
}

interface PaymentLine {
  payment_code: string;
  amount: string;
  rate: string;
  explanation: { formula: string; inputs: Record<string, string> };
}

interface Calculation {
  items: { item_id: string; item_number: number; customs_value: string; customs_value_explanation: { formula: string }; payments: PaymentLine[] }[];
  fee: PaymentLine | null;
  totals: Record<string, string>;
  total_customs_value: string;
}

export function DeclarationList() {
  const { t, date, dateTime } = useI18n();
  const navigate = useNavigate();
  const query = useQuery({ queryKey: ["declarations"], queryFn: () => api.get<DeclarationRow[]>("/api/declarations") });
  const create = useCommand(
    (_: void, key: string) =>
      api.post<{ id: string }>("/api/declarations", { header: { procedure_code: "40", customs_office_code: "10005020", reference: `DT-${Date.now().toString().slice(-6)}` } }, key),
    { invalidates: [["declarations"]], onDone: (d) => navigate(`/declarations/${d.id}`) },
  );
  const columns = useMemo<ColumnDef<DeclarationRow, unknown>[]>(
    () => [
      { header: t("common.reference"), accessorKey: "reference" },
      { header: t("common.status"), accessorKey: "status", cell: (c) => <StatusBadge prefix="declaration.statuses" status={c.row.original.status} /> },
      { header: t("declaration.procedure"), accessorKey: "procedure_code" },
      { header: t("declaration.items"), accessorKey: "item_count" },
      { header: t("common.date"), accessorKey: "declaration_date", cell: (c) => date(c.row.original.declaration_date) },
      { header: "№", accessorKey: "registration_number" },
      { header: t("declaration.missingDocuments"), accessorKey: "missing_documents" },
      { header: t("common.updated"), accessorKey: "updated_at", cell: (c) => dateTime(c.row.original.updated_at) },
    ],
    [t, date, dateTime],
  );
  return (
    <>
      <div className="page-header">
        <h1>{t("declaration.title")}</h1>
        <button type="button" onClick={() => void create.run()} disabled={create.pending}>{t("declaration.new")}</button>
      </div>
      <ErrorNotice error={create.error ?? query.error} />
      {query.isPending ? <Loading /> : query.data && (
        <DataTable testId="declarations" rows={query.data} columns={columns} link={(r) => `/declarations/${r.id}`} />
      )}
    </>
  );
}

function errorsByPath(declaration: Declaration, error: unknown): Record<string, string> {
  const found: Record<string, string> = {};
  for (const problem of declaration.validation_errors ?? []) found[problem.path] = problem.message;
  if (error instanceof ApiError) Object.assign(found, error.fieldErrors);
  return found;
}

export function DeclarationEditor() {
  const { id = "" } = useParams();
  const { t, money } = useI18n();
  const { canEdit } = useSession();
  const query = useQuery({ queryKey: ["declarations", id], queryFn: () => api.get<Declaration>(`/api/declarations/${id}`) });
  const invalidates = [["declarations", id], ["declarations"]];
  const validateCommand = useCommand((_: void, key: string) => api.post(`/api/declarations/${id}/validate`, undefined, key), { invalidates });
  const submit = useCommand((_: void, key: string) => api.post(`/api/declarations/${id}/submit`, undefined, key), { invalidates });
  const retryDuty = useCommand((_: void, key: string) => api.post(`/api/declarations/${id}/duty/retry`, undefined, key), { invalidates });
  const [xmlError, setXmlError] = useState<unknown>(null);
  if (query.isPending) return <Loading />;
  if (!query.data) return <ErrorNotice error={query.error} />;
  const declaration = query.data;
  const errors = errorsByPath(declaration, validateCommand.error);
  const editable = declaration.status === "draft" || declaration.status === "validated";
  const downloadXml = async () => {
    setXmlError(null);
    try {
      const xml = await api.text(`/api/declarations/${id}/xml`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      link.download = `${declaration.header.reference || id}.xml`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setXmlError(error);
    }
  };
  return (
    <>
      <div className="page-header">
        <h1>{declaration.header.reference || id} <StatusBadge prefix="declaration.statuses" status={declaration.status} /></h1>
        <div className="card-actions">
          {editable && <button type="button" onClick={() => void validateCommand.run()}>{t("declaration.validate")}</button>}
          {declaration.status === "validated" && <button type="button" onClick={() => void submit.run()}>{t("declaration.submit")}</button>}
          <button type="button" className="secondary" onClick={() => void downloadXml()}>{t("declaration.xml")}</button>
        </div>
      </div>
      <ErrorNotice error={submit.error ?? retryDuty.error ?? xmlError} />
      {declaration.status === "validated" && <div className="notice notice-good" role="status">{t("declaration.valid")}</div>}
      {declaration.payments_due && (
        <div className={`notice ${declaration.duty_paid ? "notice-good" : declaration.duty_problem ? "notice-error" : ""}`} role="status" data-testid="duty">
          {t("declaration.paymentsDue")}: {money(declaration.payments_due, "RUB")}
          {" — "}
          {declaration.duty_paid ? t("declaration.dutyPaid") : declaration.duty_problem ? <>{t("declaration.dutyRefused")}: {declaration.duty_problem}</> : t("declaration.dutyPending")}
          {declaration.duty_problem && !declaration.duty_paid && canEdit && (
            <button type="button" className="secondary" onClick={() => void retryDuty.run()}>{t("declaration.dutyRetry")}</button>
          )}
        </div>
      )}
      {Object.keys(errors).length > 0 && (
        <div className="notice notice-error" role="alert" data-testid="validation-errors">
          <ul className="plain">{Object.entries(errors).map(([path, message]) => <li key={path}><code>{path}</code>: {message}</li>)}</ul>
        </div>
      )}
      <div className="grid">
        <HeaderForm declaration={declaration} errors={errors} editable={editable} />
        <ItemsCard declaration={declaration} errors={errors} editable={editable} />
        <CalculationCard id={id} version={declaration.version} />
        {declaration.reconciliation_findings.length > 0 && <FindingsCard findings={declaration.reconciliation_findings} />}
        <DocumentsPanel linkedType="declaration" linkedId={id} />
        <DiscussionPanel subjectType="declaration" subjectId={id} />
      </div>
    </>
  );
}

function HeaderForm({ declaration, errors, editable }: { declaration: Declaration; errors: Record<string, string>; editable: boolean }) {
  const { t } = useI18n();
  const [header, setHeader] = useState<Header>(declaration.header);
  useEffect(() => setHeader(declaration.header), [declaration.header]);
  const save = useCommand((value: Header) => api.put(`/api/declarations/${declaration.id}/header`, value), {
    invalidates: [["declarations", declaration.id]],
  });
  const field = (name: keyof Header, label: string) => (
    <TextField key={name} label={label} name={`header.${name}`} value={header[name] ?? ""}
      onChange={(value) => setHeader({ ...header, [name]: value || null })}
      error={save.fieldErrors[`header.${name}`] ?? save.fieldErrors[name] ?? errors[`header.${name}`]} />
  );
  return (
    <Card title={t("declaration.header")}>
      <form onSubmit={(e) => { e.preventDefault(); void save.run(header); }}>
        <fieldset disabled={!editable}>
          {field("reference", t("common.reference"))}
          {field("procedure_code", t("declaration.procedure"))}
          {field("customs_office_code", "Таможенный пост / Customs office")}
          {field("trading_country", "11 · Торгующая страна / Trading country")}
          {field("dispatch_country", "15 · Страна отправления / Dispatch country")}
          {field("destination_country", "17 · Страна назначения / Destination country")}
          {field("delivery_terms", "20 · Условия поставки / Delivery terms")}
          {field("delivery_place", "20 · Пункт / Place")}
          <ErrorNotice error={save.error} />
          <button type="submit" disabled={save.pending}>{t("common.save")}</button>
        </fieldset>
      </form>
    </Card>
  );
}

const EMPTY_ITEM: Omit<GoodsItem, "item_id"> = {
  description: "", commodity_code: "", origin_country: "", quantity: "", unit_code: "796",
  gross_weight_kg: "", net_weight_kg: "", invoice_value: "", currency: "USD",
};

function ItemsCard({ declaration, errors, editable }: { declaration: Declaration; errors: Record<string, string>; editable: boolean }) {
  const { t, number, money } = useI18n();
  return (
    <Card title={t("declaration.items")} className="wide">
      <table className="data-table compact" data-testid="goods-items">
        <thead><tr><th scope="col">№</th><th scope="col">{t("common.description")}</th><th scope="col">{t("declaration.commodityCode")}</th><th scope="col">{t("declaration.origin")}</th><th scope="col">{t("declaration.netMass")}</th><th scope="col">{t("declaration.invoiceValue")}</th></tr></thead>
        <tbody>
          {declaration.items.map((item, i) => (
            <tr key={item.item_id} className={Object.keys(errors).some((p) => p.startsWith(`items[${i}]`)) ? "row-invalid" : ""}>
              <td>{i + 1}</td><td>{item.description}</td>
              <td>{item.commodity_code}{errors[`items[${i}].commodity_code`] && <small className="field-error" role="alert"> {errors[`items[${i}].commodity_code`]}</small>}</td>
              <td>{item.origin_country}</td><td>{number(item.net_weight_kg)}</td><td>{money(item.invoice_value, item.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {editable && <ItemForm declarationId={declaration.id} />}
    </Card>
  );
}

function ItemForm({ declarationId }: { declarationId: string }) {
  const { t } = useI18n();
  const { values: item, setValues: setItem, sending, done } = useEntry(() => EMPTY_ITEM);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const add = useCommand(
    (value: typeof item, key: string) => api.post(`/api/declarations/${declarationId}/items`, { ...value, item_id: crypto.randomUUID() }, key),
    { invalidates: [["declarations", declarationId]], onDone: done },
  );
  const submit = () => {
    const found = validate(item, {
      description: [required], commodity_code: [commodityCode], origin_country: [countryCode], quantity: [positiveDecimal],
      gross_weight_kg: [positiveDecimal], net_weight_kg: [positiveDecimal], invoice_value: [positiveDecimal], currency: [currencyCode],
    });
    setProblems(found);
    if (Object.keys(found).length === 0) {
      const sent = sending(item);
      void add.run({ ...sent, commodity_code: sent.commodity_code.replace(/\s/g, "") });
    }
  };
  const errors = { ...add.fieldErrors, ...problems };
  const field = (name: keyof typeof item, label: string) => (
    <TextField key={name} label={label} name={name} value={item[name]} onChange={(value) => setItem({ ...item, [name]: value })} error={errors[name]} />
  );
  return (
    <form className="item-form" onSubmit={(e) => { e.preventDefault(); submit(); }} aria-label={t("declaration.item")}>
      {field("description", t("common.description"))}
      <Suggestions description={item.description} onChoose={(code) => setItem({ ...item, commodity_code: code })} />
      <div className="row">
        {field("commodity_code", t("declaration.commodityCode"))}
        {field("origin_country", t("declaration.origin"))}
        {field("quantity", t("common.quantity"))}
      </div>
      <div className="row">
        {field("gross_weight_kg", t("declaration.grossMass"))}
        {field("net_weight_kg", t("declaration.netMass"))}
        {field("invoice_value", t("declaration.invoiceValue"))}
        {field("currency", t("common.currency"))}
      </div>
      <ErrorNotice error={add.error} />
      <button type="submit" disabled={add.pending}>{t("common.add")}</button>
    </form>
  );
}

function useDebounced(value: string, delay: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

function Suggestions({ description, onChoose }: { description: string; onChoose: (code: string) => void }) {
  const { t, locale } = useI18n();
  const q = useDebounced(description.trim(), 300);
  const query = useQuery({
    queryKey: ["classify", q],
    queryFn: () => api.get<Suggestion[]>("/api/customs/classify", { q, limit: 5 }),
    enabled: q.length >= 3,
    staleTime: 60_000,
  });
  // An emptied or shortened description hides them at once, not after the debounce: they were for the old text.
  if (description.trim().length < 3 || q.length < 3 || !query.data) return null;
  return (
    <div className="suggestions" aria-live="polite" data-testid="suggestions">
      <strong>{t("declaration.suggestions")}</strong>
      <ul className="plain">
        {query.data.map((s) => {
          const heading = (locale === "ru" ? s.heading_name_ru : s.heading_name_en) || s.heading_name_en;
          const line = locale === "ru" && s.line_name_ru ? s.line_name_ru : s.description;
          const full = s.code.length === 10 ? s.code : s.code.padEnd(10, "0");
          return (
            <li key={s.code}>
              <button type="button" className="link" onClick={() => onChoose(full)}>{t("declaration.useCode")} {s.code}</button>{" "}
              <strong>{s.heading}</strong> {heading} — {line}{" "}
              {!s.confident && <Badge tone="warn">{t("declaration.lowConfidence")}</Badge>}
              <br /><small className="muted">{s.reason}</small>
              {s.chapter_note && <details><summary>Примечание / Note</summary><small>{s.chapter_note}</small></details>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function CalculationCard({ id, version }: { id: string; version: number }) {
  const { t, money } = useI18n();
  const query = useQuery({
    queryKey: ["declarations", id, "calculation", version],
    queryFn: () => api.get<Calculation>(`/api/declarations/${id}/calculation`),
    retry: false,
  });
  return (
    <Card title={t("declaration.calculation")} className="wide">
      {query.error ? <ErrorNotice error={query.error} /> : !query.data ? <Loading /> : (
        <>
          <table className="data-table compact" data-testid="calculation">
            <thead><tr><th scope="col">№</th><th scope="col">{t("common.code")}</th><th scope="col">{t("common.amount")}</th><th scope="col">{t("declaration.formula")}</th></tr></thead>
            <tbody>
              {query.data.items.flatMap((item) => item.payments.map((p, i) => (
                <tr key={`${item.item_id}-${i}`}><td>{item.item_number}</td><td>{p.payment_code}</td><td>{money(p.amount, "RUB")}</td><td><code>{p.explanation.formula}</code></td></tr>
              )))}
              {query.data.fee && <tr><td>—</td><td>{query.data.fee.payment_code}</td><td>{money(query.data.fee.amount, "RUB")}</td><td><code>{query.data.fee.explanation.formula}</code></td></tr>}
            </tbody>
          </table>
          <Definition items={Object.entries(query.data.totals).map(([code, amount]) => [`${t("declaration.total")} ${code}`, money(amount, "RUB")] as const)} />
        </>
      )}
    </Card>
  );
}


function FindingsCard({ findings }: { findings: ReconciliationFinding[] }) {
  const { t, money, date, label } = useI18n();
  return (
    <Card title={t("reconciliation.title")} className="wide">
      <table className="data-table compact" data-testid="reconciliation-findings">
        <thead>
          <tr>
            <th scope="col">{t("reconciliation.day")}</th><th scope="col">{t("common.code")}</th><th scope="col">{t("reconciliation.class")}</th>
            <th scope="col">{t("reconciliation.calculated")}</th><th scope="col">{t("reconciliation.declared")}</th>
            <th scope="col">{t("reconciliation.assessed")}</th><th scope="col">{t("reconciliation.paid")}</th>
            <th scope="col">{t("reconciliation.difference")}</th><th scope="col">{t("common.description")}</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.finding_id}>
              <td>{date(f.reconciled_on)}</td><td>{f.payment_code}</td><td><Badge>{label("reconciliation.classes", f.difference_class)}</Badge></td>
              <td>{money(f.calculated, "RUB")}</td><td>{money(f.declared, "RUB")}</td><td>{money(f.assessed, "RUB")}</td>
              <td>{money(f.paid, "RUB")}</td><td>{money(f.difference, "RUB")}</td><td>{f.explanation}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function RefundClaims() {
  const { t, money, date } = useI18n();
  const query = useQuery({ queryKey: ["refund-claims"], queryFn: () => api.get<{ claims: RefundClaim[]; total: string }>("/api/customs/refund-claims") });
  const columns = useMemo<ColumnDef<RefundClaim, unknown>[]>(
    () => [
      { header: t("common.reference"), accessorKey: "reference", cell: (c) => <Link to={`/declarations/${c.row.original.declaration_id}`}>{c.row.original.reference || c.row.original.declaration_id.slice(0, 8)}</Link> },
      { header: t("refundClaims.registration"), id: "registration", accessorFn: (r) => r.registration_number ?? "" },
      { header: t("refundClaims.paymentType"), id: "type", accessorFn: (r) => `${r.payment_code} ${r.payment_type}` },
      { header: t("reconciliation.assessed"), id: "assessed", accessorFn: (r) => Number(r.assessed), cell: (c) => money(c.row.original.assessed, "RUB") },
      { header: t("reconciliation.paid"), id: "paid", accessorFn: (r) => Number(r.paid), cell: (c) => money(c.row.original.paid, "RUB") },
      { header: t("refundClaims.amount"), id: "amount", accessorFn: (r) => Number(r.amount), cell: (c) => money(c.row.original.amount, "RUB") },
      { header: t("reconciliation.day"), accessorKey: "reconciled_on", cell: (c) => date(c.row.original.reconciled_on) },
    ],
    [t, money, date],
  );
  return (
    <>
      <h1>{t("refundClaims.title")}</h1>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <div className="grid">
          <Card title={t("refundClaims.total")} className="wide">
            <Definition items={[[t("refundClaims.total"), money(query.data.total, "RUB")], [t("refundClaims.count"), String(query.data.claims.length)]]} />
          </Card>
          <Card title={t("refundClaims.title")} className="wide"><DataTable testId="refund-claims" rows={query.data.claims} columns={columns} /></Card>
        </div>
      )}
    </>
  );
}
