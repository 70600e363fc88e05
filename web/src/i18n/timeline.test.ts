import { describe, expect, it } from "vitest";
import { timelineText } from "./timeline";

const shipment = { reference: "WW-SEA-1", mode: "sea", carrier: { name: "Maersk A/S", scac: "MAEU" }, booking_reference: "MAEU240117" };

describe("timeline entries in the reader's language", () => {
  it("rebuilds milestones with their place and keeps a written note as written", () => {
    const entry = { kind: "milestone", milestone: "departed", place: "CNSHA", description: "Departed at CNSHA (Shanghai): gate out 08:40" };
    expect(timelineText(entry, shipment, "ru")).toBe("Отправлен — CNSHA: gate out 08:40");
    expect(timelineText(entry, shipment, "en")).toBe("Departed at CNSHA: gate out 08:40");
    const bare = { kind: "milestone", milestone: "delivered", place: null, description: "Delivered" };
    expect(timelineText(bare, shipment, "ru")).toBe("Доставлен");
    const unlisted = { kind: "milestone", milestone: "arrived", place: "XXABC", description: "Arrived at XXABC: late" };
    expect(timelineText(unlisted, shipment, "en")).toBe("Arrived at XXABC: late");
  });

  it("takes creation and booking from the shipment's fields", () => {
    expect(timelineText({ kind: "created", milestone: null, place: null, description: "Shipment WW-SEA-1 created (sea)" }, shipment, "ru"))
      .toBe("Перевозка WW-SEA-1 создана (море)");
    expect(timelineText({ kind: "booked", milestone: "booked", place: null, description: "Booked with …" }, shipment, "en"))
      .toBe("Booked with Maersk A/S (MAEU), booking MAEU240117");
  });

  it("translates exceptions and cancellations around the reason the user wrote", () => {
    const hold = { kind: "exception_raised", milestone: null, place: null, description: "Hold x1 raised: Таможенный досмотр" };
    expect(timelineText(hold, shipment, "ru")).toBe("Задержание зафиксировано: Таможенный досмотр");
    const cancelled = { kind: "cancelled", milestone: null, place: null, description: "Cancelled: supplier withdrew" };
    expect(timelineText(cancelled, shipment, "ru")).toBe("Отменена: supplier withdrew");
  });

  it("leaves a carrier's own status text in its words", () => {
    const noted = { kind: "transport_event", milestone: null, place: null, description: "Gate in at terminal" };
    expect(timelineText(noted, shipment, "ru")).toBe("Gate in at terminal");
  });
});
