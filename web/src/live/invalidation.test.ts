import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { isPlatformEvent, staleKeys, type PlatformEvent } from "./invalidation";
import { applyEvent } from "./socket";

const event = (aggregate_type: string, type: string, aggregate_id = "s-1"): PlatformEvent => ({
  event_id: "e-1",
  type,
  aggregate_type,
  aggregate_id,
  version: 3,
  tenant_id: "t-1",
  payload: {},
});

describe("events make cached queries stale", () => {
  it("a shipment event refreshes shipments, EDI messages, audit and dashboards", () => {
    expect(staleKeys(event("shipment", "shipment.MilestoneRecorded"))).toEqual([
      ["shipments"],
      ["edi-messages"],
      ["audit"],
      ["dashboards"],
    ]);
  });

  it("a purchase order event refreshes orders and the invoices matched against them", () => {
    expect(staleKeys(event("purchase_order", "purchase_order.GoodsReceived"))).toEqual([
      ["purchase-orders"],
      ["invoices"],
      ["audit"],
      ["dashboards"],
    ]);
  });

  it("an unknown aggregate still refreshes the audit trail", () => {
    expect(staleKeys(event("unknown", "unknown.Thing"))).toEqual([["audit"], ["dashboards"]]);
  });

  it("only well-formed events are taken", () => {
    expect(isPlatformEvent(event("shipment", "shipment.X"))).toBe(true);
    expect(isPlatformEvent({ type: "x" })).toBe(false);
    expect(isPlatformEvent("text")).toBe(false);
  });

  it("applying an event invalidates the shipment's detail and the list, not other resources", async () => {
    const client = new QueryClient();
    client.setQueryData(["shipments", "s-1"], { status: "booked" });
    client.setQueryData(["shipments", { status: "booked" }], []);
    client.setQueryData(["warehouses"], []);
    applyEvent(client, event("shipment", "shipment.ShipmentDeparted"));
    expect(client.getQueryState(["shipments", "s-1"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["shipments", { status: "booked" }])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["warehouses"])?.isInvalidated).toBe(false);
  });
});
