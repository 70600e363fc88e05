import { describe, expect, it } from "vitest";
import { formatDate, formatNumber } from "../i18n/format";
import { cell } from "./analytics_cells";

const ru = { locale: "ru" as const, number: (v: string | number | null | undefined) => formatNumber(v, "ru"), date: (v: string | null | undefined) => formatDate(v, "ru") };
const en = { locale: "en" as const, number: (v: string | number | null | undefined) => formatNumber(v, "en"), date: (v: string | null | undefined) => formatDate(v, "en") };

describe("dashboard cells", () => {
  it("show numbers by locale and dates as dates", () => {
    expect(cell(ru, "balance", 1234567.5)).toBe(formatNumber(1234567.5, "ru"));
    expect(cell(en, "balance", 1234567.5)).toBe("1,234,567.5");
    expect(cell(en, "day", "2026-11-02")).toBe(formatDate("2026-11-02", "en"));
  });

  it("name events and records in the reader's language, and leave other text as it is", () => {
    expect(cell(ru, "event_type", "shipment.ShipmentBooked")).not.toContain("shipment.");
    expect(cell(en, "event_type", "shipment.ShipmentBooked")).toBe("Shipment booked");
    expect(cell(en, "beneficiary", "Ningbo Trading")).toBe("Ningbo Trading");
    expect(cell(en, "amount", null)).toBe("—");
    expect(cell(en, "x", { a: 1 })).toBe('{"a":1}');
  });
});
