// Documents: the list with filters and an upload, one document with its versions, the page image with the
// recognised fields as boxes (verify or correct each), expiry, links; and the panel other pages embed.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import type { Page } from "../api/types";
import { ActionForm, type ActionSpec } from "../components/ActionForm";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useEntry } from "../components/useEntry";
import { useFilters } from "../components/useFilters";
import { required } from "../components/validators";
import { useI18n } from "../i18n/I18n";
import { fieldLabel } from "./document_fields";

export const DOCUMENT_TYPES = [
  "commercial_invoice", "packing_list", "cmr", "bill_of_lading", "air_waybill", "contract",
  "certificate_of_origin", "conformity_certificate", "permit", "customs_payment_order", "other",
];
const LINKED_TYPES = ["shipment", "declaration", "purchase_order", "invoice"];
const RECOGNITION = ["pending", "recognised", "failed"];
const ACCEPTED_FILES = "application/pdf,image/png,image/jpeg,image/tiff,image/webp";

interface DocumentLink {
  linked_type: string;
  linked_id: string;
}

interface DocumentRow {
  id: string;
  document_type: string;
  title: string;
  status: string;
  latest_version: number;
  filename: string;
  recognition_status: string;
  verification: string;
  expires_on: string | null;
  expired: boolean;
  links: DocumentLink[];
  updated_at: string;
}

interface DocumentVersion {
  version: number;
  content_type: string;
  size_bytes: number;
  filename: string;
  pages: number;
  uploaded_at: string;
  recognition_status: string;
  recognition_reason: string;
  detected_type: string;
  language: string;
  field_count: number;
}

interface DocumentField {
  name: string;
  value: string;
  recognised_value: string;
  confidence: number;
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  needs_verification: boolean;
  check: string;
}

interface DocumentDetailJson extends DocumentRow {
  versions: DocumentVersion[];
  fields: DocumentField[];
  fields_version: number;
  recognised_type: string;
  language: string;
}

interface TemplateRow {
  id: string;
  name: string;
  document_type: string;
  source: string;
  format: string;
  revision: number;
  body: string;
}

const LINK_PAGES: Record<string, string> = {
  shipment: "/shipments", declaration: "/declarations", purchase_order: "/purchase-orders", invoice: "/invoices",
};

/** Pick a file and upload it: a new document (of a type, maybe linked) or a new version of one. */
function UploadForm(props: {
  path: string;
  query?: Record<string, string>;
  chooseType: boolean;
  invalidates: (readonly unknown[])[];
  testId: string;
  title: "documents.upload" | "documents.newVersion";
  headed?: boolean; // false inside a card that already says what the form is for
}) {
  const { t, label } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [documentType, setDocumentType] = useState("commercial_invoice");
  const [title, setTitle] = useState("");
  const [inputKey, setInputKey] = useState(0);
  const command = useCommand(
    (chosen: File, key: string) =>
      api.upload(props.path, chosen, props.chooseType ? { ...props.query, document_type: documentType, title } : props.query, key),
    { invalidates: props.invalidates, onDone: () => { setFile(null); setTitle(""); setInputKey((k) => k + 1); } },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) void command.run(file);
  };
  return (
    <form onSubmit={submit} aria-label={t(props.title)} data-testid={props.testId} className="action-form" noValidate>
      {props.headed !== false && <h3>{t(props.title)}</h3>}
      {props.chooseType && (
        <>
          <SelectField label={t("documents.type")} name="document_type" value={documentType} onChange={setDocumentType}
            options={DOCUMENT_TYPES.map((d) => [d, label("documents.types", d)] as const)} />
          <TextField label={t("documents.titleField")} name="title" value={title} onChange={setTitle} />
        </>
      )}
      <div className="field">
        <label htmlFor={`${props.testId}-file`}>{t("documents.file")}</label>
        <input key={inputKey} id={`${props.testId}-file`} name="file" type="file" accept={ACCEPTED_FILES}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <small className="hint">{t("documents.fileHint")}</small>
      </div>
      <ErrorNotice error={command.error} />
      <button type="submit" disabled={command.pending || !file}>{t(props.title)}</button>
    </form>
  );
}

function useDocumentColumns(): ColumnDef<DocumentRow, unknown>[] {
  const { t, label, date, dateTime } = useI18n();
  return useMemo<ColumnDef<DocumentRow, unknown>[]>(
    () => [
      { header: t("documents.titleField"), id: "title", accessorFn: (r) => r.title || r.filename },
      { header: t("documents.type"), id: "type", cell: (c) => label("documents.types", c.row.original.document_type) },
      { header: t("documents.versions"), accessorKey: "latest_version" },
      { header: t("documents.recognition"), id: "recognition",
        cell: (c) => <StatusBadge prefix="documents.recognitionStatuses" status={c.row.original.recognition_status} /> },
      { header: t("documents.verification"), id: "verification",
        cell: (c) => label("documents.verificationStatuses", c.row.original.verification) },
      { header: t("documents.expiresOn"), id: "expires",
        cell: (c) => c.row.original.expires_on
          ? <span className={c.row.original.expired ? "field-error" : undefined}>{date(c.row.original.expires_on)}{c.row.original.expired ? ` (${t("documents.expired")})` : ""}</span>
          : "—" },
      { header: t("common.status"), id: "status", cell: (c) => <StatusBadge prefix="documents.statuses" status={c.row.original.status} /> },
      { header: t("common.updated"), accessorKey: "updated_at", cell: (c) => dateTime(c.row.original.updated_at) },
    ],
    [t, label, date, dateTime],
  );
}

export function DocumentList() {
  const { t, label } = useI18n();
  const [params, set] = useFilters();
  const documentType = params.get("document_type") ?? "";
  const recognition = params.get("recognition") ?? "";
  const linkedType = params.get("linked_type") ?? "";
  const expiring = params.get("expiring_within_days") ?? "";
  const query = useQuery({
    queryKey: ["documents", { documentType, recognition, linkedType, expiring }],
    queryFn: () => api.get<Page<DocumentRow>>("/api/documents", {
      document_type: documentType, recognition, linked_type: linkedType, expiring_within_days: expiring, limit: 200,
    }),
  });
  const columns = useDocumentColumns();
  return (
    <>
      <h1>{t("documents.title")}</h1>
      <div className="filters" role="search">
        <SelectField label={t("documents.type")} name="document_type" value={documentType} onChange={set("document_type")}
          options={[["", t("common.all")], ...DOCUMENT_TYPES.map((d) => [d, label("documents.types", d)] as const)]} />
        <SelectField label={t("documents.recognition")} name="recognition" value={recognition} onChange={set("recognition")}
          options={[["", t("common.all")], ...RECOGNITION.map((r) => [r, label("documents.recognitionStatuses", r)] as const)]} />
        <SelectField label={t("documents.linkedTo")} name="linked_type" value={linkedType} onChange={set("linked_type")}
          options={[["", t("common.all")], ...LINKED_TYPES.map((l) => [l, label("documents.linkedTypes", l)] as const)]} />
        <SelectField label={t("documents.expiry")} name="expiring_within_days" value={expiring} onChange={set("expiring_within_days")}
          options={[["", t("common.all")], ["0", t("documents.expired")], ["30", t("documents.expiringIn30")]]} />
      </div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <DataTable testId="documents" rows={query.data.items} columns={columns} link={(r) => `/documents/${r.id}`}
          caption={t("documents.title")} />
      )}
      <Card title={t("documents.upload")}>
        <UploadForm path="/api/documents" chooseType invalidates={[["documents"]]} testId="upload-document" title="documents.upload"
          headed={false} />
      </Card>
      <Templates />
    </>
  );
}

/** The company's templates for the documents it issues, and a new one. */
function Templates() {
  const { t, label } = useI18n();
  const query = useQuery({ queryKey: ["document-templates"], queryFn: () => api.get<TemplateRow[]>("/api/document-templates") });
  const { values, setValues, sending, done } = useEntry(
    () => ({ name: "", document_type: "contract", source: "purchase_order", format: "html", body: "" }),
    (sent) => ({ ...sent, name: "", body: "" }),
  );
  const command = useCommand(
    (input: typeof values, key: string) => api.post("/api/document-templates", input, key),
    { invalidates: [["document-templates"]], onDone: done },
  );
  const set = (name: keyof typeof values) => (value: string) => setValues({ ...values, [name]: value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void command.run(sending(values));
  };
  return (
    <Card title={t("documents.templates")}>
      {query.data && query.data.length > 0 && (
        <ul className="plain" data-testid="document-templates">
          {query.data.map((tpl) => (
            <li key={tpl.id}>{tpl.name} — {label("documents.types", tpl.document_type)}, {label("documents.linkedTypes", tpl.source)} (v{tpl.revision})</li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} aria-label={t("documents.newTemplate")} data-testid="new-template" className="action-form" noValidate>
        <h3>{t("documents.newTemplate")}</h3>
        <TextField label={t("common.name")} name="name" value={values.name} onChange={set("name")} error={command.fieldErrors.name} />
        <SelectField label={t("documents.type")} name="document_type" value={values.document_type} onChange={set("document_type")}
          options={DOCUMENT_TYPES.map((d) => [d, label("documents.types", d)] as const)} />
        <SelectField label={t("documents.source")} name="source" value={values.source} onChange={set("source")}
          options={LINKED_TYPES.map((l) => [l, label("documents.linkedTypes", l)] as const)} />
        <SelectField label={t("documents.format")} name="format" value={values.format} onChange={set("format")}
          options={[["html", "HTML"], ["text", "Text"]]} />
        <div className={command.fieldErrors.body ? "field field-invalid" : "field"}>
          <label htmlFor="template-body">{t("documents.templateBody")}</label>
          <textarea id="template-body" name="body" rows={6} value={values.body} onChange={(e) => set("body")(e.target.value)} />
          <small className={command.fieldErrors.body ? "field-error" : "hint"}>{command.fieldErrors.body ?? t("documents.templateHint")}</small>
        </div>
        <ErrorNotice error={command.error} />
        <button type="submit" disabled={command.pending}>{t("common.create")}</button>
      </form>
    </Card>
  );
}

/** A new document from one of the company's templates, filled from this object. */
function IssueFromTemplate({ linkedType, linkedId }: { linkedType: string; linkedId: string }) {
  const { t } = useI18n();
  const query = useQuery({
    queryKey: ["document-templates", { linkedType }],
    queryFn: () => api.get<TemplateRow[]>("/api/document-templates", { source: linkedType }),
  });
  const [chosen, setChosen] = useState("");
  const command = useCommand(
    (templateId: string, key: string) => api.post(`/api/document-templates/${templateId}/issue`, { linked_id: linkedId }, key),
    { invalidates: [["documents"]] },
  );
  const templates = query.data ?? [];
  if (templates.length === 0) return null;
  const selected = chosen || templates[0]?.id || "";
  return (
    <form className="action-form" aria-label={t("documents.issue")} data-testid="issue-from-template"
      onSubmit={(e) => { e.preventDefault(); void command.run(selected); }}>
      <h3>{t("documents.issue")}</h3>
      <SelectField label={t("documents.templates")} name="template" value={selected} onChange={setChosen}
        options={templates.map((tpl) => [tpl.id, tpl.name] as const)} />
      <ErrorNotice error={command.error} />
      <button type="submit" disabled={command.pending}>{t("documents.issue")}</button>
    </form>
  );
}

/** The documents linked to one shipment, declaration, purchase order or invoice, and an upload linked to it. */
export function DocumentsPanel({ linkedType, linkedId }: { linkedType: string; linkedId: string }) {
  const { t } = useI18n();
  const query = useQuery({
    queryKey: ["documents", { linkedType, linkedId }],
    queryFn: () => api.get<Page<DocumentRow>>("/api/documents", { linked_type: linkedType, linked_id: linkedId, limit: 100 }),
  });
  const columns = useDocumentColumns().slice(0, 5);
  return (
    <Card title={t("documents.title")} className="wide">
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && <DataTable testId="linked-documents" rows={query.data.items} columns={columns} link={(r) => `/documents/${r.id}`} />}
      <UploadForm path="/api/documents" query={{ linked_type: linkedType, linked_id: linkedId }} chooseType
        invalidates={[["documents"]]} testId="upload-linked-document" title="documents.upload" />
      <IssueFromTemplate linkedType={linkedType} linkedId={linkedId} />
    </Card>
  );
}

/** A page of a version as an image, the recognised fields drawn over it as boxes. */
function PageView(props: { documentId: string; version: number; pages: number; fields: DocumentField[]; selected: string }) {
  const { t, label } = useI18n();
  const [page, setPage] = useState(1);
  const image = useQuery({
    queryKey: ["documents", props.documentId, "page", props.version, page],
    queryFn: () => api.dataUrl(`/api/documents/${props.documentId}/versions/${props.version}/pages/${page}.png`),
    staleTime: Infinity,
  });
  return (
    <div className="document-viewer">
      <div className="card-actions">
        <button type="button" className="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>‹</button>
        <span>{t("documents.page")} {page} / {props.pages}</span>
        <button type="button" className="secondary" disabled={page >= props.pages} onClick={() => setPage(page + 1)}>›</button>
      </div>
      {image.isPending ? <Loading /> : <ErrorNotice error={image.error} />}
      {image.data && (
        <div className="document-page" data-testid="document-page">
          <img src={image.data} alt={`${t("documents.page")} ${page}`} />
          {props.fields.filter((f) => f.page === page).map((f) => (
            <span key={f.name} title={`${fieldLabel(f.name, label, t("documents.fieldLine"))}: ${f.value}`}
              className={`field-box${f.needs_verification && f.check === "unverified" ? " field-box-doubt" : ""}${f.name === props.selected ? " field-box-selected" : ""}`}
              style={{ left: `${f.x0 * 100}%`, top: `${f.y0 * 100}%`, width: `${(f.x1 - f.x0) * 100}%`, height: `${(f.y1 - f.y0) * 100}%` }} />
          ))}
        </div>
      )}
    </div>
  );
}

/** One recognised field: its value and confidence; confirm it or type the right value. */
function FieldRow({ documentId, field, onSelect, locked }: { documentId: string; field: DocumentField; onSelect: () => void; locked: boolean }) {
  const { t, label, number } = useI18n();
  const [value, setValue] = useState(field.value);
  const command = useCommand(
    (input: { name: string; value: string }) => api.post(`/api/documents/${documentId}/fields/verify`, input),
    { invalidates: [["documents", documentId], ["documents"]] },
  );
  const named = fieldLabel(field.name, label, t("documents.fieldLine"));
  return (
    <tr data-testid="document-field" onClick={onSelect}>
      <td title={field.name}>{named}</td>
      <td>
        {locked ? field.value : (
          <input aria-label={named} name={field.name} value={value} onChange={(e) => setValue(e.target.value)} />
        )}
        {field.value !== field.recognised_value && <small className="muted"> ({field.recognised_value})</small>}
      </td>
      <td>
        <Badge tone={field.confidence >= 0.9 ? "good" : field.confidence >= 0.7 ? "info" : "warn"}>
          {number(String(Math.round(field.confidence * 100)))}%
        </Badge>
      </td>
      <td>{label("documents.checks", field.check)}{field.needs_verification && field.check === "unverified" ? " ⚠" : ""}</td>
      <td>
        {!locked && (
          <button type="button" className="secondary" disabled={command.pending}
            onClick={() => void command.run({ name: field.name, value })}>
            {value === field.recognised_value ? t("documents.confirm") : t("documents.correct")}
          </button>
        )}
        <ErrorNotice error={command.error} />
      </td>
    </tr>
  );
}

function documentActions(d: DocumentDetailJson, label: (prefix: string, value: string) => string): ActionSpec[] {
  const invalidates = [["documents", d.id], ["documents"]];
  const base = `/api/documents/${d.id}`;
  return [
    {
      title: "documents.setExpiry", testId: "set-expiry", invalidates,
      fields: [{ name: "expires_on", label: "documents.expiresOn", type: "date", initial: d.expires_on ?? "" }],
      send: (v) => api.put(`${base}/expiry`, { expires_on: v.expires_on || null }),
    },
    {
      title: "documents.link", testId: "link-document", invalidates,
      fields: [
        { name: "linked_type", label: "documents.linkedTo", options: LINKED_TYPES.map((l) => [l, label("documents.linkedTypes", l)] as const) },
        { name: "linked_id", label: "common.reference", rules: [required] },
      ],
      send: (v, key) => api.post(`${base}/links`, { linked_type: v.linked_type, linked_id: v.linked_id }, key),
    },
    {
      title: "documents.archive", testId: "archive-document", invalidates,
      fields: [{ name: "reason", label: "common.reason" }],
      send: (v, key) => api.post(`${base}/archive`, { reason: v.reason ?? "" }, key),
    },
  ];
}

export function DocumentDetail() {
  const { id = "" } = useParams();
  const { t, label, number, dateTime, date } = useI18n();
  const [selected, setSelected] = useState("");
  const query = useQuery({ queryKey: ["documents", id], queryFn: () => api.get<DocumentDetailJson>(`/api/documents/${id}`) });
  const complete = useCommand(() => api.post(`/api/documents/${id}/verification/complete`), {
    invalidates: [["documents", id], ["documents"]],
  });
  if (query.isPending) return <Loading />;
  if (!query.data) return <ErrorNotice error={query.error} />;
  const d = query.data;
  const shown = d.versions.find((v) => v.version === (d.fields_version || d.latest_version)) ?? d.versions[d.versions.length - 1];
  const locked = d.status !== "active" || d.verification === "completed";
  return (
    <>
      <div className="page-header">
        <h1>{d.title || d.filename} <StatusBadge prefix="documents.statuses" status={d.status} /></h1>
        <span className="muted" data-testid="document-type">{label("documents.types", d.document_type)}</span>
      </div>
      <div className="grid">
        <Card title={t("common.details")}>
          <Definition items={[
            [t("documents.type"), label("documents.types", d.document_type)],
            [t("documents.recognition"), <StatusBadge key="r" prefix="documents.recognitionStatuses" status={d.recognition_status} />],
            [t("documents.recognisedType"), d.recognised_type ? label("documents.types", d.recognised_type) : "—"],
            [t("documents.language"), d.language || "—"],
            [t("documents.verification"), label("documents.verificationStatuses", d.verification)],
            [t("documents.expiresOn"), d.expires_on ? `${date(d.expires_on)}${d.expired ? ` (${t("documents.expired")})` : ""}` : "—"],
            [t("documents.linkedTo"), d.links.length ? d.links.map((l) => (
              <Link key={`${l.linked_type}:${l.linked_id}`} to={`${LINK_PAGES[l.linked_type] ?? ""}/${l.linked_id}`}>
                {label("documents.linkedTypes", l.linked_type)} {l.linked_id.slice(0, 8)}{" "}
              </Link>
            )) : "—"],
          ]} />
        </Card>
        <Card title={t("documents.versions")}>
          <table data-testid="document-versions">
            <thead><tr><th>#</th><th>{t("documents.file")}</th><th>{t("documents.size")}</th><th>{t("documents.recognition")}</th><th>{t("common.created")}</th></tr></thead>
            <tbody>
              {d.versions.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{v.filename} <small className="muted">{v.content_type}, {v.pages} {t("documents.pages")}</small></td>
                  <td>{number(String(Math.ceil(v.size_bytes / 1024)))} KB</td>
                  <td>
                    <StatusBadge prefix="documents.recognitionStatuses" status={v.recognition_status} />
                    {v.recognition_reason && <small className="field-error"> {v.recognition_reason}</small>}
                  </td>
                  <td>{dateTime(v.uploaded_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.status === "active" && (
            <UploadForm path={`/api/documents/${d.id}/versions`} chooseType={false} invalidates={[["documents", d.id], ["documents"]]}
              testId="upload-version" title="documents.newVersion" />
          )}
        </Card>
        {shown && (
          <Card title={`${t("documents.page")} — v${shown.version}`} className="wide">
            <PageView documentId={d.id} version={shown.version} pages={shown.pages} fields={d.fields} selected={selected} />
          </Card>
        )}
        <Card title={t("documents.fields")} className="wide"
          actions={!locked && d.fields.length > 0 && (
            <button type="button" data-testid="complete-verification" disabled={complete.pending}
              onClick={() => void complete.run(undefined)}>{t("documents.completeVerification")}</button>
          )}>
          <ErrorNotice error={complete.error} />
          {d.fields.length === 0 ? <p className="muted">{t("documents.noFields")}</p> : (
            <table data-testid="document-fields">
              <thead><tr><th>{t("documents.field")}</th><th>{t("documents.value")}</th><th>{t("documents.confidence")}</th><th>{t("documents.check")}</th><th /></tr></thead>
              <tbody>
                {d.fields.map((f) => (
                  <FieldRow key={`${d.fields_version}:${f.name}`} documentId={d.id} field={f} locked={locked} onSelect={() => setSelected(f.name)} />
                ))}
              </tbody>
            </table>
          )}
        </Card>
        {d.document_type === "commercial_invoice" && d.verification === "completed" && (
          <InvoiceUse documentId={d.id} declarations={d.links.filter((l) => l.linked_type === "declaration").map((l) => l.linked_id)} />
        )}
        {d.status === "active" && (
          <Card title={t("common.actions")} className="wide">
            {documentActions(d, label).map((spec) => <ActionForm key={spec.title} spec={spec} />)}
          </Card>
        )}
      </div>
    </>
  );
}

/** A verified invoice's data put to use: goods items of a linked declaration (the broker reviews them there). */
function InvoiceUse({ documentId, declarations }: { documentId: string; declarations: string[] }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [origin, setOrigin] = useState("");
  const fill = useCommand(
    (declarationId: string, key: string) =>
      api.post<{ id: string }>(`/api/declarations/${declarationId}/goods-from-document`, { document_id: documentId, origin_country: origin }, key),
    { invalidates: [["declarations"]], onDone: (declaration) => navigate(`/declarations/${declaration.id}`) },
  );
  return (
    <Card title={t("documents.useInvoice")} className="wide">
      <p><Link to={`/invoices?from_document=${documentId}`} data-testid="receive-as-payable">{t("documents.receiveAsPayable")}</Link></p>
      <ErrorNotice error={fill.error} />
      {declarations.length === 0 ? (
        <p className="muted">{t("documents.linkDeclarationFirst")}</p>
      ) : (
        <div className="filters" data-testid="invoice-use">
          <TextField label={t("declaration.origin")} name="origin_country" value={origin} onChange={(v) => setOrigin(v.toUpperCase())} />
          {declarations.map((declarationId) => (
            <button key={declarationId} type="button" disabled={fill.pending} onClick={() => void fill.run(declarationId)}>
              {t("documents.fillDeclaration")} {declarationId.slice(0, 8)}
            </button>
          ))}
        </div>
      )}
    </Card>
  );
}
