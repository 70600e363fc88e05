// One WebSocket per signed-in session: each pushed event invalidates the queries that show it.
//
// The push sink and the Postgres sink run side by side, so a refetch right on the event can still
// read the old row; the same keys are invalidated again shortly after, which keeps "a change appears
// within a second" true without polling.
import type { QueryClient } from "@tanstack/react-query";
import { isPlatformEvent, staleKeys, type PlatformEvent } from "./invalidation";

const SETTLE_DELAYS_MS = [250, 900];

export function applyEvent(client: QueryClient, event: PlatformEvent): void {
  for (const queryKey of staleKeys(event)) void client.invalidateQueries({ queryKey });
}

// Pages that keep their own view of a stream (a conversation's messages) hear each event, and `null` when the
// socket (re)opens: what was pushed while it was closed is theirs to catch up on.
type LiveListener = (event: PlatformEvent | null) => void;
const liveListeners = new Set<LiveListener>();

export function onLive(listener: LiveListener): () => void {
  liveListeners.add(listener);
  return () => liveListeners.delete(listener);
}

export interface LiveConnection {
  close(): void;
}

export function connectLive(
  client: QueryClient,
  token: string,
  onEvent?: (event: PlatformEvent) => void,
  onStatus?: (connected: boolean) => void,
): LiveConnection {
  let socket: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = (): void => {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws?token=${encodeURIComponent(token)}`);
    socket.onopen = () => {
      attempt = 0;
      onStatus?.(true);
      for (const listener of liveListeners) listener(null);
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isPlatformEvent(data)) return;
      applyEvent(client, data);
      for (const delay of SETTLE_DELAYS_MS) setTimeout(() => applyEvent(client, data), delay);
      onEvent?.(data);
      for (const listener of liveListeners) listener(data);
    };
    socket.onclose = (closing: CloseEvent) => {
      onStatus?.(false);
      // 4401: the session ended (logout, removal from the company); the app signs out, no retry.
      if (closed || closing.code === 4401) return;
      attempt += 1;
      timer = setTimeout(open, Math.min(10_000, 500 * 2 ** attempt));
    };
  };
  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    },
  };
}
