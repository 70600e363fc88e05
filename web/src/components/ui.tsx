// Small building blocks every page uses: fields with their errors, buttons, cards, badges, notices.
import { useId, type ReactNode } from "react";
import { ApiError } from "../api/errors";
import { LOCALES, type Locale } from "../i18n/format";
import { useI18n } from "../i18n/I18n";

export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (id: string, describedBy: string | undefined, invalid: boolean) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className={props.error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, props.error ? errorId : undefined, Boolean(props.error))}
      {props.hint && !props.error && <small className="hint">{props.hint}</small>}
      {props.error && (
        <small id={errorId} className="field-error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  hint?: string;
  list?: string;
}) {
  return (
    <Field label={props.label} error={props.error} {...(props.hint ? { hint: props.hint } : {})}>
      {(id, describedBy, invalid) => (
        <input
          id={id}
          name={props.name}
          type={props.type ?? "text"}
          value={props.value}
          required={props.required}
          autoComplete={props.autoComplete}
          placeholder={props.placeholder}
          list={props.list}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  options: ReadonlyArray<readonly [string, string]>;
  error?: string | undefined;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {(id, describedBy, invalid) => (
        <select
          id={id}
          name={props.name}
          value={props.value}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.target.value)}
        >
          {props.options.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Card(props: { title?: string; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${props.className ?? ""}`} aria-label={props.title}>
      {(props.title || props.actions) && (
        <header className="card-header">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Badge({ tone, children }: { tone?: string; children: ReactNode }) {
  return <span className={`badge badge-${tone ?? "neutral"}`}>{children}</span>;
}

const STATUS_TONES: Record<string, string> = {
  delivered: "good",
  released: "good",
  applied: "good",
  accepted: "good",
  active: "good",
  validated: "info",
  submitted: "info",
  registered: "info",
  booked: "info",
  in_transit: "info",
  picked_up: "info",
  arrived: "info",
  at_customs: "warn",
  pending: "warn",
  duplicate: "warn",
  draft: "neutral",
  planned: "neutral",
  cancelled: "bad",
  rejected: "bad",
  dead_lettered: "bad",
};

export function StatusBadge({ prefix, status }: { prefix: string; status: string | null | undefined }) {
  const { label } = useI18n();
  return <Badge tone={STATUS_TONES[status ?? ""] ?? "neutral"}>{label(prefix, status)}</Badge>;
}

export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="notice notice-error" role="alert">
      <strong>{t("common.error")}:</strong> {message}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" aria-busy="true">
      {t("common.loading")}
    </p>
  );
}

export function Empty() {
  const { t } = useI18n();
  return <p className="muted">{t("common.empty")}</p>;
}

export function Definition({ items }: { items: ReadonlyArray<readonly [string, ReactNode]> }) {
  return (
    <dl className="definitions">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

export function LanguageSelect({ className }: { className?: string }) {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className={`inline ${className ?? ""}`}>
      <span>{t("nav.language")}</span>
      <select data-testid="language" value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {l === "ru" ? "Русский" : "English"}
          </option>
        ))}
      </select>
    </label>
  );
}
