// The double-entry ledger: accounts with balances, an account's statement, the trial balance by currency and date.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../api/client";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, TextField } from "../components/ui";
import { useI18n } from "../i18n/I18n";

type Row = Record<string, unknown>;

const text = (value: unknown): string => (value === null || value === undefined || value === "" ? "—" : String(value));
const today = (): string => new Date().toISOString().slice(0, 10);
const monthStart = (): string => `${today().slice(0, 8)}01`;

function useChartName(): (row: Row) => string {
  const { locale } = useI18n();
  return (row) => text(locale === "ru" ? row.chart_name_ru : row.chart_name_en);
}

export function LedgerPage() {
  const { t, money } = useI18n();
  const chartName = useChartName();
  const [currency, setCurrency] = useState("RUB");
  const [on, setOn] = useState(today());
  const accounts = useQuery({ queryKey: ["ledger", "accounts"], queryFn: () => api.get<Row[]>("/api/ledger/accounts") });
  const trial = useQuery({
    queryKey: ["ledger", "trial-balance", currency, on],
    queryFn: () => api.get<Row>(`/api/ledger/trial-balance?currency=${currency}&on=${on}`),
  });
  const currencies = useMemo(() => {
    const found = new Set<string>(["RUB", ...(accounts.data ?? []).map((a) => String(a.currency))]);
    return [...found].sort().map((c) => [c, c] as const);
  }, [accounts.data]);
  const accountColumns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: t("ledger.account"), id: "account_id", cell: (c) => <Link to={`/ledger/accounts/${encodeURIComponent(text(c.row.original.account_id))}`}>{text(c.row.original.account_id)}</Link> },
      { header: t("ledger.chartAccount"), id: "chart", accessorFn: (r) => chartName(r) },
      { header: t("common.name"), id: "name", accessorFn: (r) => text(r.name) },
      { header: t("ledger.debits"), id: "debits_posted", accessorFn: (r) => money(r.debits_posted as string, r.currency as string) },
      { header: t("ledger.credits"), id: "credits_posted", accessorFn: (r) => money(r.credits_posted as string, r.currency as string) },
      { header: t("ledger.pending"), id: "pending", accessorFn: (r) => `${money(r.debits_pending as string, r.currency as string)} / ${money(r.credits_pending as string, r.currency as string)}` },
      { header: t("ledger.balance"), id: "balance", accessorFn: (r) => money(r.balance as string, r.currency as string) },
    ],
    [t, money, chartName],
  );
  const trialColumns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: t("ledger.account"), id: "account_id", accessorFn: (r) => text(r.account_id) },
      { header: t("ledger.chartAccount"), id: "chart", accessorFn: (r) => chartName(r) },
      { header: t("ledger.debits"), id: "debits", accessorFn: (r) => money(r.debits as string, currency) },
      { header: t("ledger.credits"), id: "credits", accessorFn: (r) => money(r.credits as string, currency) },
      { header: t("ledger.debitBalance"), id: "debit_balance", accessorFn: (r) => money(r.debit_balance as string, currency) },
      { header: t("ledger.creditBalance"), id: "credit_balance", accessorFn: (r) => money(r.credit_balance as string, currency) },
    ],
    [t, money, chartName, currency],
  );
  return (
    <>
      <h1>{t("ledger.title")}</h1>
      <div className="grid">
        <Card title={t("ledger.accounts")} className="wide">
          {accounts.isPending ? <Loading /> : <ErrorNotice error={accounts.error} />}
          {accounts.data !== undefined && <DataTable testId="ledger-accounts" rows={accounts.data} columns={accountColumns} />}
        </Card>
        <Card
          title={t("ledger.trialBalance")}
          className="wide"
          actions={trial.data && <Badge tone={trial.data.balanced ? "good" : "bad"}>{t(trial.data.balanced ? "ledger.balanced" : "ledger.unbalanced")}</Badge>}
        >
          <div className="inline">
            <SelectField label={t("common.currency")} name="currency" value={currency} onChange={setCurrency} options={currencies} />
            <TextField label={t("ledger.on")} name="on" type="date" value={on} onChange={setOn} />
          </div>
          {trial.isPending ? <Loading /> : <ErrorNotice error={trial.error} />}
          {trial.data !== undefined && (
            <>
              <DataTable testId="trial-balance" rows={(trial.data.accounts as Row[]) ?? []} columns={trialColumns} />
              <Definition
                items={[
                  [t("ledger.totalDebits"), money(trial.data.total_debits as string, currency)],
                  [t("ledger.totalCredits"), money(trial.data.total_credits as string, currency)],
                ]}
              />
            </>
          )}
        </Card>
      </div>
    </>
  );
}

export function LedgerAccountPage() {
  const { id = "" } = useParams();
  const { t, money, dateTime } = useI18n();
  const chartName = useChartName();
  const [from, setFrom] = useState(monthStart());
  const [to, setTo] = useState(today());
  const path = `/api/ledger/accounts/${encodeURIComponent(id)}/statement?from=${from}&to=${to}`;
  const statement = useQuery({ queryKey: ["ledger", "statement", id, from, to], queryFn: () => api.get<Row>(path) });
  const account = (statement.data?.account ?? {}) as Row;
  const currency = text(account.currency);
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      { header: t("common.date"), id: "recorded_at", accessorFn: (r) => dateTime(r.recorded_at as string) },
      { header: t("ledger.transfer"), id: "transfer_id", accessorFn: (r) => text(r.transfer_id) },
      { header: t("ledger.counterAccount"), id: "counter_account", accessorFn: (r) => text(r.counter_account) },
      { header: t("common.description"), id: "description", accessorFn: (r) => text(r.description || r.reference) },
      { header: t("ledger.debit"), id: "debit", accessorFn: (r) => (r.debit === "0.00" || r.debit === "0" ? "" : money(r.debit as string, currency)) },
      { header: t("ledger.credit"), id: "credit", accessorFn: (r) => (r.credit === "0.00" || r.credit === "0" ? "" : money(r.credit as string, currency)) },
      { header: t("ledger.balance"), id: "balance", accessorFn: (r) => money(r.balance as string, currency) },
    ],
    [t, money, dateTime, currency],
  );
  return (
    <>
      <h1>
        {id} <Badge>{chartName(account)}</Badge>
      </h1>
      <Card title={t("ledger.statement")} className="wide">
        <div className="inline">
          <TextField label={t("ledger.from")} name="from" type="date" value={from} onChange={setFrom} />
          <TextField label={t("ledger.to")} name="to" type="date" value={to} onChange={setTo} />
        </div>
        {statement.isPending ? <Loading /> : <ErrorNotice error={statement.error} />}
        {statement.data !== undefined && (
          <>
            <Definition
              items={[
                [t("ledger.openingBalance"), money(statement.data.opening_balance as string, currency)],
                [t("ledger.debits"), money(statement.data.debits as string, currency)],
                [t("ledger.credits"), money(statement.data.credits as string, currency)],
                [t("ledger.closingBalance"), money(statement.data.closing_balance as string, currency)],
              ]}
            />
            <DataTable testId="ledger-statement" rows={(statement.data.entries as Row[]) ?? []} columns={columns} />
          </>
        )}
      </Card>
      <Link to="/ledger">{t("common.back")}</Link>
    </>
  );
}
