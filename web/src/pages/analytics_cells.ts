// How a dashboard's cell reads in the console (kept apart from the charts so it is tested without them).
import { eventName, objectName } from "../i18n/events";
import type { I18n } from "../i18n/I18n";

// Columns whose values are names the console translates.
const EVENT_COLUMNS = new Set(["event_type"]);
const OBJECT_COLUMNS = new Set(["aggregate_type"]);

/** A cell as people read it: numbers by locale, dates as dates, event and object names in words. */
export function cell(i18n: Pick<I18n, "locale" | "number" | "date">, column: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return i18n.number(value);
  if (typeof value === "string") {
    if (EVENT_COLUMNS.has(column)) return eventName(value, i18n.locale);
    if (OBJECT_COLUMNS.has(column)) return objectName(value, i18n.locale);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return i18n.date(value);
    return value;
  }
  return JSON.stringify(value);
}
