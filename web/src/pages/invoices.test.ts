import { describe, expect, it } from "vitest";
import { payableFromDocument, payableLineBodies, payableLines } from "./invoices";

describe("a supplier invoice from a verified document", () => {
  const fields = [
    { name: "number", value: "INV-7" },
    { name: "date", value: "2026-11-02" },
    { name: "seller", value: "Ningbo Trading Co." },
    { name: "currency", value: "USD" },
    { name: "items[0].description", value: "Cotton T-shirts" },
    { name: "items[0].quantity", value: "1000" },
    { name: "items[2].description", value: "Wool scarves" },
    { name: "items[2].quantity", value: "20" },
    { name: "items[2].unit_price", value: "4,50" },
  ];

  it("takes the number, date, seller, currency and every line, in order and without gaps", () => {
    const prefill = payableFromDocument(fields);
    expect(prefill).toEqual({
      supplier_invoice_number: "INV-7",
      issued_on: "2026-11-02",
      name: "Ningbo Trading Co.",
      currency: "USD",
      description: "Cotton T-shirts",
      quantity: "1000",
      unit_price: "",
      description_2: "Wool scarves",
      quantity_2: "20",
      unit_price_2: "4,50",
    });
    expect(payableLines(prefill)).toBe(2);
  });

  it("sends every line, numbered, the order's lines following the first", () => {
    const values = { ...payableFromDocument(fields), unit_price: "3", order_line_no: "4" };
    expect(payableLineBodies(values, 2)).toEqual([
      { line_no: 1, description: "Cotton T-shirts", quantity: "1000", unit: "796", unit_price: "3", order_line_no: 4 },
      { line_no: 2, description: "Wool scarves", quantity: "20", unit: "796", unit_price: "4.50", order_line_no: 5 },
    ]);
    expect(payableLineBodies({ ...values, order_line_no: "" }, 1)[0]?.order_line_no).toBeNull();
  });

  it("a document without lines, or no document, gives a form of one line", () => {
    expect(payableLines(payableFromDocument([{ name: "number", value: "X" }]))).toBe(1);
    expect(payableLines({})).toBe(1);
  });
});
