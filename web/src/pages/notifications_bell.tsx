// The header's bell: the unread count of the caller's notifications in the active company, a link to the inbox.
// Kept apart from the inbox page so the shell carries only this much.
import { useQuery } from "@tanstack/react-query";
import { NavLink } from "react-router";
import { api } from "../api/client";
import { useI18n } from "../i18n/I18n";

export interface Notification {
  id: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  aggregate_type: string;
  aggregate_id: string;
  created_at: string;
  read_at: string | null;
}

export interface Inbox {
  notifications: Notification[];
  unread: number;
}

export const INBOX_KEY = ["notifications"] as const;
const REFRESH_MS = 15_000; // notifications are written just after their event: the bell polls, cheaply

export function useInbox(unreadOnly = false, limit = 100) {
  return useQuery({
    queryKey: [...INBOX_KEY, { unreadOnly, limit }],
    queryFn: () => api.get<Inbox>("/api/notifications", { unread_only: String(unreadOnly), limit }),
    refetchInterval: REFRESH_MS,
  });
}

/** The header's bell: a link to the inbox with the unread count. */
export function NotificationBell() {
  const { t } = useI18n();
  const inbox = useInbox(true, 1); // the count comes with any page
  const unread = inbox.data?.unread ?? 0;
  return (
    <NavLink to="/notifications" className="bell" data-testid="notification-bell"
      aria-label={`${t("notifications.title")}: ${unread} ${t("notifications.unread")}`}>
      {/* Drawn, not an emoji: hosts without an emoji font show an empty box. */}
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor"
        strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {unread > 0 && <span className="badge badge-bad" data-testid="notification-count">{unread}</span>}
    </NavLink>
  );
}

