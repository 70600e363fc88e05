// Chat: the company's conversations (its channel, threads on objects, conversations with partner companies)
// with unread counts, a conversation's messages (reply, edit, delete, post), and the Discussion panel that
// opens an object's thread from its page. Message text is rendered as text: React escapes it, so HTML or a
// script someone typed shows as what it is.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import { useSession } from "../api/session";
import { Badge, Card, ErrorNotice, Loading, TextField } from "../components/ui";
import { useCommand } from "../components/useCommand";
import { useI18n } from "../i18n/I18n";
import { onLive } from "../live/socket";
import { applyChange, highestSeq, mergeMessages, type ChatMessage } from "./chat_messages";

export interface Conversation {
  id: string;
  kind: "channel" | "thread" | "partner";
  title: string;
  subject_type: string;
  subject_id: string;
  owner_company_id: string;
  owner_name: string;
  partner_company_id: string;
  partner_name: string;
  company_status: "owner" | "invited" | "accepted";
  is_member: boolean;
  last_read_seq: number;
  last_seq: number;
  unread: number;
  members?: { user_id: string; company_id: string; name: string; role: string }[];
}

interface ConversationList {
  items: Conversation[];
  unread_total: number;
}

const LIST_KEY = ["chat", "conversations"] as const;

function useConversations() {
  return useQuery({ queryKey: LIST_KEY, queryFn: () => api.get<ConversationList>("/api/chat/conversations") });
}

export function conversationName(c: Conversation, t: (key: "chat.channel" | "chat.thread") => string, mine?: string): string {
  if (c.kind === "channel") return c.title || t("chat.channel");
  if (c.kind === "thread") return c.title || `${t("chat.thread")}: ${c.subject_type} ${c.subject_id.slice(0, 8)}`;
  const other = mine === c.owner_company_id ? c.partner_name : c.owner_name;
  return c.title ? `${c.title} · ${other}` : other;
}

export function ChatPage() {
  const { t } = useI18n();
  const { id } = useParams();
  const { company } = useSession();
  const navigate = useNavigate();
  const conversations = useConversations();
  const [partner, setPartner] = useState("");
  const [title, setTitle] = useState("");
  const open = useCommand((body: Record<string, string>, key: string) => api.post<Conversation>("/api/chat/conversations", body, key), {
    invalidates: [["chat"]],
    onDone: (c) => { if (c?.id) void navigate(`/chat/${c.id}`); },
  });
  return (
    <>
      <h1>{t("chat.title")}</h1>
      <div className="grid chat-grid">
        <Card title={t("chat.conversations")}>
          <ErrorNotice error={conversations.error} />
          {conversations.isPending && <Loading />}
          <ul className="chat-list" data-testid="chat-conversations">
            {(conversations.data?.items ?? []).map((c) => (
              <li key={c.id} className={c.id === id ? "active" : ""}>
                <Link to={`/chat/${c.id}`}>{conversationName(c, t, company?.id)}</Link>{" "}
                {c.company_status === "invited" && <Badge tone="warn">{t("chat.invited")}</Badge>}
                {c.unread > 0 && <Badge tone="info">{c.unread}</Badge>}
              </li>
            ))}
          </ul>
          <button type="button" className="secondary" onClick={() => void open.run({ kind: "channel" })}>
            {t("chat.openChannel")}
          </button>
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void open.run({ kind: "partner", partner_company_id: partner.trim(), title }); }}>
            <TextField label={t("chat.partnerCompany")} name="partner_company_id" value={partner} onChange={setPartner} required />
            <TextField label={t("chat.topic")} name="title" value={title} onChange={setTitle} />
            <button type="submit" disabled={open.pending}>{t("chat.openPartner")}</button>
          </form>
          <ErrorNotice error={open.error} />
        </Card>
        {id ? <ConversationView key={id} id={id} /> : <Card><p className="muted">{t("chat.choose")}</p></Card>}
      </div>
    </>
  );
}

function useMessages(id: string, enabled: boolean) {
  const client = useQueryClient();
  const key = useMemo(() => ["chat", id, "messages"] as const, [id]);
  const messages = useQuery({
    queryKey: key,
    enabled,
    // Each read asks only for what follows the highest number held (a reconnect's catch-up too).
    queryFn: async () => {
      const held = client.getQueryData<ChatMessage[]>(key) ?? [];
      const page = await api.get<{ items: ChatMessage[] }>(`/api/chat/conversations/${id}/messages`, {
        after_seq: highestSeq(held), limit: 500,
      });
      return mergeMessages(held, page.items);
    },
  });
  useEffect(
    () => onLive((event) => {
      if (event === null) void client.invalidateQueries({ queryKey: key });
      else if (event.aggregate_id === id && (event.type === "chat.MessageEdited" || event.type === "chat.MessageDeleted")) {
        client.setQueryData<ChatMessage[]>(key, (held) => applyChange(held ?? [], event.type, event.payload));
      }
    }),
    [client, id, key],
  );
  return messages;
}

export function ConversationView({ id }: { id: string }) {
  const { t, dateTime } = useI18n();
  const { account, company } = useSession();
  const conversation = useQuery({
    queryKey: ["chat", id],
    queryFn: () => api.get<Conversation>(`/api/chat/conversations/${id}`),
  });
  const taking = conversation.data !== undefined && conversation.data.company_status !== "invited";
  const messages = useMessages(id, taking);
  const [body, setBody] = useState("");
  const [replyTo, setReplyTo] = useState(0);
  const [editing, setEditing] = useState<{ seq: number; body: string } | null>(null);
  const path = `/api/chat/conversations/${id}`;
  const post = useCommand((input: { body: string; reply_to: number }, key: string) => api.post(`${path}/messages`, input, key), {
    invalidates: [["chat"]],
    onDone: () => { setBody(""); setReplyTo(0); },
  });
  const edit = useCommand((input: { seq: number; body: string }) => api.put(`${path}/messages/${input.seq}`, { body: input.body }), {
    invalidates: [["chat", id, "messages"]],
    onDone: () => setEditing(null),
  });
  const remove = useCommand((seq: number) => api.delete(`${path}/messages/${seq}`), { invalidates: [["chat", id, "messages"]] });
  const accept = useCommand(() => api.post(`${path}/accept`), { invalidates: [["chat"]] });
  const markRead = useCommand((seq: number) => api.post(`${path}/read`, { seq }), { invalidates: [["chat", "unread"], LIST_KEY] });
  const highest = highestSeq(messages.data ?? []);
  const lastRead = conversation.data?.last_read_seq ?? 0;
  const member = conversation.data?.is_member ?? false;
  useEffect(() => {
    if (member && highest > lastRead) void markRead.run(highest);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [member, highest, lastRead]);
  if (conversation.isPending) return <Loading />;
  if (!conversation.data) return <ErrorNotice error={conversation.error} />;
  const c = conversation.data;
  const bySeq = new Map((messages.data ?? []).map((m) => [m.seq, m]));
  return (
    <Card title={conversationName(c, t, company?.id) || t("chat.title")} className="wide">
      {c.company_status === "invited" ? (
        <>
          <p>{t("chat.invitation")} {c.owner_name}</p>
          <button type="button" onClick={() => void accept.run(undefined)} disabled={accept.pending}>{t("chat.accept")}</button>
          <ErrorNotice error={accept.error} />
        </>
      ) : (
        <>
          <ErrorNotice error={messages.error} />
          <ol className="chat-messages" data-testid="chat-messages">
            {(messages.data ?? []).map((m) => (
              <li key={m.seq} data-seq={m.seq} className={m.author_id === account?.id ? "chat-message own" : "chat-message"}>
                <div className="chat-meta">
                  <strong>{m.author_name || m.author_id.slice(0, 8)}</strong> <span className="muted">{dateTime(m.posted_at)}</span>
                  {m.edited_at && !m.deleted && <span className="muted"> · {t("chat.edited")}</span>}
                </div>
                {m.reply_to > 0 && (
                  <div className="chat-reply muted">↪ {bySeq.get(m.reply_to)?.deleted ? t("chat.deleted") : bySeq.get(m.reply_to)?.body.slice(0, 80)}</div>
                )}
                {m.deleted ? (
                  <p className="chat-body muted"><em>{t("chat.deleted")}</em></p>
                ) : editing?.seq === m.seq ? (
                  <form onSubmit={(e) => { e.preventDefault(); void edit.run(editing); }}>
                    <textarea aria-label={t("chat.edit")} value={editing.body} onChange={(e) => setEditing({ seq: m.seq, body: e.target.value })} rows={2} />
                    <button type="submit" disabled={edit.pending}>{t("common.save")}</button>
                    <button type="button" className="secondary" onClick={() => setEditing(null)}>{t("common.cancel")}</button>
                  </form>
                ) : (
                  <p className="chat-body">{m.body}</p>
                )}
                {m.attachments.length > 0 && (
                  <ul className="chat-attachments">
                    {m.attachments.map((a) => <li key={a.document_id}>📎 {a.title || a.document_id}</li>)}
                  </ul>
                )}
                {!m.deleted && member && (
                  <div className="chat-actions">
                    <button type="button" className="link" onClick={() => setReplyTo(m.seq)}>{t("chat.reply")}</button>
                    {m.author_id === account?.id && (
                      <>
                        <button type="button" className="link" onClick={() => setEditing({ seq: m.seq, body: m.body })}>{t("chat.edit")}</button>
                        <button type="button" className="link" onClick={() => void remove.run(m.seq)}>{t("common.delete")}</button>
                      </>
                    )}
                  </div>
                )}
              </li>
            ))}
          </ol>
          <ErrorNotice error={edit.error ?? remove.error} />
          {member ? (
            <form className="chat-form" onSubmit={(e) => { e.preventDefault(); void post.run({ body, reply_to: replyTo }); }}>
              {replyTo > 0 && (
                <p className="muted">
                  {t("chat.replyingTo")} #{replyTo}{" "}
                  <button type="button" className="link" onClick={() => setReplyTo(0)}>{t("common.cancel")}</button>
                </p>
              )}
              <textarea aria-label={t("chat.message")} name="body" rows={3} maxLength={4000} value={body} onChange={(e) => setBody(e.target.value)} />
              <button type="submit" disabled={post.pending}>{t("chat.send")}</button>
              <ErrorNotice error={post.error} />
            </form>
          ) : (
            <p className="muted">{t("chat.notMember")}</p>
          )}
        </>
      )}
    </Card>
  );
}

/** The Discussion panel on a shipment's or declaration's page: its thread, opened (and joined) from here. */
export function DiscussionPanel({ subjectType, subjectId }: { subjectType: "shipment" | "declaration"; subjectId: string }) {
  const { t } = useI18n();
  const conversations = useConversations();
  const thread = conversations.data?.items.find(
    (c) => c.kind === "thread" && c.subject_type === subjectType && c.subject_id === subjectId && c.company_status === "owner",
  );
  const open = useCommand((_: undefined, key: string) => api.post<Conversation>("/api/chat/conversations", {
    kind: "thread", subject_type: subjectType, subject_id: subjectId,
  }, key), { invalidates: [["chat"]] });
  if (thread?.is_member) return <ConversationView id={thread.id} />;
  return (
    <Card title={t("chat.discussion")}>
      <button type="button" className="secondary" disabled={open.pending} onClick={() => void open.run(undefined)}>
        {thread ? t("chat.join") : t("chat.openDiscussion")}
      </button>
      <ErrorNotice error={open.error} />
    </Card>
  );
}
