import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatNumber, formatWeight, isLocale } from "./format";

// Intl separates groups with a narrow no-break space in Russian; compare with plain spaces.
const plain = (text: string): string => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatting by locale", () => {
  it("writes EDI's normalised decimals plainly", () => {
    expect(plain(formatNumber("4.2E+3", "ru"))).toBe("4 200");
    expect(formatNumber("4.2E+3", "en")).toBe("4,200");
    expect(plain(formatWeight("1250.5", "ru"))).toBe("1 250,5 кг");
    expect(formatWeight("1250.5", "en")).toBe("1,250.5 kg");
  });

  it("formats money with the currency's symbol and two decimals", () => {
    expect(plain(formatMoney("1234.5", "RUB", "ru"))).toBe("1 234,50 ₽");
    expect(formatMoney("1234.5", "USD", "en")).toBe("US$1,234.50");
    expect(formatMoney(null, "USD", "en")).toBe("—");
  });

  it("formats dates without shifting them across time zones", () => {
    expect(formatDate("2026-11-30", "en")).toBe("30 Nov 2026");
    expect(formatDate("2026-11-30", "ru")).toMatch(/^30 нояб\.? 2026/);
    expect(formatDate(undefined, "ru")).toBe("—");
  });

  it("recognises only the supported locales", () => {
    expect(isLocale("ru")).toBe(true);
    expect(isLocale("de")).toBe(false);
  });
});
