// The chosen language: remembered in the browser and in the user's profile (`locale`), so it follows them.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { formatDate, formatDateTime, formatMoney, formatNumber, formatWeight, isLocale, type Locale } from "./format";
import { MESSAGES, type MessageKey } from "./messages";

const STORAGE_KEY = "wellwon.locale";

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey): string;
  /** A key built from data (a status, a role), falling back to the raw value when not translated. */
  label(prefix: string, value: string | null | undefined): string;
  date(value: string | null | undefined): string;
  dateTime(value: string | null | undefined): string;
  number(value: string | number | null | undefined, digits?: number): string;
  money(amount: string | number | null | undefined, currency: string | null | undefined): string;
  weight(kilograms: string | number | null | undefined): string;
}

function initialLocale(): Locale {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  if (isLocale(stored)) return stored;
  return typeof navigator !== "undefined" && navigator.language.toLowerCase().startsWith("en") ? "en" : "ru";
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children, onChange }: { children: ReactNode; onChange?: (locale: Locale) => void }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback(
    (next: Locale) => {
      localStorage.setItem(STORAGE_KEY, next);
      document.documentElement.lang = next;
      setLocaleState(next);
      onChange?.(next);
    },
    [onChange],
  );
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[locale];
    return {
      locale,
      setLocale,
      t: (key) => messages[key],
      label: (prefix, raw) => {
        if (!raw) return "—";
        const key = `${prefix}.${raw}` as MessageKey;
        return messages[key] ?? raw;
      },
      date: (v) => formatDate(v, locale),
      dateTime: (v) => formatDateTime(v, locale),
      number: (v, digits) => formatNumber(v, locale, digits),
      money: (a, c) => formatMoney(a, c, locale),
      weight: (v) => formatWeight(v, locale),
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const found = useContext(I18nContext);
  if (!found) throw new Error("useI18n outside I18nProvider");
  return found;
}
