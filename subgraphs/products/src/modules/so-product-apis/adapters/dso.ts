import type { Direction, ProductStatus, ServiceType, ServiceWindow } from "../../../db/schema.js";
import { type ExternalProduct, instant, isNullableNumber, isNumber, isString, type SoProductAdapter } from "./adapter.js";

/**
 * The DSO-like SO product API (registries/dso-products/CONTRACT.md): a paged snake_case listing
 * (`GET /api/v2/flexibility-products?page=&page_size=`), a GET batch read of up to 25 ids, kW, CMZ names,
 * the DSO's technology names.
 */
const PATH = "/api/v2/flexibility-products";
/** The listing's largest page; a catalogue is followed for at most this many pages (100 × 20 products). */
const PAGE_SIZE = 100;
const MAX_PAGES = 20;

interface DsoWindow {
  days: "Mon-Fri" | "Sat-Sun" | "Mon-Sun";
  from: string;
  to: string;
  season_start: string | null;
  season_end: string | null;
}

interface DsoProduct {
  product_id: string;
  product_name: string;
  payment_basis: "availability" | "utilisation" | "availability_and_utilisation";
  dispatch_directions: string[];
  min_capacity_kw: number;
  response_time_minutes: number | null;
  min_duration_minutes: number | null;
  service_windows: DsoWindow[];
  technologies: string[];
  zones: string[];
  status: "open" | "paused" | "closed";
  updated_at: string;
}

const SERVICE_TYPES: Record<DsoProduct["payment_basis"], ServiceType> = {
  availability: "AVAILABILITY_ONLY",
  utilisation: "UTILISATION_ONLY",
  availability_and_utilisation: "AVAILABILITY_AND_UTILISATION",
};
const DIRECTIONS = new Set<string>(["demand_turn_down", "demand_turn_up", "generation_turn_up", "generation_turn_down"]);
const STATUSES: Record<DsoProduct["status"], ProductStatus> = { open: "PUBLISHED", paused: "SUSPENDED", closed: "RETIRED" };
const DAYS: Record<DsoWindow["days"], number[]> = { "Mon-Fri": [1, 2, 3, 4, 5], "Sat-Sun": [6, 7], "Mon-Sun": [1, 2, 3, 4, 5, 6, 7] };
/** The DSO's technology names (UKPN's open data) → the hub's asset category codes (Elexon AssetCategory). */
const TECHNOLOGIES: Record<string, string> = {
  "EV Charger DSR": "EV_CHARGER",
  Battery: "BESS",
  "Flexible Site Demand": "INDUSTRIAL_LOAD",
  "Heat Pump": "HEAT_PUMP",
  "Solar PV": "SOLAR_PV",
};
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const dsoAdapter: SoProductAdapter = {
  title: "The DSO product API",
  batchSize: 25,

  async list(http) {
    const ids: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = (await http.getJson(`${PATH}?page=${page}&page_size=${PAGE_SIZE}`)) as {
        data?: { product_id?: unknown }[];
        meta?: { total_pages?: unknown };
      } | null;
      if (!Array.isArray(answer?.data) || !isNumber(answer.meta?.total_pages)) throw new Error("DSO listing is not a page");
      for (const summary of answer.data) {
        if (!isString(summary?.product_id)) throw new Error("DSO listing holds a malformed product");
        ids.push(summary.product_id);
      }
      if (page >= answer.meta.total_pages) break;
    }
    return ids;
  },

  async fetchBatch(ids, http) {
    const answer = (await http.getJson(`${PATH}/batch?product_id=${ids.map(encodeURIComponent).join(",")}`)) as { data?: unknown } | null;
    if (!Array.isArray(answer?.data)) throw new Error("DSO batch answer has no data array");
    return new Map(answer.data.map((product: unknown) => [(product as DsoProduct).product_id, mapDsoProduct(product)]));
  },
};

const validWindow = (w: Partial<DsoWindow> | null) =>
  w !== null &&
  typeof w === "object" &&
  isString(w.days) &&
  w.days in DAYS &&
  isString(w.from) &&
  TIME.test(w.from) &&
  isString(w.to) &&
  TIME.test(w.to) &&
  w.from < w.to &&
  (w.season_start === null || (isString(w.season_start) && DATE.test(w.season_start))) &&
  (w.season_end === null || (isString(w.season_end) && DATE.test(w.season_end)));

/** A DSO product in the hub's terms; anything off-contract throws (and the call is retried, then fails). */
export function mapDsoProduct(value: unknown): ExternalProduct {
  const p = value as Partial<DsoProduct> | null;
  const valid =
    p !== null &&
    typeof p === "object" &&
    isString(p.product_id) &&
    isString(p.product_name) &&
    isString(p.payment_basis) &&
    p.payment_basis in SERVICE_TYPES &&
    Array.isArray(p.dispatch_directions) &&
    p.dispatch_directions.every((d) => DIRECTIONS.has(d)) &&
    isNumber(p.min_capacity_kw) &&
    isNullableNumber(p.response_time_minutes) &&
    isNullableNumber(p.min_duration_minutes) &&
    Array.isArray(p.service_windows) &&
    p.service_windows.every(validWindow) &&
    Array.isArray(p.technologies) &&
    p.technologies.every(isString) &&
    Array.isArray(p.zones) &&
    p.zones.every(isString) &&
    isString(p.status) &&
    p.status in STATUSES;
  if (!valid) throw new Error("DSO answer holds a malformed product");
  const product = p as DsoProduct;
  return {
    externalId: product.product_id,
    code: product.product_id.toUpperCase(),
    name: product.product_name,
    serviceType: SERVICE_TYPES[product.payment_basis],
    directions: product.dispatch_directions.map((d) => d.toUpperCase() as Direction),
    minimumCapacityKw: product.min_capacity_kw,
    responseTimeSeconds: product.response_time_minutes === null ? null : product.response_time_minutes * 60,
    durationMinutes: product.min_duration_minutes,
    serviceWindows: product.service_windows.map(
      (w): ServiceWindow => ({
        daysOfWeek: DAYS[w.days],
        startLocal: w.from,
        endLocal: w.to,
        seasonStart: w.season_start,
        seasonEnd: w.season_end,
      }),
    ),
    eligibleTechnologies: [...new Set(product.technologies.map((t) => TECHNOLOGIES[t] ?? "OTHER"))],
    locations: product.zones,
    status: STATUSES[product.status],
    updatedAt: instant(product.updated_at, "updated_at"),
  };
}
