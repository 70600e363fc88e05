import { describe, expect, it } from "vitest";
import { contactsOf } from "./reports";

describe("contactsOf", () => {
  it("splits the contacts field on commas, semicolons and white space, dropping blanks", () => {
    expect(contactsOf(" a@x.ru, b@y.com;\n c@z.org ,, ")).toEqual(["a@x.ru", "b@y.com", "c@z.org"]);
    expect(contactsOf("   ")).toEqual([]);
  });
});
