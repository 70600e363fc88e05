// EDI: trading partners (settings, status-code mapping, API keys) and inbound messages with their outcome,
// dead letters with the reason and a replay once the cause is fixed.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useEffect, useMemo, useState } from "react";
import { useParams } from "react-router";
import { api } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useI18n } from "../i18n/I18n";

export interface EdiMessage {
  message_id: string;
  partner_id: string;
  status: string;
  reason: string | null;
  sender_id: string | null;
  control_reference: string | null;
  attempts: number;
  received_at: string;
  updated_at: string;
}

interface ApiKey {
  key_id: string;
  label: string;
  issued_at: string;
  revoked_at: string | null;
}

interface Partner {
  id: string;
  code: string;
  name: string;
  sender_ids: string[];
  timezone: string;
  reference_qualifiers: string[];
  status_codes: Record<string, string>;
  interchanges: number;
  api_keys: ApiKey[];
}

interface PartnerRow {
  id: string;
  code: string;
  name: string;
  sender_ids: string[];
  interchanges: number;
}

// What a partner's own status code may mean (streams/edi/partners.py StatusMeaning).
export const STATUS_MEANINGS = [
  "picked_up", "departed", "arrived", "at_customs", "released", "delivered", "delayed", "damaged", "held", "cancelled",
] as const;

/** "A, B ,, C" -> ["A", "B", "C"]: the list fields are typed as comma-separated text. */
export function listOf(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function ReplayButton({ message }: { message: EdiMessage }) {
  const { t } = useI18n();
  const replay = useCommand(() => api.post(`/api/edi/messages/${message.message_id}/replay`), {
    invalidates: [["edi-messages"]],
  });
  return (
    <>
      <button type="button" className="secondary" disabled={replay.pending} onClick={() => void replay.run(undefined)}
        aria-label={`${t("edi.replay")} ${message.control_reference ?? message.message_id}`}>
        {replay.pending ? t("common.loading") : t("edi.replay")}
      </button>
      <ErrorNotice error={replay.error} />
    </>
  );
}

export function MessageTable({ partnerId }: { partnerId?: string }) {
  const { t, dateTime } = useI18n();
  // The EDI agent answers a replay in a moment: the page polls while a replayed message is still dead.
  const [watching, setWatching] = useState(false);
  const messages = useQuery({
    queryKey: ["edi-messages"],
    queryFn: () => api.get<EdiMessage[]>("/api/edi/messages", { limit: 200 }),
    refetchInterval: watching ? 1000 : false,
  });
  const rows = useMemo(() => (messages.data ?? []).filter((m) => !partnerId || m.partner_id === partnerId), [messages.data, partnerId]);
  useEffect(() => {
    if (!watching) return undefined;
    const stop = setTimeout(() => setWatching(false), 30_000);
    return () => clearTimeout(stop);
  }, [watching]);
  const columns = useMemo<ColumnDef<EdiMessage, unknown>[]>(
    () => [
      { header: t("common.date"), accessorKey: "received_at", cell: (c) => dateTime(c.row.original.received_at) },
      { header: t("edi.controlReference"), id: "control", accessorFn: (r) => `${r.sender_id ?? ""} ${r.control_reference ?? ""}`.trim() || "—" },
      { header: t("edi.result"), accessorKey: "status", cell: (c) => <StatusBadge prefix="edi.statuses" status={c.row.original.status} /> },
      { header: t("edi.attempts"), accessorKey: "attempts" },
      { header: t("common.reason"), id: "reason", accessorFn: (r) => r.reason ?? "", cell: (c) => <span className="reason">{c.row.original.reason ?? "—"}</span> },
      {
        header: t("common.actions"), id: "actions", enableSorting: false,
        cell: (c) => c.row.original.status === "dead_lettered" ? <span onClickCapture={() => setWatching(true)}><ReplayButton message={c.row.original} /></span> : null,
      },
    ],
    [t, dateTime],
  );
  if (messages.isPending) return <Loading />;
  return (
    <>
      <ErrorNotice error={messages.error} />
      <DataTable testId="edi-messages" rows={rows} columns={columns} caption={t("edi.messages")} />
    </>
  );
}

export function EdiPartners() {
  const { t } = useI18n();
  const partners = useQuery({ queryKey: ["edi-partners"], queryFn: () => api.get<PartnerRow[]>("/api/edi/partners") });
  const columns = useMemo<ColumnDef<PartnerRow, unknown>[]>(
    () => [
      { header: t("common.code"), accessorKey: "code" },
      { header: t("common.name"), accessorKey: "name" },
      { header: t("edi.senderIds"), id: "senders", accessorFn: (r) => r.sender_ids.join(", ") },
      { header: t("edi.interchanges"), accessorKey: "interchanges" },
    ],
    [t],
  );
  return (
    <>
      <h1>{t("edi.title")}</h1>
      <div className="grid">
        <Card title={t("edi.partner")} className="wide">
          <ErrorNotice error={partners.error} />
          {partners.data !== undefined && <DataTable testId="edi-partners" rows={partners.data} columns={columns} link={(r) => `/edi/${r.id}`} />}
        </Card>
        <Card title={t("edi.messages")} className="wide">
          <MessageTable />
        </Card>
      </div>
    </>
  );
}

function PartnerSettings({ partner }: { partner: Partner }) {
  const { t, label } = useI18n();
  const [name, setName] = useState(partner.name);
  const [senders, setSenders] = useState(partner.sender_ids.join(", "));
  const [timezone, setTimezone] = useState(partner.timezone);
  const [qualifiers, setQualifiers] = useState(partner.reference_qualifiers.join(", "));
  const [codes, setCodes] = useState<Array<[string, string]>>(Object.entries(partner.status_codes));
  const [newCode, setNewCode] = useState("");
  const [saved, setSaved] = useState(false);
  const save = useCommand(
    () => api.put(`/api/edi/partners/${partner.id}`, {
      name, sender_ids: listOf(senders), timezone, reference_qualifiers: listOf(qualifiers),
      status_codes: Object.fromEntries(codes.filter(([code]) => code.trim())),
    }),
    { invalidates: [["edi-partners"]], onDone: () => setSaved(true) },
  );
  const errors = save.fieldErrors;
  return (
    <form onSubmit={(e) => { e.preventDefault(); setSaved(false); void save.run(undefined); }} aria-label={t("edi.settings")}>
      <TextField label={t("common.name")} name="name" value={name} onChange={setName} error={errors["name"]} />
      <TextField label={t("edi.senderIds")} name="sender_ids" value={senders} onChange={setSenders} error={errors["sender_ids"]} hint={t("edi.commaSeparated")} />
      <TextField label={t("edi.timezone")} name="timezone" value={timezone} onChange={setTimezone} error={errors["timezone"]} />
      <TextField label={t("edi.qualifiers")} name="reference_qualifiers" value={qualifiers} onChange={setQualifiers} error={errors["reference_qualifiers"]} hint={t("edi.commaSeparated")} />
      <fieldset>
        <legend>{t("edi.statusCodes")}</legend>
        <table className="data-table compact" data-testid="status-codes">
          <thead><tr><th scope="col">{t("common.code")}</th><th scope="col">{t("edi.meaning")}</th><th scope="col"><span className="visually-hidden">{t("common.actions")}</span></th></tr></thead>
          <tbody>
            {codes.map(([code, meaning], index) => (
              <tr key={index}>
                <td><code>{code}</code></td>
                <td>
                  <SelectField label={`${t("edi.meaning")} ${code}`} name={`status_${code}`} value={meaning}
                    onChange={(value) => setCodes(codes.map((entry, i) => (i === index ? [code, value] : entry)))}
                    options={STATUS_MEANINGS.map((m) => [m, label("edi.meanings", m)] as const)} />
                </td>
                <td><button type="button" className="secondary" onClick={() => setCodes(codes.filter((_, i) => i !== index))}>{t("common.delete")} {code}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="inline-form">
          <TextField label={t("edi.newStatusCode")} name="new_status_code" value={newCode} onChange={setNewCode} />
          <button type="button" className="secondary" disabled={!newCode.trim() || codes.some(([c]) => c === newCode.trim())}
            onClick={() => { setCodes([...codes, [newCode.trim(), "departed"]]); setNewCode(""); }}>
            {t("edi.addStatusCode")}
          </button>
        </div>
      </fieldset>
      <ErrorNotice error={save.error} />
      {saved && <p className="notice notice-good" role="status">{t("common.saved")}</p>}
      <button type="submit" disabled={save.pending}>{t("common.save")}</button>
    </form>
  );
}

export function EdiPartnerDetail() {
  const { id = "" } = useParams();
  const { t, dateTime } = useI18n();
  const partner = useQuery({ queryKey: ["edi-partners", id], queryFn: () => api.get<Partner>(`/api/edi/partners/${id}`) });
  const [key, setKey] = useState<string | null>(null);
  const [keyLabel, setKeyLabel] = useState("");
  const issue = useCommand((_: void, idem: string) => api.post<{ api_key: string }>(`/api/edi/partners/${id}/api-keys`, { label: keyLabel }, idem), {
    invalidates: [["edi-partners", id]],
    onDone: (answer) => setKey(answer.api_key),
  });
  const revoke = useCommand((keyId: string) => api.delete(`/api/edi/partners/${id}/api-keys/${keyId}`), { invalidates: [["edi-partners", id]] });
  if (partner.isPending) return <Loading />;
  if (!partner.data) return <ErrorNotice error={partner.error} />;
  const p = partner.data;
  return (
    <>
      <h1>{p.name} <Badge>{p.code}</Badge></h1>
      <div className="grid">
        <Card title={t("edi.settings")}>
          <Definition items={[[t("edi.interchanges"), String(p.interchanges)], ["Kafka", `edi.inbound · key ${p.id}`]]} />
          <PartnerSettings key={p.id} partner={p} />
        </Card>
        <Card title={t("edi.apiKeys")}>
          <ul className="plain" data-testid="api-keys">
            {p.api_keys.map((k) => (
              <li key={k.key_id}>
                <code>{k.key_id}</code> {k.label} · {dateTime(k.issued_at)}{" "}
                {k.revoked_at ? <Badge tone="bad">{t("edi.revoked")}</Badge> : (
                  <button type="button" className="secondary" onClick={() => void revoke.run(k.key_id)}>{t("edi.revoke")} {k.key_id}</button>
                )}
              </li>
            ))}
          </ul>
          {key && <p className="notice notice-good">{t("edi.keyShownOnce")} <code>{key}</code></p>}
          <ErrorNotice error={issue.error ?? revoke.error} />
          <form onSubmit={(e) => { e.preventDefault(); void issue.run(); }} className="inline-form">
            <TextField label={t("edi.keyLabel")} name="key_label" value={keyLabel} onChange={setKeyLabel} />
            <button type="submit" disabled={issue.pending}>{t("edi.issueKey")}</button>
          </form>
        </Card>
        <Card title={t("edi.messages")} className="wide">
          <MessageTable partnerId={p.id} />
        </Card>
      </div>
    </>
  );
}
