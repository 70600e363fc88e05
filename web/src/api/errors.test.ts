import { describe, expect, it } from "vitest";
import { errorFromBody, fieldPath } from "./errors";

describe("reading the API's errors", () => {
  it("names the field at fault by its path", () => {
    expect(fieldPath(["body", "header", "procedure_code"])).toBe("header.procedure_code");
    expect(fieldPath(["body", "items", 2, "commodity_code"])).toBe("items[2].commodity_code");
    expect(fieldPath(["declaration", "items[2].commodity_code"])).toBe("items[2].commodity_code");
    expect(fieldPath(["query", "status"])).toBe("status");
  });

  it("collects FastAPI's validation list into fields, first message first", () => {
    const error = errorFromBody(422, {
      detail: [
        { loc: ["body", "email"], msg: "not an email", type: "value_error" },
        { loc: ["body", "password"], msg: "too weak", type: "value_error" },
      ],
    });
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({ email: "not an email", password: "too weak" });
    expect(error.message).toBe("email: not an email");
  });

  it("keeps a rejection's reason and field", () => {
    const error = errorFromBody(409, { detail: { command_id: "c", reason: "already delivered", field: "status" } });
    expect(error.message).toBe("already delivered");
    expect(error.fieldErrors).toEqual({ status: "already delivered" });
    expect(errorFromBody(404, { detail: "no such shipment" }).message).toBe("no such shipment");
    expect(errorFromBody(500, "oops").message).toBe("HTTP 500");
  });
});
