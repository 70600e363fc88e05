// Compliance reports: the company's report schedule (cadence, timezone, language, contacts) and the reports the
// scheduled pipeline stored as documents (a PDF and an XLSX per period), each downloadable.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Card, ErrorNotice, Loading, SelectField, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useI18n } from "../i18n/I18n";

export interface ReportSchedule {
  cadence: "daily" | "weekly" | "monthly";
  timezone: string;
  language: "ru" | "en";
  contacts: string[];
  enabled: boolean;
  configured: boolean;
}

interface ReportDocument {
  id: string;
  title: string;
  filename: string;
  content_type: string;
  latest_version: number;
  created_at: string;
  download_url: string;
}

/** "a@x.ru, b@y.com\n c@z.org" -> the addresses, as the contacts field is typed. */
export function contactsOf(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

function DownloadButton({ report }: { report: ReportDocument }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const open = async () => {
    try {
      const { url } = await api.get<{ url: string }>(report.download_url);
      window.open(url, "_blank", "noopener");
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <button type="button" className="secondary" onClick={() => void open()} aria-label={`${t("reports.download")} ${report.filename}`}>
        {t("reports.download")}
      </button>
      <ErrorNotice error={error} />
    </>
  );
}

function ScheduleForm({ schedule }: { schedule: ReportSchedule }) {
  const { t } = useI18n();
  const [cadence, setCadence] = useState<string>(schedule.cadence);
  const [timezone, setTimezone] = useState(schedule.timezone);
  const [language, setLanguage] = useState<string>(schedule.language);
  const [contacts, setContacts] = useState(schedule.contacts.join(", "));
  const [enabled, setEnabled] = useState(schedule.enabled || !schedule.configured);
  useEffect(() => {
    setCadence(schedule.cadence);
    setTimezone(schedule.timezone);
    setLanguage(schedule.language);
    setContacts(schedule.contacts.join(", "));
    setEnabled(schedule.enabled || !schedule.configured);
  }, [schedule]);
  const save = useCommand(
    (body: Omit<ReportSchedule, "configured">) => api.put<ReportSchedule>("/api/reports/schedule", body),
    { invalidates: [["report-schedule"]] },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run({
      cadence: cadence as ReportSchedule["cadence"], timezone, language: language as ReportSchedule["language"],
      contacts: contactsOf(contacts), enabled,
    });
  };
  return (
    <form onSubmit={submit} aria-label={t("reports.schedule")}>
      <SelectField label={t("reports.cadence")} name="cadence" value={cadence} onChange={setCadence}
        options={[["daily", t("reports.daily")], ["weekly", t("reports.weekly")], ["monthly", t("reports.monthly")]]} />
      <TextField label={t("reports.timezone")} name="timezone" value={timezone} onChange={setTimezone} />
      <SelectField label={t("reports.language")} name="language" value={language} onChange={setLanguage}
        options={[["ru", "Русский"], ["en", "English"]]} />
      <TextField label={t("reports.contacts")} name="contacts" value={contacts} onChange={setContacts} />
      <label className="checkbox">
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        {t("reports.enabled")}
      </label>
      <ErrorNotice error={save.error} />
      <button type="submit" disabled={save.pending}>{save.pending ? t("common.loading") : t("reports.save")}</button>
    </form>
  );
}

export function ReportsPage() {
  const { t, dateTime } = useI18n();
  const schedule = useQuery({ queryKey: ["report-schedule"], queryFn: () => api.get<ReportSchedule>("/api/reports/schedule") });
  const reports = useQuery({
    queryKey: ["reports"],
    queryFn: () => api.get<{ items: ReportDocument[]; total: number }>("/api/reports"),
  });
  const columns = useMemo<ColumnDef<ReportDocument, unknown>[]>(
    () => [
      { header: t("reports.report"), accessorKey: "title" },
      { header: t("reports.file"), accessorKey: "filename" },
      { header: t("common.date"), accessorKey: "created_at", cell: (c) => dateTime(c.row.original.created_at) },
      { header: t("common.actions"), id: "download", enableSorting: false, cell: (c) => <DownloadButton report={c.row.original} /> },
    ],
    [t, dateTime],
  );
  return (
    <>
      <h1>{t("reports.title")}</h1>
      <div className="grid">
        <Card title={t("reports.schedule")}>
          <ErrorNotice error={schedule.error} />
          {schedule.isPending ? <Loading /> : schedule.data && <ScheduleForm schedule={schedule.data} />}
        </Card>
        <Card title={t("reports.reports")} className="wide">
          <ErrorNotice error={reports.error} />
          {reports.data !== undefined && <DataTable testId="reports" rows={reports.data.items} columns={columns} />}
        </Card>
      </div>
    </>
  );
}
