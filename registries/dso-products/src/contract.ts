/**
 * The DSO-like SO product API's contract (CONTRACT.md), as types: snake_case, kW, a paged listing, zones
 * named as the DSO names its Constraint Managed Zones. The products subgraph's adapter
 * (subgraphs/products/src/modules/so-product-apis/adapters/dso.ts) declares the same shape itself.
 */

/** The ENA common product set (domain.md §5.3); null for a DSO's own product (UKPN Day-Ahead). */
export const ENA_PRODUCTS = ["PR", "SU", "OU", "SAOU", "VAOU"] as const;
export const PAYMENT_BASES = ["availability", "utilisation", "availability_and_utilisation"] as const;
export const DISPATCH_DIRECTIONS = ["demand_turn_down", "demand_turn_up", "generation_turn_up", "generation_turn_down"] as const;
export const PRODUCT_STATUSES = ["open", "paused", "closed"] as const;
/** Day ranges a window may name. */
export const WINDOW_DAYS = ["Mon-Fri", "Sat-Sun", "Mon-Sun"] as const;

export interface DsoServiceWindow {
  days: (typeof WINDOW_DAYS)[number];
  /** "HH:MM" local time (Europe/London). */
  from: string;
  /** "HH:MM" local time, after `from`. */
  to: string;
  /** YYYY-MM-DD, or null for all year. */
  season_start: string | null;
  season_end: string | null;
}

/** One flexibility product a DSO procures. */
export interface DsoProduct {
  /** The DSO's id for it, e.g. UKPN-SAOU. */
  product_id: string;
  /** The DSO's short name, e.g. UKPN. */
  dso: string;
  /** The DSO's own name for it, e.g. "Scheduled Availability". */
  product_name: string;
  ena_product: (typeof ENA_PRODUCTS)[number] | null;
  /** The pre-2021 ENA name (Secure, Sustain, Dynamic, Restore), where one applies. */
  legacy_name: string | null;
  payment_basis: (typeof PAYMENT_BASES)[number];
  dispatch_directions: (typeof DISPATCH_DIRECTIONS)[number][];
  /** Smallest unit (or portfolio) accepted, kW. */
  min_capacity_kw: number;
  /** Minutes from instruction to full delivery; null where it is fixed at procurement (scheduled products). */
  response_time_minutes: number | null;
  /** Shortest delivery asked for, minutes. */
  min_duration_minutes: number | null;
  service_windows: DsoServiceWindow[];
  /** The DSO's technology names (as in UKPN's open data: "EV Charger DSR", "Battery", "Flexible Site Demand"); empty means any. */
  technologies: string[];
  /** Constraint Managed Zones by name, e.g. "Hendon Way". */
  zones: string[];
  status: (typeof PRODUCT_STATUSES)[number];
  /** ISO 8601 UTC. */
  updated_at: string;
}

/** What a listing page says of each product. */
export type DsoProductSummary = Pick<DsoProduct, "product_id" | "product_name" | "status" | "updated_at">;

/** Largest listing page; the default page size is 20. */
export const MAX_PAGE_SIZE = 100;
/** At most this many ids in one batch read; more answers 400. */
export const MAX_BATCH = 25;
