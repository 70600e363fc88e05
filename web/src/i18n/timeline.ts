// A shipment's timeline entry in the reader's language. The backend writes each entry in English from its
// event (streams/shipment/timeline.py); the console rebuilds the sentence from what is structured (the kind,
// the milestone, the place, the shipment's own fields) and keeps only what people or partners wrote (a note,
// a reason, a carrier's own status text) as it was written. Pure, so it is unit-tested.
import type { Locale } from "./format";

export interface TimelineEntryLike {
  kind: string;
  description: string;
  place: string | null;
  milestone: string | null;
}

export interface ShipmentFacts {
  reference: string;
  mode: string;
  carrier?: { name: string; scac?: string | null } | null;
  booking_reference?: string | null;
}

type Phrases = Readonly<Record<string, readonly [ru: string, en: string]>>;

const MILESTONES: Phrases = {
  booked: ["Забронировано", "Booked"],
  picked_up: ["Груз принят у отправителя", "Picked up"],
  departed: ["Отправлен", "Departed"],
  arrived: ["Прибыл", "Arrived"],
  customs: ["Предъявлен таможне", "Presented to customs"],
  released: ["Выпущен таможней", "Released by customs"],
  delivered: ["Доставлен", "Delivered"],
};
const EXPECTED: Phrases = {
  booked: ["Ожидается бронирование", "Booking expected"],
  picked_up: ["Ожидается приём груза", "Pickup expected"],
  departed: ["Ожидается отправление", "Departure expected"],
  arrived: ["Ожидается прибытие", "Arrival expected"],
  customs: ["Ожидается предъявление таможне", "Customs presentation expected"],
  released: ["Ожидается выпуск", "Customs release expected"],
  delivered: ["Ожидается доставка", "Delivery expected"],
};
const EXCEPTIONS: Phrases = {
  Delay: ["Задержка", "Delay"],
  Damage: ["Повреждение", "Damage"],
  Hold: ["Задержание", "Hold"],
};
const MODES: Phrases = {
  sea: ["море", "sea"], air: ["авиа", "air"], road: ["авто", "road"], rail: ["ж/д", "rail"],
  inland_waterway: ["река", "inland waterway"], multimodal: ["мультимодальная", "multimodal"],
};

function say(phrases: Phrases, key: string | null, locale: Locale, fallback: string): string {
  const found = key ? phrases[key] : undefined;
  return found ? found[locale === "ru" ? 0 : 1] : fallback;
}

/** What follows the backend's fixed English wording: text a person or partner wrote ("…: <text>"). */
export function writtenPart(description: string, after: string): string {
  const at = description.indexOf(after);
  return at >= 0 ? description.slice(at + after.length) : "";
}

export function timelineText(entry: TimelineEntryLike, shipment: ShipmentFacts, locale: Locale): string {
  const ru = locale === "ru";
  const where = entry.place ? (ru ? ` — ${entry.place}` : ` at ${entry.place}`) : "";
  switch (entry.kind) {
    case "created":
      return ru
        ? `Перевозка ${shipment.reference} создана (${say(MODES, shipment.mode, locale, shipment.mode)})`
        : `Shipment ${shipment.reference} created (${say(MODES, shipment.mode, locale, shipment.mode)})`;
    case "booked": {
      const carrier = shipment.carrier ? `${shipment.carrier.name}${shipment.carrier.scac ? ` (${shipment.carrier.scac})` : ""}` : "";
      const booking = shipment.booking_reference ?? "";
      return ru ? `Забронировано у ${carrier}, бронирование ${booking}` : `Booked with ${carrier}, booking ${booking}`;
    }
    case "expected":
      return say(EXPECTED, entry.milestone, locale, entry.description);
    case "milestone": {
      // "Departed at CNSHA (Shanghai): note", "Departed at XXABC: note" or "Departed: note"
      const fixed = entry.place ? ` at ${entry.place}` : "";
      const labelled = writtenPart(entry.description, `${fixed} (`);
      const note = writtenPart(labelled || entry.description.slice(entry.description.indexOf(fixed) + fixed.length), ": ");
      return `${say(MILESTONES, entry.milestone, locale, entry.description)}${where}${note ? `: ${note}` : ""}`;
    }
    case "exception_raised":
    case "exception_resolved": {
      const kind = entry.description.split(" ", 1)[0] ?? "";
      const raised = entry.kind === "exception_raised";
      const text = writtenPart(entry.description, raised ? " raised: " : " resolved: ");
      const verb = raised ? (ru ? "зафиксировано" : "raised") : ru ? "устранено" : "resolved";
      return `${say(EXCEPTIONS, kind, locale, kind)} ${verb}: ${text}`;
    }
    case "cancelled":
      return `${ru ? "Отменена" : "Cancelled"}: ${writtenPart(entry.description, "Cancelled: ")}`;
    default:
      return entry.description; // a carrier's own status text, in the carrier's words
  }
}
