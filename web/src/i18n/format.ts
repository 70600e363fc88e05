// Locale-aware formatting of dates, numbers, money and weights: one place, so every page agrees.
export type Locale = "ru" | "en";

export const LOCALES: readonly Locale[] = ["ru", "en"];

const intlLocale: Record<Locale, string> = { ru: "ru-RU", en: "en-GB" };

// Building an Intl formatter costs far more than using one (a table of 200 rows builds hundreds):
// one per locale and options, kept for the page's life.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(options)}`;
  let found = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!found) formatters.set(key, (found = new Intl.NumberFormat(intlLocale[locale], options)));
  return found;
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale}|${JSON.stringify(options)}`;
  let found = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!found) formatters.set(key, (found = new Intl.DateTimeFormat(intlLocale[locale], options)));
  return found;
}

export function isLocale(value: unknown): value is Locale {
  return value === "ru" || value === "en";
}

export function formatDate(value: string | null | undefined, locale: Locale): string {
  if (!value) return "—";
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return value;
  return dateFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

export function formatDateTime(value: string | null | undefined, locale: Locale): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return dateFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A decimal as the API sends it (a string such as "4200.50" or "4.2E+3") in plain locale notation. */
export function formatNumber(value: string | number | null | undefined, locale: Locale, digits?: number): string {
  if (value === null || value === undefined || value === "") return "—";
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(number)) return String(value);
  const options: Intl.NumberFormatOptions =
    digits === undefined ? { maximumFractionDigits: 6 } : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return numberFormat(locale, options).format(number);
}

export function formatMoney(amount: string | number | null | undefined, currency: string | null | undefined, locale: Locale): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const number = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(number)) return String(amount);
  if (!currency || !/^[A-Z]{3}$/.test(currency)) return formatNumber(number, locale, 2);
  return numberFormat(locale, { style: "currency", currency }).format(number);
}

export function formatWeight(kilograms: string | number | null | undefined, locale: Locale): string {
  if (kilograms === null || kilograms === undefined || kilograms === "") return "—";
  return `${formatNumber(kilograms, locale)} ${locale === "ru" ? "кг" : "kg"}`;
}
