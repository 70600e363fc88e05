// Analytics: the dashboards' panels (definitions from the API) drawn with ECharts. Loaded on demand,
// so the first load of the console does not carry the charting library. Titles and column names come
// from the definitions in English; the console shows its own words for them where it has them.
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api } from "../api/client";
import { Chart } from "../components/Chart";
import { Card, ErrorNotice, Loading } from "../components/ui";
import { useI18n } from "../i18n/I18n";
import { cell } from "./analytics_cells";

interface Panel {
  id: string;
  title: string;
  chart: "line" | "bar" | "table" | "number";
  columns: string[];
  rows: unknown[][];
}

export default function Analytics() {
  const i18n = useI18n();
  const { t, label, number } = i18n;
  const [params, setParams] = useSearchParams();
  const list = useQuery({ queryKey: ["dashboards"], queryFn: () => api.get<{ id: string; title: string }[]>("/api/analytics/dashboards") });
  const chosen = params.get("dashboard") ?? list.data?.[0]?.id;
  const dashboard = useQuery({
    queryKey: ["dashboards", chosen],
    queryFn: () => api.get<{ title: string; panels: Panel[] }>(`/api/analytics/dashboards/${chosen ?? ""}`),
    enabled: Boolean(chosen),
  });
  return (
    <>
      <h1>{t("analytics.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("analytics.title")}>
        {list.data?.map((d) => (
          <button key={d.id} type="button" role="tab" aria-selected={d.id === chosen}
            onClick={() => setParams({ dashboard: d.id }, { replace: true })}>
            {label("analytics.dashboards", d.id) === d.id ? d.title : label("analytics.dashboards", d.id)}
          </button>
        ))}
      </div>
      <ErrorNotice error={list.error ?? dashboard.error} />
      {dashboard.isPending && chosen && <Loading />}
      <div className="grid" data-testid="dashboard">
        {dashboard.data?.panels.map((panel) => {
          const title = label("analytics.panels", panel.id) === panel.id ? panel.title : label("analytics.panels", panel.id);
          const heading = (column: string) => label("analytics.columns", column);
          return (
            <Card key={panel.id} title={title} className={panel.chart === "table" ? "wide" : ""}>
              {panel.rows.length === 0 ? (
                <p className="muted">{t("analytics.noData")}</p>
              ) : panel.chart === "number" ? (
                <p className="big-number">{number(panel.rows[0]?.[0] as number | undefined)}</p>
              ) : panel.chart === "table" ? (
                <div className="table-scroll">
                  <table className="data-table compact">
                    <thead><tr>{panel.columns.map((c) => <th key={c} scope="col">{heading(c)}</th>)}</tr></thead>
                    <tbody>{panel.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{cell(i18n, panel.columns[j] ?? "", v)}</td>)}</tr>)}</tbody>
                  </table>
                </div>
              ) : (
                <Chart kind={panel.chart} name={title} valueName={heading(panel.columns[1] ?? "")}
                  labels={panel.rows.map((r) => cell(i18n, panel.columns[0] ?? "", r[0]))} values={panel.rows.map((r) => Number(r[1]))} />
              )}
            </Card>
          );
        })}
      </div>
    </>
  );
}
