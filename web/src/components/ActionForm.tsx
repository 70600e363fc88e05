// A command as a form, declared as data: its fields (with the same rules as the API) and how the
// values become the request. Every action on a page is one of these, so each looks and behaves alike.
import { useState, type FormEvent } from "react";
import type { QueryKey } from "@tanstack/react-query";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/messages";
import { ErrorNotice, SelectField, TextField } from "./ui";
import { useCommand } from "./useCommand";
import { useEntry } from "./useEntry";
import { validate, type Validator } from "./validators";

export interface FieldSpec {
  name: string;
  label: MessageKey;
  /** Said after the label, when several fields share one (which line). */
  note?: string;
  rules?: Validator[];
  options?: ReadonlyArray<readonly [string, string]>;
  type?: string;
  initial?: string;
  /** Where the API names this field in its errors, when it differs from `name`. */
  apiPath?: string;
}

export interface ActionSpec {
  title: MessageKey;
  fields: FieldSpec[];
  send: (values: Record<string, string>, idempotencyKey: string) => Promise<unknown>;
  invalidates: QueryKey[];
  submitLabel?: MessageKey;
  testId?: string;
}

function initialValues(fields: FieldSpec[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, f.initial ?? f.options?.[0]?.[0] ?? ""]));
}

export function ActionForm({ spec }: { spec: ActionSpec }) {
  const { t } = useI18n();
  const { values, setValues, sending, done } = useEntry(() => initialValues(spec.fields));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const command = useCommand(spec.send, { invalidates: spec.invalidates, onDone: done });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validate(values, Object.fromEntries(spec.fields.map((f) => [f.name, f.rules ?? []])));
    setProblems(found);
    if (Object.keys(found).length === 0) void command.run(sending(values));
  };
  return (
    <form onSubmit={submit} aria-label={t(spec.title)} data-testid={spec.testId} className="action-form" noValidate>
      <h3>{t(spec.title)}</h3>
      {spec.fields.map((field) => {
        const label = field.note ? `${t(field.label)} ${field.note}` : t(field.label);
        const error = problems[field.name] ?? command.fieldErrors[field.apiPath ?? field.name];
        const set = (value: string) => setValues({ ...values, [field.name]: value });
        return field.options ? (
          <SelectField key={field.name} label={label} name={field.name} value={values[field.name] ?? ""}
            onChange={set} options={field.options} error={error} />
        ) : (
          <TextField key={field.name} label={label} name={field.name} type={field.type} value={values[field.name] ?? ""}
            onChange={set} error={error} />
        );
      })}
      <ErrorNotice error={command.error} />
      <button type="submit" disabled={command.pending}>{t(spec.submitLabel ?? spec.title)}</button>
    </form>
  );
}
