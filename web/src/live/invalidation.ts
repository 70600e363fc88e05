// Which cached queries an event from the platform makes stale. Pure, so it is unit-tested.
//
// Query keys follow one convention: [resource] for lists and overviews, [resource, id, ...] for one
// aggregate and what hangs off it. An event names its aggregate type and id; the resources that
// show that aggregate are listed here, so a new domain adds one line.

export interface PlatformEvent {
  event_id: string;
  type: string; // "<domain>.<EventName>"
  aggregate_type: string;
  aggregate_id: string;
  version: number;
  tenant_id: string | null;
  payload: Record<string, unknown>;
}

export type QueryKey = readonly unknown[];

// aggregate type -> resources (query key roots) that show it
const RESOURCES: Record<string, readonly string[]> = {
  user_account: ["me"],
  company: ["companies", "participants", "invitations"],
  shipment: ["shipments"],
  warehouse: ["warehouses"],
  edi_partner: ["edi-partners"],
  customs_declaration: ["declarations", "compliance", "refund-claims"],
  customs_tariff: ["tariff", "declarations", "fx"],
  payment: ["payments"],
  bank_statement: ["bank-statements", "payments"],
  fx: ["fx"],
  purchase_order: ["purchase-orders", "invoices"],
  invoice: ["invoices"],
  invoice_numbering: ["invoices"],
  ledger: ["ledger"],
  document: ["documents"],
  document_template: ["document-templates"],
  chat: ["chat"],
};

// Every event is in the audit trail and the dashboards.
const ALWAYS: readonly QueryKey[] = [["audit"], ["dashboards"]];

export function isPlatformEvent(value: unknown): value is PlatformEvent {
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  return typeof event.type === "string" && typeof event.aggregate_type === "string" && typeof event.aggregate_id === "string";
}

export function staleKeys(event: PlatformEvent): QueryKey[] {
  const roots = RESOURCES[event.aggregate_type] ?? [];
  const keys: QueryKey[] = [];
  for (const root of roots) {
    // [root] as a prefix covers the list and every [root, id, ...] below it.
    keys.push([root]);
  }
  if (event.type.startsWith("edi") || event.aggregate_type === "shipment") keys.push(["edi-messages"]);
  return [...keys, ...ALWAYS];
}
