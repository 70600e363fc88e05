// Shipments: the list with filters and search, and one shipment with all its parts and actions.
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api } from "../api/client";
import type { Page, PartyJson, Shipment, ShipmentRow, TimelineEntry } from "../api/types";
import { DataTable } from "../components/DataTable";
import { Badge, Card, Definition, ErrorNotice, Loading, SelectField, StatusBadge, TextField } from "../components/ui";
import { ActionForm, type ActionSpec } from "../components/ActionForm";
import { useCommand } from "../components/useCommand";
import { useFilters } from "../components/useFilters";
import { countryCode, positiveDecimal, required, unLocode } from "../components/validators";
import { useSession } from "../api/session";
import { useI18n } from "../i18n/I18n";
import { DiscussionPanel } from "./chat";
import { DocumentsPanel } from "./documents";
import { timelineText } from "../i18n/timeline";

const STATUSES = ["draft", "booked", "picked_up", "in_transit", "at_customs", "released", "delivered", "cancelled"];
const MODES = ["sea", "air", "road", "rail", "inland_waterway", "multimodal"];
const MILESTONES = ["picked_up", "departed", "arrived", "customs", "released", "delivered"];
const INCOTERMS = ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"];

export function ShipmentList() {
  const { t, label, dateTime, weight } = useI18n();
  const [params, set] = useFilters();
  const status = params.get("status") ?? "";
  const mode = params.get("mode") ?? "";
  const reference = params.get("reference") ?? "";
  const query = useQuery({
    queryKey: ["shipments", { status, mode, reference }],
    queryFn: () => api.get<Page<ShipmentRow>>("/api/shipments", { status, mode, reference, limit: 200 }),
  });
  const columns = useMemo<ColumnDef<ShipmentRow, unknown>[]>(
    () => [
      { header: t("common.reference"), accessorKey: "reference" },
      { header: t("common.status"), accessorKey: "status", cell: (c) => <StatusBadge prefix="shipment.statuses" status={c.row.original.status} /> },
      { header: t("shipment.mode"), accessorKey: "mode", cell: (c) => label("shipment.modes", c.row.original.mode) },
      { header: t("shipment.incoterm"), accessorKey: "incoterm" },
      { header: t("shipment.carrier"), id: "carrier", accessorFn: (r) => r.carrier ?? "" },
      { header: t("shipment.bookingReference"), accessorKey: "booking_reference" },
      { header: t("shipment.grossWeight"), id: "weight", accessorFn: (r) => Number(r.totals.gross_weight_kg ?? 0), cell: (c) => weight(c.row.original.totals.gross_weight_kg) },
      { header: t("common.updated"), accessorKey: "updated_at", cell: (c) => dateTime(c.row.original.updated_at) },
    ],
    [t, label, dateTime, weight],
  );
  return (
    <>
      <div className="page-header">
        <h1>{t("shipment.title")}</h1>
        <NewShipment />
      </div>
      <div className="filters" role="search">
        <TextField label={t("common.search")} name="reference" value={reference} onChange={set("reference")} />
        <SelectField label={t("common.status")} name="status" value={status} onChange={set("status")}
          options={[["", t("common.all")], ...STATUSES.map((s) => [s, label("shipment.statuses", s)] as const)]} />
        <SelectField label={t("shipment.mode")} name="mode" value={mode} onChange={set("mode")}
          options={[["", t("common.all")], ...MODES.map((m) => [m, label("shipment.modes", m)] as const)]} />
      </div>
      {query.isPending ? <Loading /> : <ErrorNotice error={query.error} />}
      {query.data && (
        <DataTable testId="shipments" rows={query.data.items} columns={columns} link={(r) => `/shipments/${r.id}`}
          caption={t("shipment.title")} />
      )}
    </>
  );
}

function NewShipment() {
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState({ reference: "", mode: "sea", incoterm: "FOB", incoterm_place: "" });
  const command = useCommand(
    (v: typeof values, key: string) =>
      api.post<{ id: string }>("/api/shipments", { ...v, incoterm_place: v.incoterm_place || null }, key),
    { invalidates: [["shipments"]], onDone: (created) => navigate(`/shipments/${created.id}`) },
  );
  if (!open) return <button type="button" onClick={() => setOpen(true)}>{t("shipment.new")}</button>;
  return (
    <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void command.run(values); }} aria-label={t("shipment.new")}>
      <TextField label={t("common.reference")} name="reference" value={values.reference}
        onChange={(reference) => setValues({ ...values, reference })} error={command.fieldErrors.reference} />
      <SelectField label={t("shipment.mode")} name="mode" value={values.mode} onChange={(mode) => setValues({ ...values, mode })}
        options={MODES.map((m) => [m, label("shipment.modes", m)] as const)} error={command.fieldErrors.mode} />
      <SelectField label={t("shipment.incoterm")} name="incoterm" value={values.incoterm}
        onChange={(incoterm) => setValues({ ...values, incoterm })} options={INCOTERMS.map((i) => [i, i] as const)}
        error={command.fieldErrors.incoterm} />
      <TextField label={t("shipment.incotermPlace")} name="incoterm_place" value={values.incoterm_place}
        onChange={(incoterm_place) => setValues({ ...values, incoterm_place })} error={command.fieldErrors.incoterm_place} />
      <ErrorNotice error={command.error} />
      <button type="submit" disabled={command.pending}>{t("common.create")}</button>
      <button type="button" className="secondary" onClick={() => setOpen(false)}>{t("common.cancel")}</button>
    </form>
  );
}

function partyText(party: PartyJson | null): string {
  if (!party) return "—";
  return [party.name, party.address, party.city, party.country].filter(Boolean).join(", ");
}

export function ShipmentDetail() {
  const { id = "" } = useParams();
  const { t, label, dateTime, weight, number, locale } = useI18n();
  const shipment = useQuery({ queryKey: ["shipments", id], queryFn: () => api.get<Shipment>(`/api/shipments/${id}`) });
  const timeline = useQuery({
    queryKey: ["shipments", id, "timeline"],
    queryFn: () => api.get<{ entries: TimelineEntry[] }>(`/api/shipments/${id}/timeline`),
  });
  if (shipment.isPending) return <Loading />;
  if (!shipment.data) return <ErrorNotice error={shipment.error} />;
  const s = shipment.data;
  return (
    <>
      <div className="page-header">
        <h1>
          {s.reference} <StatusBadge prefix="shipment.statuses" status={s.status} />
        </h1>
        <span className="muted" data-testid="shipment-status">{label("shipment.statuses", s.status)}</span>
      </div>
      <div className="grid">
        <Card title={t("common.details")}>
          <Definition items={[
            [t("shipment.mode"), label("shipment.modes", s.mode)],
            [t("shipment.incoterm"), [s.incoterm, s.incoterm_place].filter(Boolean).join(" ") || "—"],
            [t("shipment.carrier"), s.carrier?.name ?? "—"],
            [t("shipment.bookingReference"), s.booking_reference ?? "—"],
            [t("shipment.packages"), number(s.totals.package_count)],
            [t("shipment.grossWeight"), weight(s.totals.gross_weight_kg)],
            [t("shipment.volume"), s.totals.volume_m3 ? `${number(s.totals.volume_m3)} m³` : "—"],
          ]} />
        </Card>
        <Card title={t("shipment.parties")}>
          <Definition items={[
            [t("shipment.shipper"), partyText(s.shipper)],
            [t("shipment.consignee"), partyText(s.consignee)],
          ]} />
        </Card>
        <Card title={t("shipment.route")}>
          {s.route.length === 0 ? <p className="muted">—</p> : (
            <ol className="legs">
              {s.route.map((leg, i) => (
                <li key={i}>
                  <strong>{leg.origin}</strong> → <strong>{leg.destination}</strong> · {label("shipment.modes", leg.mode)}
                  {leg.conveyance ? ` · ${leg.conveyance}` : ""}
                  <br />
                  <small className="muted">{dateTime(leg.planned_departure)} — {dateTime(leg.planned_arrival)}</small>
                </li>
              ))}
            </ol>
          )}
        </Card>
        <Card title={t("shipment.cargo")}>
          {s.cargo.length === 0 ? <p className="muted">—</p> : (
            <table className="data-table compact">
              <thead><tr><th scope="col">{t("common.description")}</th><th scope="col">{t("shipment.packages")}</th><th scope="col">{t("shipment.grossWeight")}</th><th scope="col">HS</th></tr></thead>
              <tbody>
                {s.cargo.map((item) => (
                  <tr key={item.item_id}><td>{item.description}</td><td>{item.package_count} {item.package_type}</td><td>{weight(item.gross_weight_kg)}</td><td>{item.hs_code ?? "—"}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          {s.equipment.length > 0 && (
            <p>{t("shipment.equipment")}: {s.equipment.map((e) => `${e.identifier}${e.size_type ? ` (${e.size_type})` : ""}`).join(", ")}</p>
          )}
        </Card>
        <Card title={t("shipment.exceptions")}>
          {s.exceptions.length === 0 ? <p className="muted">—</p> : (
            <ul className="plain">
              {s.exceptions.map((x) => (
                <li key={x.exception_id}>
                  <Badge tone={x.resolved_at ? "neutral" : "bad"}>{x.kind}</Badge> {x.reason}{" "}
                  <small className="muted">{dateTime(x.raised_at)}</small>
                  {!x.resolved_at && <ResolveException shipmentId={id} exceptionId={x.exception_id} />}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <ShipmentActions shipment={s} />
        <Card title={t("shipment.timeline")} className="wide">
          {timeline.data && (
            <ol className="timeline" data-testid="timeline">
              {[...timeline.data.entries].reverse().map((entry, i) => (
                <li key={i}>
                  <time dateTime={entry.at}>{dateTime(entry.at)}</time>
                  <span>{timelineText(entry, s, locale)}</span>
                  {entry.source && <Badge>{entry.source}</Badge>}
                </li>
              ))}
            </ol>
          )}
        </Card>
        <DocumentsPanel linkedType="shipment" linkedId={id} />
        <DiscussionPanel subjectType="shipment" subjectId={id} />
      </div>
    </>
  );
}

function ResolveException({ shipmentId, exceptionId }: { shipmentId: string; exceptionId: string }) {
  const { t } = useI18n();
  const command = useCommand(
    (_: void, key: string) => api.post(`/api/shipments/${shipmentId}/exceptions/${exceptionId}/resolve`, { resolution: "resolved" }, key),
    { invalidates: [["shipments", shipmentId]] },
  );
  return <button type="button" className="link" onClick={() => void command.run()}>{t("shipment.resolve")}</button>;
}

function shipmentActions(shipment: Shipment, label: (prefix: string, value: string) => string): ActionSpec[] {
  const id = shipment.id;
  const invalidates = [["shipments", id]];
  const modes = MODES.map((m) => [m, label("shipment.modes", m)] as const);
  const post = (path: string) => (body: unknown, key: string) => api.post(`/api/shipments/${id}/${path}`, body, key);
  const now = () => new Date().toISOString();
  const route: ActionSpec = {
    title: "shipment.planRoute", testId: "plan-route", invalidates,
    fields: [
      { name: "origin", label: "shipment.origin", rules: [required, unLocode], apiPath: "legs[0].origin" },
      { name: "destination", label: "shipment.destination", rules: [required, unLocode], apiPath: "legs[0].destination" },
      { name: "mode", label: "shipment.mode", options: modes, initial: shipment.mode },
      { name: "conveyance", label: "shipment.conveyance" },
    ],
    send: (v) => api.put(`/api/shipments/${id}/route`, {
      legs: [{ origin: v.origin?.toUpperCase(), destination: v.destination?.toUpperCase(), mode: v.mode, conveyance: v.conveyance || null }],
    }),
  };
  const parties: ActionSpec = {
    title: "shipment.setParties", testId: "set-parties", invalidates,
    fields: [
      { name: "shipper_name", label: "shipment.shipper", rules: [required], apiPath: "shipper.name" },
      { name: "shipper_address", label: "shipment.address", rules: [required], apiPath: "shipper.address" },
      { name: "shipper_country", label: "common.country", rules: [countryCode], apiPath: "shipper.country" },
      { name: "consignee_name", label: "shipment.consignee", rules: [required], apiPath: "consignee.name" },
      { name: "consignee_address", label: "shipment.address", rules: [required], apiPath: "consignee.address" },
      { name: "consignee_country", label: "common.country", rules: [countryCode], apiPath: "consignee.country" },
    ],
    send: (v) => api.put(`/api/shipments/${id}/parties`, {
      shipper: { name: v.shipper_name, address: v.shipper_address, country: v.shipper_country?.toUpperCase() },
      consignee: { name: v.consignee_name, address: v.consignee_address, country: v.consignee_country?.toUpperCase() },
    }),
  };
  const cargo: ActionSpec = {
    title: "shipment.addCargo", testId: "add-cargo", invalidates,
    fields: [
      { name: "description", label: "common.description", rules: [required] },
      { name: "package_count", label: "shipment.packages", rules: [positiveDecimal] },
      { name: "package_type", label: "shipment.packageType", initial: "CT", rules: [required] },
      { name: "gross_weight_kg", label: "shipment.grossWeight", rules: [positiveDecimal] },
    ],
    send: (v) => api.put(`/api/shipments/${id}/cargo/${crypto.randomUUID().slice(0, 8)}`, {
      description: v.description, package_count: Number(v.package_count), package_type: v.package_type,
      gross_weight_kg: v.gross_weight_kg?.replace(",", "."),
    }),
  };
  const equipment: ActionSpec = {
    title: "shipment.attachEquipment", testId: "attach-equipment", invalidates,
    fields: [
      { name: "kind", label: "shipment.equipment", options: [["container", "container"], ["vehicle", "vehicle"]] },
      { name: "identifier", label: "shipment.container", rules: [required] },
    ],
    send: (v, key) => post("equipment")({ kind: v.kind, identifier: v.identifier?.toUpperCase() }, key),
  };
  const booking: ActionSpec = {
    title: "shipment.book", testId: "book", invalidates,
    fields: [
      { name: "carrier", label: "shipment.carrier", rules: [required], apiPath: "carrier.name" },
      { name: "booking_reference", label: "shipment.bookingReference", rules: [required] },
    ],
    send: (v, key) => post("booking")({ carrier: { name: v.carrier }, booking_reference: v.booking_reference }, key),
  };
  const milestone: ActionSpec = {
    title: "shipment.record", testId: "record-milestone", invalidates,
    fields: [
      { name: "milestone", label: "shipment.milestone", options: MILESTONES.map((m) => [m, label("shipment.milestoneNames", m)] as const) },
      { name: "place", label: "shipment.location", rules: [(v) => (v ? unLocode(v) : null)] },
    ],
    send: (v, key) => post("milestones")({ milestone: v.milestone, actual_at: now(), place: v.place ? v.place.toUpperCase() : null }, key),
  };
  const exception: ActionSpec = {
    title: "shipment.raise", testId: "raise-exception", invalidates,
    fields: [
      { name: "kind", label: "shipment.exceptionKind", options: ["delay", "damage", "hold"].map((k) => [k, label("shipment.exceptionKinds", k)] as const) },
      { name: "reason", label: "common.reason", rules: [required] },
    ],
    send: (v, key) => post("exceptions")({ kind: v.kind, reason: v.reason }, key),
  };
  const cancel: ActionSpec = {
    title: "shipment.cancel", testId: "cancel", invalidates,
    fields: [{ name: "reason", label: "common.reason", rules: [required] }],
    send: (v, key) => post("cancel")({ reason: v.reason }, key),
  };
  if (shipment.status === "draft") return [parties, route, cargo, equipment, booking, exception, cancel];
  return [milestone, equipment, exception, cancel];
}

function ShipmentActions({ shipment }: { shipment: Shipment }) {
  const { t, label } = useI18n();
  const { canEdit } = useSession();
  if (shipment.status === "delivered" || shipment.status === "cancelled" || !canEdit) return null;
  return (
    <Card title={t("common.actions")} className="wide">
      <div className="actions-grid">
        {shipmentActions(shipment, label).map((spec) => <ActionForm key={spec.title} spec={spec} />)}
      </div>
    </Card>
  );
}
