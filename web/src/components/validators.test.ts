import { describe, expect, it } from "vitest";
import { commodityCode, containerNumber, email, inn, positiveDecimal, unLocode, validate } from "./validators";

describe("form rules mirror the API's", () => {
  it("checks INN check digits for organisations and individuals", () => {
    expect(inn("7707083893")).toBeNull(); // Sberbank
    expect(inn("7707083894")).toMatch(/check digit/);
    expect(inn("500100732259")).toBeNull();
    expect(inn("500100732258")).toMatch(/check digit/);
    expect(inn("12345")).toMatch(/10 or 12/);
  });

  it("checks ISO 6346 container check digits", () => {
    expect(containerNumber("CSQU3054383")).toBeNull();
    expect(containerNumber("CSQU3054384")).toMatch(/check digit/);
    expect(containerNumber("CSQ3054383")).toMatch(/e\.g\./);
  });

  it("checks codes and amounts", () => {
    expect(unLocode("RUMOW")).toBeNull();
    expect(unLocode("Moscow")).not.toBeNull();
    expect(commodityCode("8471 30 000 0")).toBeNull();
    expect(commodityCode("8471")).not.toBeNull();
    expect(positiveDecimal("12,5")).toBeNull();
    expect(positiveDecimal("-1")).not.toBeNull();
    expect(email("a@b.ru")).toBeNull();
  });

  it("reports the first failing rule per field", () => {
    expect(validate({ inn: "", email: "x" }, { inn: [(v) => (v ? null : "required"), inn], email: [email] })).toEqual({
      inn: "required",
      email: "not an email address",
    });
  });
});
