import { describe, expect, it } from "vitest";
import { actorName, auditSummary, eventName, words } from "./events";

describe("audit trail wording", () => {
  it("names events per language, and falls back to the name's words", () => {
    expect(eventName("shipment.ShipmentBooked", "ru")).toBe("Перевозка забронирована");
    expect(eventName("shipment.ShipmentBooked", "en")).toBe("Shipment booked");
    expect(eventName("ledger.InvoiceIssued", "en")).toBe("Invoice issued");
    expect(words("DeclarationValidationFailed")).toBe("Declaration validation failed");
  });

  it("names actors by name, never by a bare id", () => {
    expect(actorName({ actor_id: "4f1c-uuid", actor_name: "Anna Petrova" }, "ru")).toBe("Anna Petrova");
    expect(actorName({ actor_id: "4f1c-uuid", actor_name: null }, "en")).toBe("User");
    expect(actorName({ actor_id: "operator:root", actor_name: null }, "en")).toBe("Platform operator (root)");
    expect(actorName({ actor_id: null }, "ru")).toBe("Платформа");
  });

  it("summarises the object by its reference and the first changes", () => {
    const entry = {
      event_type: "shipment.ShipmentCreated", aggregate_type: "shipment", aggregate_id: "abcdef1234",
      actor_id: "u", changes: { reference: "WW-SEA-1", mode: "sea", incoterm: "FOB" },
    };
    expect(auditSummary(entry, "ru")).toBe("Перевозка WW-SEA-1 — mode: sea; incoterm: FOB");
    expect(auditSummary({ ...entry, changes: {} }, "en")).toBe("Shipment abcdef12");
  });
});
