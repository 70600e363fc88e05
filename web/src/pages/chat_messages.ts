// A conversation's messages as the console keeps them: merged by sequence number, so a catch-up read after
// the highest known number and the live pushes together give each message once and in order.

export interface ChatAttachment {
  document_id: string;
  company_id: string;
  title: string;
}

export interface ChatMessage {
  seq: number;
  author_id: string;
  author_name: string;
  company_id: string;
  body: string;
  reply_to: number;
  mentions: string[];
  attachments: ChatAttachment[];
  posted_at: string;
  edited_at: string | null;
  deleted: boolean;
}

/** `known` with `arrived` merged in: one message per sequence number (the later copy wins), in order. */
export function mergeMessages(known: readonly ChatMessage[], arrived: readonly ChatMessage[]): ChatMessage[] {
  const bySeq = new Map<number, ChatMessage>();
  for (const message of [...known, ...arrived]) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The highest sequence number held: what a catch-up asks to be after. */
export function highestSeq(messages: readonly ChatMessage[]): number {
  return messages.length ? (messages[messages.length - 1]?.seq ?? 0) : 0;
}

/** A pushed edit or deletion applied to the held messages (the read model says the same a moment later). */
export function applyChange(
  messages: readonly ChatMessage[],
  type: string,
  payload: Record<string, unknown>,
): ChatMessage[] {
  const seq = Number(payload.seq);
  return messages.map((m) => {
    if (m.seq !== seq) return m;
    if (type === "chat.MessageEdited") return { ...m, body: String(payload.body ?? ""), edited_at: String(payload.edited_at ?? "") };
    if (type === "chat.MessageDeleted") return { ...m, body: "", mentions: [], attachments: [], deleted: true };
    return m;
  });
}
