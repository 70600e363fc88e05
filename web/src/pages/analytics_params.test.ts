import { describe, expect, it } from "vitest";
import { dashboardQuery, forDashboard, matches, shownValues, withValue, type DashboardParameter } from "./analytics_params";

const SINCE: DashboardParameter = { name: "since", label: "From", kind: "Date", choices: [], pattern: "", default: "2026-09-02" };
const UNTIL: DashboardParameter = { name: "until", label: "To", kind: "Date", choices: [], pattern: "", default: "2026-12-01" };
const MODE: DashboardParameter = {
  name: "mode", label: "Mode", kind: "String", choices: ["", "sea", "air", "road", "rail"], pattern: "", default: "",
};
const CURRENCY: DashboardParameter = {
  name: "currency", label: "Currency", kind: "String", choices: [], pattern: "(|[A-Z]{3})", default: "",
};
const LOGISTICS = [SINCE, UNTIL, MODE];

describe("shownValues", () => {
  it("takes the URL's value where there is one and the default elsewhere", () => {
    const url = new URLSearchParams("dashboard=logistics&since=2026-01-01&mode=sea");
    expect(shownValues(LOGISTICS, url)).toEqual({ since: "2026-01-01", until: "2026-12-01", mode: "sea" });
  });
});

describe("dashboardQuery", () => {
  it("asks only for the declared parameters the URL chooses", () => {
    const url = new URLSearchParams("dashboard=logistics&until=2026-02-01&currency=USD&mode=air");
    expect(dashboardQuery(LOGISTICS, url)).toEqual({ until: "2026-02-01", mode: "air" });
    expect(dashboardQuery([], url)).toEqual({});
  });

  it("passes a value the API will refuse as it is, so the reader sees the API's reason", () => {
    expect(dashboardQuery(LOGISTICS, new URLSearchParams("mode=boat"))).toEqual({ mode: "boat" });
  });
});

describe("matches", () => {
  it("checks a free value against the whole pattern", () => {
    expect(matches(CURRENCY, "USD")).toBe(true);
    expect(matches(CURRENCY, "")).toBe(true);
    expect(matches(CURRENCY, "US")).toBe(false);
    expect(matches(CURRENCY, "USDX")).toBe(false);
    expect(matches(CURRENCY, "usd")).toBe(false);
    expect(matches(MODE, "anything")).toBe(true);
  });
});

describe("withValue", () => {
  const url = new URLSearchParams("dashboard=logistics&mode=sea");

  it("keeps a chosen date, even the default one, and drops a cleared date", () => {
    expect(withValue(url, SINCE, "2026-09-02").toString()).toBe("dashboard=logistics&mode=sea&since=2026-09-02");
    expect(withValue(new URLSearchParams("since=2026-01-01"), SINCE, "").toString()).toBe("");
  });

  it("drops a choice equal to the default ('all') and keeps any other", () => {
    expect(withValue(url, MODE, "").toString()).toBe("dashboard=logistics");
    expect(withValue(url, MODE, "air").toString()).toBe("dashboard=logistics&mode=air");
  });

  it("leaves the URL it was given alone", () => {
    withValue(url, MODE, "air");
    expect(url.toString()).toBe("dashboard=logistics&mode=sea");
  });
});

describe("forDashboard", () => {
  it("carries over the values the next dashboard also takes and drops the rest", () => {
    const url = new URLSearchParams("dashboard=logistics&since=2026-01-01&mode=sea");
    expect(forDashboard(url, "finance", [SINCE, UNTIL, CURRENCY]).toString()).toBe("dashboard=finance&since=2026-01-01");
    expect(forDashboard(url, "activity", []).toString()).toBe("dashboard=activity");
  });
});
