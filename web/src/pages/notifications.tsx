// Notifications: the bell's unread count, the inbox (read state, links to what each is about) and the
// preferences (channels per kind, quiet hours in the user's time zone). Titles and bodies are the platform's
// text, which may carry a partner's or a colleague's words: React renders them as text, never as HTML.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import { Badge, Card, Empty, ErrorNotice, Loading, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/messages";
import { INBOX_KEY, type Notification, useInbox } from "./notifications_bell";

interface QuietHours {
  start: string;
  end: string;
  timezone: string;
}

interface Preferences {
  channels: Record<string, string[]>;
  quiet_hours: QuietHours | null;
  kinds: { kind: string; severity: string; digest: boolean; default_channels: string[] }[];
  channels_available: string[];
  telegram_linked: boolean;
}

interface TelegramState {
  available: boolean;
  linked: boolean;
  username: string | null;
  linked_at: string | null;
}

interface TelegramCode {
  code: string;
  deep_link: string;
  bot_username: string;
  expires_at: string;
}

const TELEGRAM_KEY = [...INBOX_KEY, "telegram"] as const;

const CHANNELS = ["in_app", "email", "telegram"] as const;
const TONES: Record<string, string> = { critical: "bad", warning: "warn", info: "info" };

// Where the console shows the aggregate a notification is about.
const PAGES: Record<string, string> = {
  shipment: "/shipments",
  customs_declaration: "/declarations",
  invoice: "/invoices",
  edi_partner: "/edi",
};

export function objectPath(n: Pick<Notification, "aggregate_type" | "aggregate_id">): string | null {
  const base = PAGES[n.aggregate_type];
  return base ? `${base}/${encodeURIComponent(n.aggregate_id)}` : null;
}

function NotificationItem({ item }: { item: Notification }) {
  const { t, dateTime } = useI18n();
  const read = useCommand(() => api.post(`/api/notifications/${item.id}/read`), { invalidates: [[...INBOX_KEY]] });
  const path = objectPath(item);
  return (
    <li className={item.read_at ? "notification" : "notification notification-unread"} data-testid="notification">
      <div>
        <Badge tone={TONES[item.severity] ?? "neutral"}>{t(`notifications.severity.${item.severity}` as MessageKey)}</Badge>{" "}
        <strong>{path ? <Link to={path}>{item.title}</Link> : item.title}</strong>
      </div>
      <p>{item.body}</p>
      <small className="muted">{dateTime(item.created_at)}</small>{" "}
      {!item.read_at && (
        <button type="button" className="secondary" disabled={read.pending} onClick={() => void read.run(undefined)}
          aria-label={`${t("notifications.markRead")}: ${item.title}`}>
          {t("notifications.markRead")}
        </button>
      )}
      <ErrorNotice error={read.error} />
    </li>
  );
}

export function NotificationInbox() {
  const { t } = useI18n();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const inbox = useInbox(unreadOnly);
  const readAll = useCommand(() => api.post("/api/notifications/read-all"), { invalidates: [[...INBOX_KEY]] });
  return (
    <Card
      title={t("notifications.title")}
      actions={
        <>
          <label className="inline">
            <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
            <span>{t("notifications.unreadOnly")}</span>
          </label>
          <button type="button" className="secondary" disabled={readAll.pending || !inbox.data?.unread}
            onClick={() => void readAll.run(undefined)}>
            {t("notifications.markAllRead")}
          </button>
          <Link to="/notifications/preferences">{t("notifications.preferences")}</Link>
        </>
      }
    >
      <ErrorNotice error={inbox.error ?? readAll.error} />
      {inbox.isPending ? (
        <Loading />
      ) : inbox.data?.notifications.length ? (
        <ul className="notifications" data-testid="inbox">
          {inbox.data.notifications.map((n) => (
            <NotificationItem key={n.id} item={n} />
          ))}
        </ul>
      ) : (
        <Empty />
      )}
    </Card>
  );
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// Linking Telegram: a one-time code opened as the bot's deep link (`/start <code>`), the link's state, unlinking.
// The preferences' Telegram column is enabled once linked (the server says so in `channels_available`).
export function TelegramLink() {
  const { t, dateTime } = useI18n();
  const state = useQuery({ queryKey: [...TELEGRAM_KEY], queryFn: () => api.get<TelegramState>("/api/notifications/telegram") });
  const [code, setCode] = useState<TelegramCode | null>(null);
  const queries = useQueryClient();
  const linkedNow = state.data?.linked;
  // The preferences' Telegram column depends on the link: asked again whenever the link's state changes.
  useEffect(() => {
    if (linkedNow !== undefined) void queries.invalidateQueries({ queryKey: [...INBOX_KEY, "preferences"] });
  }, [linkedNow, queries]);
  const ask = useCommand(async () => setCode(await api.post<TelegramCode>("/api/notifications/telegram/link")), {
    invalidates: [[...TELEGRAM_KEY]],
  });
  const unlink = useCommand(async () => {
    await api.delete("/api/notifications/telegram");
    setCode(null);
  }, { invalidates: [[...INBOX_KEY]] });
  if (state.isPending) return <Loading />;
  if (!state.data) return <ErrorNotice error={state.error} />;
  const linked = state.data;
  return (
    <Card title={t("telegram.title")}
      actions={
        <button type="button" className="secondary" disabled={state.isFetching}
          onClick={() => void state.refetch()}>{t("telegram.refresh")}</button>
      }>
      <div data-testid="telegram-link">
        {!linked.available ? (
          <p className="muted">{t("telegram.unavailable")}</p>
        ) : linked.linked ? (
          <>
            <p>
              <Badge tone="good">{t("telegram.linked")}</Badge>{" "}
              {linked.username}{linked.linked_at && <small className="muted"> ({dateTime(linked.linked_at)})</small>}
            </p>
            <button type="button" className="secondary" disabled={unlink.pending} onClick={() => void unlink.run(undefined)}>
              {t("telegram.unlink")}
            </button>
          </>
        ) : (
          <>
            <p><Badge tone="neutral">{t("telegram.notLinked")}</Badge> {t("telegram.how")}</p>
            {code && (
              <p>
                <a href={code.deep_link} target="_blank" rel="noreferrer">{code.deep_link}</a><br />
                <small className="muted">{t("telegram.orSend")} <code>/start {code.code}</code> @{code.bot_username}.{" "}
                  {t("telegram.expires")} {dateTime(code.expires_at)}</small>
              </p>
            )}
            <button type="button" disabled={ask.pending} onClick={() => void ask.run(undefined)}>
              {t(code ? "telegram.newCode" : "telegram.link")}
            </button>
          </>
        )}
        <ErrorNotice error={ask.error ?? unlink.error} />
      </div>
    </Card>
  );
}

export function NotificationPreferences() {
  const { t } = useI18n();
  const saved = useQuery({
    queryKey: [...INBOX_KEY, "preferences"],
    queryFn: () => api.get<Preferences>("/api/notifications/preferences"),
  });
  const [channels, setChannels] = useState<Record<string, string[]>>({});
  const [quiet, setQuiet] = useState<QuietHours | null>(null);
  useEffect(() => {
    if (!saved.data) return;
    setChannels(saved.data.channels);
    setQuiet(saved.data.quiet_hours);
  }, [saved.data]);
  const save = useCommand(
    () => api.put<Preferences>("/api/notifications/preferences", { channels, quiet_hours: quiet }),
    { invalidates: [[...INBOX_KEY, "preferences"]] },
  );
  if (saved.isPending) return <Loading />;
  if (!saved.data) return <ErrorNotice error={saved.error} />;
  const available = saved.data.channels_available;
  const toggle = (kind: string, channel: string, on: boolean) =>
    setChannels((current) => {
      const chosen = new Set(current[kind] ?? []);
      if (on) chosen.add(channel);
      else chosen.delete(channel);
      return { ...current, [kind]: CHANNELS.filter((c) => chosen.has(c)) };
    });
  return (
    <>
    <TelegramLink />
    <Card title={t("notifications.preferences")}>
      <form aria-label={t("notifications.preferences")} onSubmit={(e) => { e.preventDefault(); void save.run(undefined); }}>
        <table className="table">
          <thead>
            <tr>
              <th>{t("notifications.kind")}</th>
              {CHANNELS.map((c) => (
                <th key={c}>{t(`notifications.channel.${c}` as MessageKey)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {saved.data.kinds.map(({ kind, digest }) => (
              <tr key={kind}>
                <td>
                  {t(`notifications.kind.${kind}` as MessageKey)}
                  {digest && <small className="muted"> ({t("notifications.digest")})</small>}
                </td>
                {CHANNELS.map((c) => (
                  <td key={c}>
                    <input type="checkbox" disabled={!available.includes(c)}
                      aria-label={`${t(`notifications.kind.${kind}` as MessageKey)}: ${t(`notifications.channel.${c}` as MessageKey)}`}
                      checked={(channels[kind] ?? []).includes(c)} onChange={(e) => toggle(kind, c, e.target.checked)} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <fieldset>
          <legend>{t("notifications.quietHours")}</legend>
          <label className="inline">
            <input type="checkbox" checked={quiet !== null}
              onChange={(e) => setQuiet(e.target.checked ? { start: "22:00", end: "08:00", timezone: browserZone() } : null)} />
            <span>{t("notifications.quietHoursOn")}</span>
          </label>
          {quiet && (
            <div className="row">
              <TextField label={t("notifications.quietStart")} name="quiet-start" type="time" value={quiet.start}
                onChange={(start) => setQuiet({ ...quiet, start })} />
              <TextField label={t("notifications.quietEnd")} name="quiet-end" type="time" value={quiet.end}
                onChange={(end) => setQuiet({ ...quiet, end })} />
              <TextField label={t("notifications.timezone")} name="timezone" value={quiet.timezone}
                onChange={(timezone) => setQuiet({ ...quiet, timezone })} />
            </div>
          )}
          <small className="hint">{t("notifications.quietHint")}</small>
        </fieldset>
        <ErrorNotice error={save.error} />
        <button type="submit" disabled={save.pending}>{t("common.save")}</button>
      </form>
    </Card>
    </>
  );
}
