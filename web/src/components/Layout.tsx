// The frame of every signed-in page: navigation, company switcher, language, live status.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { NavLink } from "react-router";
import { api, currentToken, onTokenChange } from "../api/client";
import { useSession } from "../api/session";
import { isLocale } from "../i18n/format";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/messages";
import { connectLive } from "../live/socket";
import { NotificationBell } from "../pages/notifications_bell";
import { LanguageSelect } from "./ui";

const NAVIGATION: ReadonlyArray<readonly [string, MessageKey]> = [
  ["/shipments", "nav.shipments"],
  ["/warehouses", "nav.warehouses"],
  ["/edi", "nav.edi"],
  ["/declarations", "nav.declarations"],
  ["/tariff", "nav.tariff"],
  ["/purchase-orders", "nav.purchaseOrders"],
  ["/invoices", "nav.invoices"],
  ["/documents", "nav.documents"],
  ["/chat", "nav.chat"],
  ["/compliance", "nav.compliance"],
  ["/refund-claims", "nav.refundClaims"],
  ["/reports", "nav.reports"],
  ["/payments", "nav.payments"],
  ["/ledger", "nav.ledger"],
  ["/analytics", "nav.analytics"],
  ["/audit", "nav.audit"],
  ["/company", "nav.company"],
];

function useLive(): boolean {
  const client = useQueryClient();
  const { signOut } = useSession();
  const [connected, setConnected] = useState(false);
  const [token, setToken] = useState(currentToken());
  useEffect(() => onTokenChange(setToken), []);
  useEffect(() => {
    if (!token) return undefined;
    const connection = connectLive(client, token, undefined, setConnected);
    return () => connection.close();
  }, [client, token, signOut]);
  return connected;
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, setLocale } = useI18n();
  const { account, companies, company, switchCompany, signOut } = useSession();
  const connected = useLive();
  // The chat's unread total beside its entry (refreshed by every chat event, like the chat's own queries).
  const unread = useQuery({
    queryKey: ["chat", "unread"],
    queryFn: () => api.get<{ unread: number }>("/api/chat/unread"),
    enabled: Boolean(company),
  }).data?.unread ?? 0;
  // The language saved in the profile follows the user to this browser.
  const saved = account?.locale;
  useEffect(() => {
    if (isLocale(saved) && saved !== localStorage.getItem("wellwon.locale")) setLocale(saved);
  }, [saved, setLocale]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t("nav.skip")}
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          {t("app.name")}
        </NavLink>
        <div className="topbar-controls">
          {companies.length > 0 && (
            <label className="inline">
              <span>{t("nav.companySwitch")}</span>
              <select
                data-testid="company-switch"
                value={company?.id ?? ""}
                onChange={(e) => void switchCompany(e.target.value)}
              >
                {!company && <option value="">—</option>}
                {companies.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name ?? c.legal_name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <LanguageSelect />
          <NotificationBell />
          <span className={connected ? "live live-on" : "live"} title={connected ? t("nav.live") : t("nav.offline")}>
            <span aria-hidden="true">●</span>
            <span className="visually-hidden">{connected ? t("nav.live") : t("nav.offline")}</span>
          </span>
          <NavLink to="/profile" className="account">
            {account ? [account.first_name, account.last_name].filter(Boolean).join(" ") || account.email : ""}
          </NavLink>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="main">
        <ul>
          {NAVIGATION.map(([path, key]) => (
            <li key={path}>
              <NavLink to={path}>
                {t(key)}
                {path === "/chat" && unread > 0 && (
                  <span className="badge badge-info nav-badge" data-testid="chat-unread">
                    {unread}
                  </span>
                )}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} className="content" data-live={connected ? "on" : "off"}>
        {children}
      </main>
    </div>
  );
}
