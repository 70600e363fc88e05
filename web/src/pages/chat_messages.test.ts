import { describe, expect, it } from "vitest";
import { applyChange, highestSeq, mergeMessages, type ChatMessage } from "./chat_messages";

const message = (seq: number, body = `m${seq}`): ChatMessage => ({
  seq, author_id: "u", author_name: "U", company_id: "c", body, reply_to: 0, mentions: [], attachments: [],
  posted_at: "2026-11-30T10:00:00Z", edited_at: null, deleted: false,
});

describe("a conversation's messages", () => {
  it("merges a catch-up with what was held: each sequence number once, in order", () => {
    const held = [message(1), message(2)];
    const caughtUp = [message(3), message(2, "again"), message(4)];
    const merged = mergeMessages(held, caughtUp);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(merged[1]?.body).toBe("again");
    expect(highestSeq(merged)).toBe(4);
    expect(highestSeq([])).toBe(0);
  });

  it("applies a pushed edit and a deletion (the tombstone keeps its place, without its text)", () => {
    const edited = applyChange([message(1), message(2)], "chat.MessageEdited", { seq: 2, body: "fixed", edited_at: "x" });
    expect(edited[1]?.body).toBe("fixed");
    const deleted = applyChange(edited, "chat.MessageDeleted", { seq: 1 });
    expect(deleted.map((m) => [m.seq, m.deleted, m.body])).toEqual([[1, true, ""], [2, false, "fixed"]]);
  });
});
