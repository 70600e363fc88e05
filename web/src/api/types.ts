// The shapes the console reads from the API (only the fields it shows).

export interface Page<Row> {
  items: Row[];
  total: number;
}

export interface PartyJson {
  name: string;
  address: string;
  country: string;
  city?: string | null;
  postal_code?: string | null;
}

export interface RouteLegJson {
  origin: string;
  destination: string;
  mode: string;
  conveyance: string | null;
  planned_departure: string | null;
  planned_arrival: string | null;
}

export interface CargoItemJson {
  item_id: string;
  description: string;
  package_count: number;
  package_type: string;
  gross_weight_kg: string | number;
  volume_m3?: string | number | null;
  hs_code?: string | null;
}

export interface EquipmentJson {
  kind: string;
  identifier: string;
  size_type?: string | null;
  seal_number?: string | null;
}

export interface MilestoneJson {
  milestone: string;
  planned_at: string | null;
  actual_at: string | null;
  place?: string | null;
}

export interface ExceptionJson {
  exception_id: string;
  kind: string;
  reason: string;
  raised_at: string;
  resolved_at: string | null;
  resolution?: string | null;
}

export interface ShipmentRow {
  id: string;
  reference: string;
  mode: string;
  status: string;
  incoterm: string | null;
  carrier: string | null; // the carrier's name
  booking_reference: string | null;
  totals: { package_count: number; gross_weight_kg: string | number | null; volume_m3: string | number | null };
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Shipment extends Omit<ShipmentRow, "carrier"> {
  carrier: { name: string; scac?: string | null } | null;
  incoterm_place: string | null;
  shipper: PartyJson | null;
  consignee: PartyJson | null;
  notify: PartyJson | null;
  route: RouteLegJson[];
  equipment: EquipmentJson[];
  cargo: CargoItemJson[];
  milestones: MilestoneJson[];
  exceptions: ExceptionJson[];
  cancellation_reason: string | null;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  description: string;
  place: string | null;
  source: string | null;
  milestone: string | null;
}
