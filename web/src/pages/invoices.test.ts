import { describe, expect, it } from "vitest";
import { payableFromDocument } from "./invoices";

describe("a supplier invoice from a verified document", () => {
  it("takes the number, date, seller, currency and first line, and leaves what the document lacks empty", () => {
    const fields = [
      { name: "number", value: "INV-7" },
      { name: "date", value: "2026-11-02" },
      { name: "seller", value: "Ningbo Trading Co." },
      { name: "currency", value: "USD" },
      { name: "items[0].description", value: "Cotton T-shirts" },
      { name: "items[0].quantity", value: "1000" },
      { name: "items[1].description", value: "Second line" },
    ];
    expect(payableFromDocument(fields)).toEqual({
      supplier_invoice_number: "INV-7",
      issued_on: "2026-11-02",
      name: "Ningbo Trading Co.",
      currency: "USD",
      description: "Cotton T-shirts",
      quantity: "1000",
      unit_price: "",
    });
  });
});
