// How a dashboard's cell reads in the console (kept apart from the charts so it is tested without them).
import { eventName, objectName } from "../i18n/events";
import type { I18n } from "../i18n/I18n";
import { MESSAGES } from "../i18n/messages";

// Columns whose values are names the console translates.
const EVENT_COLUMNS = new Set(["event_type"]);
const OBJECT_COLUMNS = new Set(["aggregate_type"]);
// Columns whose values are a domain's codes, with where their names are kept: "panel.column" where one column
// name means different things on different panels (a shipment's status is not a deal's), else the column alone.
const CODE_NAMES: Record<string, string> = {
  "shipments_by_status.status": "shipment.statuses",
  "declarations_by_status.status": "declaration.statuses",
  "fx_deals.status": "fx.statuses",
  "edi_by_partner.status": "edi.statuses",
  "exceptions_by_kind.kind": "shipment.exceptionKinds",
  "payables_ageing.kind": "analytics.values.invoiceKind",
  "payables_ageing.overdue_days": "analytics.values.overdue",
  mode: "shipment.modes",
  direction: "analytics.values.direction",
  activity: "analytics.values.activity",
  document_type: "documents.types",
};
// ClickHouse sends its Decimal columns as text ("12500.000000"): numbers all the same.
const DECIMAL = /^-?\d+\.\d+$/;

function codeName(locale: I18n["locale"], panel: string, column: string, value: string): string | undefined {
  const prefix = CODE_NAMES[`${panel}.${column}`] ?? CODE_NAMES[column];
  return prefix === undefined ? undefined : (MESSAGES[locale] as Record<string, string>)[`${prefix}.${value}`];
}

/** A cell as people read it: numbers by locale, dates as dates, event, object and code names in words. */
export function cell(
  i18n: Pick<I18n, "locale" | "number" | "date">, column: string, value: unknown, panel = "",
): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return i18n.number(value);
  if (typeof value === "string") {
    if (EVENT_COLUMNS.has(column)) return eventName(value, i18n.locale);
    if (OBJECT_COLUMNS.has(column)) return objectName(value, i18n.locale);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return i18n.date(value);
    if (DECIMAL.test(value)) return i18n.number(Number(value));
    return codeName(i18n.locale, panel, column, value) ?? value;
  }
  return JSON.stringify(value);
}
