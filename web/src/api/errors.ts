// The API's error answers, read once: a status, a message, and the fields at fault by their path.

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldErrors;

  constructor(status: number, message: string, fieldErrors: FieldErrors = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

type Location = ReadonlyArray<string | number>;
interface ValidationItem {
  loc?: Location;
  field?: string;
  msg?: string;
}

// The first element of a FastAPI location says where the value came from, not which field it is.
const SOURCES = new Set(["body", "query", "path", "header", "declaration"]);

/** `["body", "items", 2, "commodity_code"]` -> `items[2].commodity_code`; decider paths are kept whole. */
export function fieldPath(location: Location): string {
  const parts = location.length > 1 && SOURCES.has(String(location[0])) ? location.slice(1) : location;
  return parts
    .filter((part) => part !== "")
    .reduce<string>((path, part) => (typeof part === "number" ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

export function errorFromBody(status: number, body: unknown): ApiError {
  const detail = typeof body === "object" && body !== null ? (body as { detail?: unknown }).detail : undefined;
  if (Array.isArray(detail)) {
    const fields: FieldErrors = {};
    for (const item of detail as ValidationItem[]) {
      const path = item.field ?? fieldPath(item.loc ?? []);
      if (!(path in fields)) fields[path] = item.msg ?? "invalid";
    }
    const first = Object.entries(fields)[0];
    return new ApiError(status, first ? `${first[0]}: ${first[1]}` : "invalid", fields);
  }
  if (typeof detail === "string") return new ApiError(status, detail);
  if (typeof detail === "object" && detail !== null) {
    const { reason, field } = detail as { reason?: string; field?: string };
    return new ApiError(status, reason ?? `HTTP ${status}`, field && reason ? { [field]: reason } : {});
  }
  return new ApiError(status, `HTTP ${status}`);
}
