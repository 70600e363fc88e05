// A dashboard's parameters and the page URL: what the URL chooses, what goes to the API, and how a choice
// changes the URL (kept apart from the page so it is tested without a browser). The URL holds only what the
// reader chose; a parameter absent from it takes the API's default, so a link reproduces the same view.

/** A parameter as `GET /api/analytics/dashboards` declares it. */
export interface DashboardParameter {
  name: string;
  label: string;
  kind: "Date" | "String";
  choices: string[]; // "" first when "all" is allowed; empty: a free value matching `pattern`
  pattern: string; // anchored; "" for any
  default: string;
}

/** The value each declared parameter shows: the URL's, or the default. */
export function shownValues(parameters: readonly DashboardParameter[], url: URLSearchParams): Record<string, string> {
  return Object.fromEntries(parameters.map((p) => [p.name, url.get(p.name) ?? p.default]));
}

/** What the API is asked for: the declared parameters the URL chooses, nothing else (the API refuses the rest). */
export function dashboardQuery(parameters: readonly DashboardParameter[], url: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const p of parameters) {
    const value = url.get(p.name);
    if (value !== null) query[p.name] = value;
  }
  return query;
}

/** Whether a free value is one the parameter takes (the API's own pattern, anchored as the API anchors it). */
export function matches(parameter: Pick<DashboardParameter, "pattern">, value: string): boolean {
  if (!parameter.pattern) return true;
  try {
    return new RegExp(`^(?:${parameter.pattern})$`).test(value);
  } catch {
    return true; // a pattern this browser cannot read: the API still checks it
  }
}

/** The URL with one parameter chosen. A date chosen stays as it is (the default moves with the calendar, a
 * link should not); a cleared date, or a choice equal to the default, leaves the parameter to its default. */
export function withValue(url: URLSearchParams, parameter: DashboardParameter, value: string): URLSearchParams {
  const next = new URLSearchParams(url);
  const isDefault = parameter.kind === "Date" ? value === "" : value === parameter.default;
  if (isDefault) next.delete(parameter.name);
  else next.set(parameter.name, value);
  return next;
}

/** The URL for another dashboard: its id, and the values chosen so far for the parameters it declares too. */
export function forDashboard(
  url: URLSearchParams,
  dashboard: string,
  parameters: readonly Pick<DashboardParameter, "name">[],
): URLSearchParams {
  const next = new URLSearchParams({ dashboard });
  for (const p of parameters) {
    const value = url.get(p.name);
    if (value !== null) next.set(p.name, value);
  }
  return next;
}
