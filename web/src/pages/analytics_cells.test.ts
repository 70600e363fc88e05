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

  it("read ClickHouse's decimals as numbers and a panel's codes in words, by what the panel shows", () => {
    expect(cell(en, "owed", "12500.000000")).toBe("12,500");
    expect(cell(ru, "owed", "-9547.200000")).toBe(formatNumber(-9547.2, "ru"));
    expect(cell(ru, "mode", "sea")).toBe("Море");
    expect(cell(en, "status", "settled", "fx_deals")).toBe("Settled");
    expect(cell(ru, "status", "released", "declarations_by_status")).toBe("Выпуск разрешён");
    expect(cell(ru, "status", "released", "shipments_by_status")).toBe("Выпущена");
    // One column name, two meanings: an invoice's kind on the ageing panel, an exception's kind on logistics.
    expect(cell(ru, "kind", "payable", "payables_ageing")).toBe("Поставщику");
    expect(cell(en, "kind", "delay", "exceptions_by_kind")).toBe("Delay");
    expect(cell(ru, "overdue_days", "not due", "payables_ageing")).toBe("Срок не наступил");
    expect(cell(en, "activity", "field_verified", "document_activity")).toBe("Field verified");
    // A code with no name, or a column that is not a code, stays as it came.
    expect(cell(en, "status", "someday", "fx_deals")).toBe("someday");
    expect(cell(en, "counterparty", "sea")).toBe("sea");
  });
});
