// Analytics: the dashboards' panels (definitions from the API) drawn with ECharts, for the parameters the reader
// chooses (kept in the URL, so a link reproduces the view). Loaded on demand, so the first load of the console
// does not carry the charting library. Titles and column names come from the definitions in English; the console
// shows its own words for them where it has them.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../api/client";
import { ApiError } from "../api/errors";
import { Chart } from "../components/Chart";
import { Card, ErrorNotice, Field, Loading, SelectField, TextField } from "../components/ui";
import { useI18n } from "../i18n/I18n";
import { cell } from "./analytics_cells";
import { dashboardQuery, forDashboard, matches, shownValues, withValue, type DashboardParameter } from "./analytics_params";

interface Panel {
  id: string;
  title: string;
  chart: "line" | "bar" | "table" | "number";
  columns: string[];
  rows: unknown[][];
}

interface Listed {
  id: string;
  title: string;
  parameters: DashboardParameter[];
}

// Where the console's words for a parameter's choices are.
const CHOICE_LABELS: Record<string, string> = { mode: "shipment.modes" };

export default function Analytics() {
  const i18n = useI18n();
  const { t, label, number } = i18n;
  const [params, setParams] = useSearchParams();
  const list = useQuery({ queryKey: ["dashboards"], queryFn: () => api.get<Listed[]>("/api/analytics/dashboards") });
  const chosen = list.data?.find((d) => d.id === params.get("dashboard")) ?? list.data?.[0];
  const parameters = chosen?.parameters ?? [];
  const query = dashboardQuery(parameters, params);
  const dashboard = useQuery({
    queryKey: ["dashboards", chosen?.id, query],
    queryFn: () => api.get<{ title: string; panels: Panel[] }>(`/api/analytics/dashboards/${chosen?.id ?? ""}`, query),
    enabled: Boolean(chosen),
    retry: (failures, error) => !(error instanceof ApiError && error.status === 422) && failures < 1,
  });
  const values = shownValues(parameters, params);
  const choose = (parameter: DashboardParameter) => (value: string) =>
    setParams(withValue(params, parameter, value), { replace: true });
  const refused = dashboard.error instanceof ApiError && dashboard.error.status === 422 ? dashboard.error : null;
  return (
    <>
      <h1>{t("analytics.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("analytics.title")}>
        {list.data?.map((d) => (
          <button key={d.id} type="button" role="tab" aria-selected={d.id === chosen?.id}
            onClick={() => setParams(forDashboard(params, d.id, d.parameters), { replace: true })}>
            {label("analytics.dashboards", d.id) === d.id ? d.title : label("analytics.dashboards", d.id)}
          </button>
        ))}
      </div>
      {parameters.length > 0 && (
        <div className="filters" role="search" aria-label={t("analytics.parameters")} data-testid="dashboard-parameters">
          {parameters.map((p) => {
            const name = label("analytics.parameter", p.name) === p.name ? p.label : label("analytics.parameter", p.name);
            const value = values[p.name] ?? "";
            if (p.kind === "Date") {
              return (
                <Field key={p.name} label={name}>
                  {(id) => (
                    <input id={id} name={p.name} type="date" value={value} onChange={(e) => choose(p)(e.target.value)} />
                  )}
                </Field>
              );
            }
            if (p.choices.length > 0) {
              const words = CHOICE_LABELS[p.name];
              const options = p.choices.map((c) => [c, c === "" ? t("common.all") : words ? label(words, c) : c] as const);
              return <SelectField key={p.name} label={name} name={p.name} value={value} onChange={choose(p)} options={options} />;
            }
            return <FreeValue key={p.name} parameter={p} label={name} value={value} onChoose={choose(p)} />;
          })}
        </div>
      )}
      {refused ? (
        <div className="notice notice-error" role="alert" data-testid="parameters-refused">
          <strong>{t("analytics.refused")}:</strong> {refused.message}
        </div>
      ) : (
        <ErrorNotice error={list.error ?? dashboard.error} />
      )}
      {dashboard.isFetching && chosen && <Loading />}
      <div className="grid" data-testid="dashboard" aria-busy={dashboard.isFetching}>
        {dashboard.data?.panels.map((panel) => {
          const title = label("analytics.panels", panel.id) === panel.id ? panel.title : label("analytics.panels", panel.id);
          const heading = (column: string) => label("analytics.columns", column);
          // A number over nothing (a rate of no shipments) comes as one row holding NULL: nothing to show either.
          const empty = panel.rows.length === 0 || (panel.chart === "number" && (panel.rows[0]?.[0] ?? null) === null);
          return (
            <Card key={panel.id} title={title} className={panel.chart === "table" ? "wide" : ""}>
              <div data-testid={`panel-${panel.id}`} data-empty={empty}>
                {empty ? (
                  <p className="muted">{t("analytics.noData")}</p>
                ) : panel.chart === "number" ? (
                  <p className="big-number">{number(panel.rows[0]?.[0] as number | undefined)}</p>
                ) : panel.chart === "table" ? (
                  <div className="table-scroll">
                    <table className="data-table compact">
                      <thead><tr>{panel.columns.map((c) => <th key={c} scope="col">{heading(c)}</th>)}</tr></thead>
                      <tbody>{panel.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{cell(i18n, panel.columns[j] ?? "", v, panel.id)}</td>)}</tr>)}</tbody>
                    </table>
                  </div>
                ) : (
                  <Chart kind={panel.chart} name={title} valueName={heading(panel.columns[1] ?? "")}
                    labels={panel.rows.map((r) => cell(i18n, panel.columns[0] ?? "", r[0], panel.id))} values={panel.rows.map((r) => Number(r[1]))} />
                )}
              </div>
            </Card>
          );
        })}
      </div>
    </>
  );
}

/** A free value (a currency, a procedure code): typed as a code, sent once it has the parameter's form. */
function FreeValue(props: { parameter: DashboardParameter; label: string; value: string; onChoose: (value: string) => void }) {
  const { t, label } = useI18n();
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]); // chosen elsewhere: a link, another dashboard
  const format = label("analytics.format", props.parameter.name);
  const hint = format === props.parameter.name ? props.parameter.pattern : format;
  return (
    <TextField label={props.label} name={props.parameter.name} value={draft} hint={hint} placeholder={t("common.all")}
      error={matches(props.parameter, draft) ? undefined : `${t("analytics.badFormat")}: ${hint}`}
      onChange={(typed) => {
        const code = typed.trim().toUpperCase();
        setDraft(code);
        if (matches(props.parameter, code)) props.onChoose(code);
      }} />
  );
}
