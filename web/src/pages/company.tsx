// The company: details, participants and their roles, invitations; creating one; accepting an invitation; the profile.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, type TokenAnswer } from "../api/client";
import { useSession } from "../api/session";
import { Card, Definition, ErrorNotice, Loading, SelectField, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useEntry } from "../components/useEntry";
import { inn as innRule, validate } from "../components/validators";
import { LOCALES, type Locale } from "../i18n/format";
import { useI18n } from "../i18n/I18n";

const ROLES = ["owner", "admin", "operator", "accountant", "viewer"];

interface CompanyJson {
  id: string;
  legal_name: string;
  name: string;
  country: string;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  vat_number: string | null;
  legal_address?: { country: string; city: string; street: string; postal_code: string | null } | null;
  status: string;
}

interface Participant {
  user_id: string;
  role: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  joined_at: string;
}

interface Invitation {
  id: string;
  email: string;
  role: string;
  status: string;
  expires_at: string;
}

export function CompanyPage() {
  const { t, label, date } = useI18n();
  const { company } = useSession();
  const id = company?.id;
  const details = useQuery({ queryKey: ["companies", id], queryFn: () => api.get<CompanyJson>(`/api/companies/${id ?? ""}`), enabled: Boolean(id) });
  const participants = useQuery({ queryKey: ["participants", id], queryFn: () => api.get<Participant[]>(`/api/companies/${id ?? ""}/participants`), enabled: Boolean(id) });
  const invitations = useQuery({ queryKey: ["invitations", id], queryFn: () => api.get<Invitation[]>(`/api/companies/${id ?? ""}/invitations`), enabled: Boolean(id) });
  const { values: invite, setValues: setInvite, sending, done } = useEntry(() => ({ email: "", role: "operator" }));
  const sendInvite = useCommand((v: typeof invite, key: string) => api.post(`/api/companies/${id ?? ""}/invitations`, v, key), {
    invalidates: [["invitations", id]],
    onDone: done,
  });
  if (!company) return <CreateCompany />;
  if (details.isPending) return <Loading />;
  if (!details.data) return <ErrorNotice error={details.error} />;
  const c = details.data;
  const canManage = company.role === "owner" || company.role === "admin";
  return (
    <>
      <h1>{c.name}</h1>
      <div className="grid">
        <Card title={t("company.details")}>
          <Definition items={[
            [t("company.legalName"), c.legal_name],
            [t("common.country"), c.country],
            [t("company.inn"), c.inn ?? "—"],
            [t("company.kpp"), c.kpp ?? "—"],
            [t("company.ogrn"), c.ogrn ?? "—"],
            [t("company.vat"), c.vat_number ?? "—"],
            [t("company.role"), label("company.roles", company.role)],
          ]} />
        </Card>
        <Card title={t("company.participants")}>
          <table className="data-table compact" data-testid="participants">
            <thead><tr><th scope="col">{t("common.name")}</th><th scope="col">{t("auth.email")}</th><th scope="col">{t("company.role")}</th></tr></thead>
            <tbody>
              {(participants.data ?? []).map((p) => (
                <tr key={p.user_id}><td>{[p.first_name, p.last_name].filter(Boolean).join(" ")}</td><td className="address">{p.email}</td><td>{label("company.roles", p.role)}</td></tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title={t("company.invitations")}>
          <ul className="plain" data-testid="invitations">
            {(invitations.data ?? []).map((i) => (
              <li key={i.id}>{i.email} · {label("company.roles", i.role)} · {label("company.invitationStatuses", i.status)} · {t("company.expires")} {date(i.expires_at)}</li>
            ))}
          </ul>
          {canManage && (
            <form onSubmit={(e) => { e.preventDefault(); void sendInvite.run(sending(invite)); }} aria-label={t("company.invite")}>
              <TextField label={t("auth.email")} name="invite_email" type="email" value={invite.email}
                onChange={(email) => setInvite({ ...invite, email })} error={sendInvite.fieldErrors.email} />
              <SelectField label={t("company.role")} name="invite_role" value={invite.role} onChange={(role) => setInvite({ ...invite, role })}
                options={ROLES.filter((r) => r !== "owner").map((r) => [r, label("company.roles", r)] as const)} />
              <ErrorNotice error={sendInvite.error} />
              <button type="submit" disabled={sendInvite.pending}>{t("company.invite")}</button>
            </form>
          )}
        </Card>
      </div>
    </>
  );
}

function CreateCompany() {
  const { t } = useI18n();
  const { companies, switchCompany } = useSession();
  const [values, setValues] = useState({ legal_name: "", name: "", country: "RU", inn: "", city: "", street: "" });
  const [problems, setProblems] = useState<Record<string, string>>({});
  const create = useCommand(
    (v: typeof values, key: string) =>
      api.post<{ id: string }>("/api/companies", {
        legal_name: v.legal_name, name: v.name, country: v.country, inn: v.inn || null,
        legal_address: { country: v.country, city: v.city, street: v.street },
      }, key),
    { onDone: (created) => void switchCompany(created.id) },
  );
  const set = (name: keyof typeof values) => (value: string) => setValues({ ...values, [name]: value });
  const submit = () => {
    const found = values.country === "RU" && values.inn ? validate(values, { inn: [innRule] }) : {};
    setProblems(found);
    if (Object.keys(found).length === 0) void create.run(values);
  };
  const errors = { ...create.fieldErrors, ...problems };
  return (
    <>
      <h1>{t("company.create")}</h1>
      {companies.length === 0 && <p className="muted">{t("company.noCompany")}</p>}
      <Card>
        <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
          <TextField label={t("company.legalName")} name="legal_name" value={values.legal_name} onChange={set("legal_name")} error={errors.legal_name} />
          <TextField label={t("common.name")} name="name" value={values.name} onChange={set("name")} error={errors.name} />
          <TextField label={t("common.country")} name="country" value={values.country} onChange={set("country")} error={errors.country} />
          <TextField label={t("company.inn")} name="inn" value={values.inn} onChange={set("inn")} error={errors.inn} />
          <TextField label="Город / City" name="city" value={values.city} onChange={set("city")} error={errors["legal_address.city"]} />
          <TextField label="Адрес / Street" name="street" value={values.street} onChange={set("street")} error={errors["legal_address.street"]} />
          <ErrorNotice error={create.error} />
          <button type="submit" disabled={create.pending}>{t("common.create")}</button>
        </form>
      </Card>
    </>
  );
}

export function AcceptInvitation() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const { adopt } = useSession();
  const navigate = useNavigate();
  const [token, setToken] = useState(params.get("token") ?? "");
  const accept = useCommand((value: string, key: string) => api.post<TokenAnswer>("/api/invitations/accept", { token: value }, key), {
    onDone: (tokens) => {
      if (tokens && "access_token" in tokens) adopt(tokens);
      navigate("/company");
    },
  });
  return (
    <>
      <h1>{t("company.acceptInvitation")}</h1>
      <form onSubmit={(e) => { e.preventDefault(); void accept.run(token); }}>
        <TextField label={t("auth.token")} name="token" value={token} onChange={setToken} error={accept.fieldErrors.token} />
        <ErrorNotice error={accept.error} />
        <button type="submit" disabled={accept.pending}>{t("company.acceptInvitation")}</button>
      </form>
    </>
  );
}

export function Profile() {
  const { t, locale, setLocale } = useI18n();
  const { account } = useSession();
  const [values, setValues] = useState({ first_name: account?.first_name ?? "", last_name: account?.last_name ?? "", phone: account?.phone ?? "" });
  const save = useCommand((v: typeof values) => api.patch("/api/auth/profile", v), { invalidates: [["me"]] });
  const [passwords, setPasswords] = useState({ current_password: "", new_password: "" });
  const change = useCommand((v: typeof passwords) => api.post("/api/auth/change-password", v));
  if (!account) return <Loading />;
  return (
    <>
      <h1>{t("profile.title")}</h1>
      <div className="grid">
        <Card title={account.email}>
          <form onSubmit={(e) => { e.preventDefault(); void save.run(values); }}>
            <TextField label={t("auth.firstName")} name="first_name" value={values.first_name} onChange={(first_name) => setValues({ ...values, first_name })} error={save.fieldErrors.first_name} />
            <TextField label={t("auth.lastName")} name="last_name" value={values.last_name} onChange={(last_name) => setValues({ ...values, last_name })} error={save.fieldErrors.last_name} />
            <TextField label={t("auth.phone")} name="phone" value={values.phone} onChange={(phone) => setValues({ ...values, phone })} error={save.fieldErrors.phone} />
            <SelectField label={t("profile.language")} name="locale" value={locale} onChange={(l) => setLocale(l as Locale)}
              options={LOCALES.map((l) => [l, l === "ru" ? "Русский" : "English"] as const)} />
            <ErrorNotice error={save.error} />
            <button type="submit" disabled={save.pending}>{t("common.save")}</button>
          </form>
        </Card>
        <Card title={t("auth.changePassword")}>
          <form onSubmit={(e) => { e.preventDefault(); void change.run(passwords); }}>
            <TextField label={t("auth.currentPassword")} name="current_password" type="password" value={passwords.current_password}
              onChange={(current_password) => setPasswords({ ...passwords, current_password })} error={change.fieldErrors.current_password} autoComplete="current-password" />
            <TextField label={t("auth.newPassword")} name="new_password" type="password" value={passwords.new_password}
              onChange={(new_password) => setPasswords({ ...passwords, new_password })} error={change.fieldErrors.new_password} autoComplete="new-password" />
            <ErrorNotice error={change.error} />
            <button type="submit" disabled={change.pending}>{t("common.save")}</button>
          </form>
        </Card>
      </div>
    </>
  );
}
