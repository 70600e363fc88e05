import { describe, expect, it } from "vitest";
import { listOf } from "./edi";
import { stockBySku } from "./operations";

describe("warehouse stock by SKU", () => {
  it("adds up each SKU over its locations, decimals included", () => {
    const lines = [
      { location: "A-01-01", sku: "TIRE", quantity: "300" },
      { location: "DOCK-1", sku: "COF", quantity: "2.5" },
      { location: "A-01-02", sku: "TIRE", quantity: "20" },
      { location: "A-01-01", sku: "COF", quantity: "0.5" },
    ];
    expect(stockBySku(lines)).toEqual([
      { sku: "COF", quantity: 3, locations: "DOCK-1, A-01-01" },
      { sku: "TIRE", quantity: 320, locations: "A-01-01, A-01-02" },
    ]);
  });
});

describe("EDI partner list fields", () => {
  it("reads comma-separated sender ids, dropping blanks", () => {
    expect(listOf(" 4012345000009, MAEU ,, ")).toEqual(["4012345000009", "MAEU"]);
  });
});
