// The same rules the API applies, checked as the user types so most mistakes never make a round trip.
// The API stays the judge: its field errors are shown in the same place.

export type Validator = (value: string) => string | null;

export const required: Validator = (value) => (value.trim() ? null : "required");

export const email: Validator = (value) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()) ? null : "not an email address";

export const unLocode: Validator = (value) =>
  /^[A-Z]{2}[A-Z2-9]{3}$/.test(value.trim().toUpperCase()) ? null : "a UN/LOCODE has 5 characters, e.g. RUMOW";

export const commodityCode: Validator = (value) =>
  /^\d{10}$/.test(value.replace(/\s/g, "")) ? null : "a commodity code has 10 digits";

export const countryCode: Validator = (value) => (/^[A-Z]{2}$/.test(value.trim()) ? null : "two letters, e.g. CN");

export const currencyCode: Validator = (value) => (/^[A-Z]{3}$/.test(value.trim()) ? null : "three letters, e.g. USD");

export const positiveDecimal: Validator = (value) =>
  /^\d+(\.\d+)?$/.test(value.trim().replace(",", ".")) && Number(value.replace(",", ".")) > 0
    ? null
    : "a positive number";

const INN_WEIGHTS_10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function checkDigit(digits: number[], weights: number[]): number {
  return (weights.reduce((sum, weight, i) => sum + weight * (digits[i] ?? 0), 0) % 11) % 10;
}

/** Russian taxpayer number: 10 digits (organisations) or 12 (individuals), with their check digits. */
export const inn: Validator = (value) => {
  const text = value.trim();
  if (!/^\d{10}(\d{2})?$/.test(text)) return "an INN has 10 or 12 digits";
  const digits = [...text].map(Number);
  const valid =
    text.length === 10
      ? checkDigit(digits, INN_WEIGHTS_10) === digits[9]
      : checkDigit(digits, INN_WEIGHTS_11) === digits[10] && checkDigit(digits, INN_WEIGHTS_12) === digits[11];
  return valid ? null : "the INN's check digit does not match";
};

/** ISO 6346 container number: owner code, category, serial and check digit. */
export const containerNumber: Validator = (value) => {
  const text = value.trim().toUpperCase();
  if (!/^[A-Z]{3}[UJZ]\d{7}$/.test(text)) return "e.g. MSCU1234565";
  const letterValue = (c: string): number => {
    const values = "0123456789A?BCDEFGHIJK?LMNOPQRSTU?VWXYZ";
    return values.indexOf(c);
  };
  const sum = [...text.slice(0, 10)].reduce((total, c, i) => total + letterValue(c) * 2 ** i, 0);
  return (sum % 11) % 10 === Number(text[10]) ? null : "the container's check digit does not match";
};

export function validate(values: Record<string, string>, rules: Record<string, Validator[]>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, validators] of Object.entries(rules)) {
    for (const rule of validators) {
      const problem = rule(values[field] ?? "");
      if (problem) {
        errors[field] = problem;
        break;
      }
    }
  }
  return errors;
}
