import { describe, expect, it } from "vitest";
import { MESSAGES, type MessageKey } from "../i18n/messages";
import { fieldLabel } from "./document_fields";

const labelIn = (locale: "ru" | "en") => (prefix: string, raw: string) =>
  MESSAGES[locale][`${prefix}.${raw}` as MessageKey] ?? raw;

describe("fieldLabel", () => {
  it("names each recognised field in words, lines and containers numbered from 1", () => {
    const en = (name: string) => fieldLabel(name, labelIn("en"), MESSAGES.en["documents.fieldLine"]);
    const ru = (name: string) => fieldLabel(name, labelIn("ru"), MESSAGES.ru["documents.fieldLine"]);
    expect(en("total")).toBe("Total");
    expect(ru("total")).toBe("Итого");
    expect(en("seller_inn")).toBe("Seller's INN");
    expect(ru("seller_inn")).toBe("ИНН продавца");
    expect(en("items[0].unit_price")).toBe("Unit price (line 1)");
    expect(ru("items[2].description")).toBe("Описание (строка 3)");
    expect(en("containers[1]")).toBe("Container 2");
    expect(en("something_new")).toBe("something_new"); // a field the console has no words for yet
  });

  it("has words in both languages for every field recognition extracts", () => {
    const fields = ["number", "date", "seller", "seller_inn", "seller_kpp", "buyer", "buyer_inn", "buyer_kpp",
      "currency", "subtotal", "vat_rate", "vat_amount", "total", "packages", "gross_weight_kg", "net_weight_kg",
      "sender", "consignee", "place_of_loading", "place_of_delivery", "description", "quantity", "unit",
      "unit_price", "amount", "container"];
    for (const locale of ["ru", "en"] as const) {
      for (const field of fields) expect(MESSAGES[locale][`documents.fieldNames.${field}` as MessageKey], `${locale} ${field}`).toBeTruthy();
    }
  });
});
