// The console's one way to the API: JSON in and out, the access token attached, one refresh on 401.
//
// Where the tokens live: the access token (15 minutes) only in this module's memory, never in
// localStorage/sessionStorage, so no script can read it from storage; the refresh token only in an
// HttpOnly, SameSite=Strict cookie scoped to /api/auth that the API sets, so no script can read it at
// all. A reload asks /api/auth/refresh (the cookie goes along) for a fresh access token. The
// Content-Security-Policy admits only the console's own scripts.
import { ApiError, errorFromBody } from "./errors";

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(token: string | null) => void>();

export function currentToken(): string | null {
  return accessToken;
}

export function setToken(token: string | null): void {
  accessToken = token;
  for (const listener of listeners) listener(token);
}

export function onTokenChange(listener: (token: string | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface TokenAnswer {
  access_token: string;
  token_type: string;
}

// The custom header makes a cross-site form unable to send the cookie-authenticated refresh.
const CONSOLE_HEADER = { "X-Requested-With": "wellwon-console" };

/** A new access token from the refresh cookie; false when there is no session to continue. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/api/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { ...CONSOLE_HEADER, "Content-Type": "application/json" },
    body: "{}",
  })
    .then(async (response) => {
      if (!response.ok) {
        setToken(null);
        return false;
      }
      setToken(((await response.json()) as TokenAnswer).access_token);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

let restoring: Promise<boolean> | null = null;

/** The page load's one attempt to continue a session from the refresh cookie, started as early as the
 * entry module runs and shared by whoever asks after (a second refresh would only rotate the cookie again). */
export function restoreSession(): Promise<boolean> {
  restoring ??= refreshSession();
  return restoring;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  idempotencyKey?: string;
  raw?: boolean;
  headers?: Record<string, string>; // e.g. a file's name beside its raw body
}

function url(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(method: Method, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { ...CONSOLE_HEADER, Accept: "application/json", ...options.headers };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  let body: BodyInit | undefined;
  if (options.body instanceof Blob || typeof options.body === "string") {
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  return fetch(url(path, options.query), { method, headers, body, credentials: "same-origin" });
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 401 && accessToken !== null && (await refreshSession())) {
    response = await send(method, path, options);
  }
  if (!response.ok) {
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the status says enough
    }
    throw errorFromBody(response.status, parsed);
  }
  if (options.raw) return (await response.text()) as T;
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: RequestOptions["query"]) => request<T>("GET", path, { query }),
  post: <T>(path: string, body?: unknown, idempotencyKey?: string) => request<T>("POST", path, { body, idempotencyKey }),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>("PATCH", path, { body }),
  delete: <T>(path: string) => request<T>("DELETE", path),
  text: (path: string) => request<string>("GET", path, { raw: true }),
  /** A file as the raw body (its type from the file), its name percent-encoded in X-Filename. */
  upload: <T>(path: string, file: File, query?: RequestOptions["query"], idempotencyKey?: string) =>
    request<T>("POST", path, {
      body: file, query, headers: { "X-Filename": encodeURIComponent(file.name) },
      ...(idempotencyKey ? { idempotencyKey } : {}),
    }),
  /** A binary answer (a page image) as a data: URL, which the console's Content-Security-Policy admits. */
  dataUrl: async (path: string): Promise<string> => {
    let response = await send("GET", path, {});
    if (response.status === 401 && accessToken !== null && (await refreshSession())) response = await send("GET", path, {});
    if (!response.ok) throw errorFromBody(response.status, await response.text());
    const blob = await response.blob();
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
      reader.readAsDataURL(blob);
    });
  },
};

export { ApiError };
