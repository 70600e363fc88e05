// Signing in, registering, resetting a password and verifying an email.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, type TokenAnswer } from "../api/client";
import { useSession } from "../api/session";
import { ErrorNotice, LanguageSelect, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { email as emailRule, required, validate } from "../components/validators";
import { useI18n } from "../i18n/I18n";

function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="auth">
      <main className="auth-card" id="main">
        <p className="brand">{t("app.name")}</p>
        <p className="muted">{t("app.tagline")}</p>
        <h1>{title}</h1>
        {children}
        <LanguageSelect className="language" />
      </main>
    </div>
  );
}

export function SignIn() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [values, setValues] = useState({ email: "", password: "" });
  const [local, setLocal] = useState<Record<string, string>>({});
  // No navigation after signing in: the signed-in routes take over at the same address, so a deep link survives
  // signing in, and a click made the moment the shell appears is not undone by a late redirect to "/".
  const command = useCommand(async (v: typeof values) => signIn(v.email, v.password));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems = validate(values, { email: [required, emailRule], password: [required] });
    setLocal(problems);
    if (Object.keys(problems).length === 0) void command.run(values);
  };
  const errors = { ...command.fieldErrors, ...local };
  return (
    <AuthFrame title={t("auth.signIn")}>
      <form onSubmit={submit} noValidate>
        <TextField label={t("auth.email")} name="email" type="email" autoComplete="username" value={values.email}
          onChange={(email) => setValues({ ...values, email })} error={errors.email} />
        <TextField label={t("auth.password")} name="password" type="password" autoComplete="current-password"
          value={values.password} onChange={(password) => setValues({ ...values, password })} error={errors.password} />
        <ErrorNotice error={command.error} />
        <button type="submit" disabled={command.pending}>{t("auth.signInAction")}</button>
      </form>
      <p><Link to="/forgot-password">{t("auth.forgot")}</Link></p>
      <p>{t("auth.noAccount")} <Link to="/register">{t("auth.register")}</Link></p>
    </AuthFrame>
  );
}

export function Register() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [values, setValues] = useState({ email: "", password: "", first_name: "", last_name: "" });
  const command = useCommand(
    async (v: typeof values) => {
      await api.post("/api/auth/register", v);
      await signIn(v.email, v.password);
    },
    { onDone: () => navigate("/company") },
  );
  const set = (name: keyof typeof values) => (value: string) => setValues({ ...values, [name]: value });
  return (
    <AuthFrame title={t("auth.register")}>
      <form onSubmit={(e) => { e.preventDefault(); void command.run(values); }} noValidate>
        <TextField label={t("auth.firstName")} name="first_name" value={values.first_name} onChange={set("first_name")}
          error={command.fieldErrors.first_name} autoComplete="given-name" />
        <TextField label={t("auth.lastName")} name="last_name" value={values.last_name} onChange={set("last_name")}
          error={command.fieldErrors.last_name} autoComplete="family-name" />
        <TextField label={t("auth.email")} name="email" type="email" value={values.email} onChange={set("email")}
          error={command.fieldErrors.email} autoComplete="username" />
        <TextField label={t("auth.password")} name="password" type="password" value={values.password}
          onChange={set("password")} error={command.fieldErrors.password} autoComplete="new-password" />
        <ErrorNotice error={command.error} />
        <button type="submit" disabled={command.pending}>{t("auth.registerAction")}</button>
      </form>
      <p>{t("auth.haveAccount")} <Link to="/sign-in">{t("auth.signIn")}</Link></p>
    </AuthFrame>
  );
}

export function ForgotPassword() {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const command = useCommand((value: string) => api.post("/api/auth/forgot-password", { email: value }), {
    onDone: () => setSent(true),
  });
  return (
    <AuthFrame title={t("auth.forgotTitle")}>
      {sent ? (
        <p role="status">{t("auth.forgotSent")}</p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void command.run(email); }} noValidate>
          <TextField label={t("auth.email")} name="email" type="email" value={email} onChange={setEmail}
            error={command.fieldErrors.email} />
          <ErrorNotice error={command.error} />
          <button type="submit" disabled={command.pending}>{t("auth.send")}</button>
        </form>
      )}
      <p><Link to="/sign-in">{t("auth.signIn")}</Link></p>
    </AuthFrame>
  );
}

export function ResetPassword() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [values, setValues] = useState({ token: params.get("token") ?? "", new_password: "" });
  const [done, setDone] = useState(false);
  const command = useCommand((v: typeof values) => api.post("/api/auth/reset-password", v), { onDone: () => setDone(true) });
  return (
    <AuthFrame title={t("auth.reset")}>
      {done ? (
        <p role="status">{t("auth.resetDone")} <Link to="/sign-in">{t("auth.signIn")}</Link></p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void command.run(values); }} noValidate>
          <TextField label={t("auth.token")} name="token" value={values.token}
            onChange={(token) => setValues({ ...values, token })} error={command.fieldErrors.token} />
          <TextField label={t("auth.newPassword")} name="new_password" type="password" value={values.new_password}
            onChange={(new_password) => setValues({ ...values, new_password })}
            error={command.fieldErrors.new_password ?? command.fieldErrors.password} autoComplete="new-password" />
          <ErrorNotice error={command.error} />
          <button type="submit" disabled={command.pending}>{t("common.save")}</button>
        </form>
      )}
    </AuthFrame>
  );
}

export function VerifyEmail() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get("token") ?? "");
  const [done, setDone] = useState(false);
  const command = useCommand((value: string) => api.post("/api/auth/verify-email", { token: value }), {
    onDone: () => setDone(true),
  });
  return (
    <AuthFrame title={t("auth.verify")}>
      {done ? (
        <p role="status">{t("auth.verifyDone")} <Link to="/">{t("app.name")}</Link></p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void command.run(token); }} noValidate>
          <TextField label={t("auth.token")} name="token" value={token} onChange={setToken}
            error={command.fieldErrors.token} />
          <ErrorNotice error={command.error} />
          <button type="submit" disabled={command.pending}>{t("auth.send")}</button>
        </form>
      )}
    </AuthFrame>
  );
}

export type { TokenAnswer };
