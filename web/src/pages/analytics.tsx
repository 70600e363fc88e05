// Analytics: the dashboards' panels (definitions from the API) drawn with ECharts. Loaded on demand,
// so the first load of the console does not carry the charting library.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { Chart } from "../components/Chart";
import { Card, ErrorNotice } from "../components/ui";
import { useI18n } from "../i18n/I18n";

const text = (value: unknown): string => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

interface Panel {
  id: string;
  title: string;
  chart: "line" | "bar" | "table" | "number";
  columns: string[];
  rows: unknown[][];
}

export default function Analytics() {
  const { t, number } = useI18n();
  const list = useQuery({ queryKey: ["dashboards"], queryFn: () => api.get<{ id: string; title: string }[]>("/api/analytics/dashboards") });
  const first = list.data?.[0]?.id;
  const dashboard = useQuery({
    queryKey: ["dashboards", first],
    queryFn: () => api.get<{ title: string; panels: Panel[] }>(`/api/analytics/dashboards/${first ?? ""}`),
    enabled: Boolean(first),
  });
  return (
    <>
      <h1>{t("analytics.title")}</h1>
      <ErrorNotice error={list.error ?? dashboard.error} />
      <div className="grid" data-testid="dashboard">
        {dashboard.data?.panels.map((panel) => (
          <Card key={panel.id} title={panel.title} className={panel.chart === "table" ? "wide" : ""}>
            {panel.chart === "number" ? (
              <p className="big-number">{number(panel.rows[0]?.[0] as number | undefined)}</p>
            ) : panel.chart === "table" ? (
              <table className="data-table compact"><thead><tr>{panel.columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
                <tbody>{panel.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{text(v)}</td>)}</tr>)}</tbody></table>
            ) : (
              <Chart kind={panel.chart} name={panel.title} labels={panel.rows.map((r) => text(r[0]))} values={panel.rows.map((r) => Number(r[1]))} />
            )}
          </Card>
        ))}
      </div>
    </>
  );
}
