import type { DsoProduct } from "./contract.js";

/**
 * The stand-in's products: UK Power Networks' flexibility products. Product names, zone names and the
 * technologies are UKPN's own, from its open *Flexibility Dispatches* dataset (UK Power Networks Open Data
 * Portal, CC BY 4.0, attribute UK Power Networks: /work/shared/data/real/
 * ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv): for each product the six zones with
 * the most dispatches and its most frequent window. The ENA mapping follows domain.md §5.3. Sizes, notice
 * times, seasons and dates are ILLUSTRATIVE; Operational Utilisation is an ILLUSTRATIVE product (UKPN's
 * dataset holds none). UKPN publishes no such API: this one only looks like what a DSO's could be.
 */
const TECHNOLOGIES = ["EV Charger DSR", "Battery", "Flexible Site Demand"];
const WINTER = { season_start: "2025-11-01", season_end: "2026-03-31" };
const ALL_YEAR = { season_start: null, season_end: null };

export function demoProducts(): DsoProduct[] {
  const base: Pick<DsoProduct, "dso" | "dispatch_directions" | "min_capacity_kw" | "technologies" | "status" | "updated_at"> = {
    dso: "UKPN",
    dispatch_directions: ["demand_turn_down", "generation_turn_up"],
    min_capacity_kw: 10,
    technologies: TECHNOLOGIES,
    status: "open",
    updated_at: "2025-10-01T08:00:00.000Z",
  };
  return [
    {
      ...base,
      product_id: "UKPN-SAOU",
      product_name: "Scheduled Availability",
      ena_product: "SAOU",
      legacy_name: "Secure",
      payment_basis: "availability_and_utilisation",
      response_time_minutes: 15,
      min_duration_minutes: 30,
      service_windows: [{ days: "Mon-Fri", from: "15:00", to: "19:00", ...WINTER }],
      zones: ["Thorpe Grid 33", "Brockenhurst Mill Hill Total", "North Drive", "Wrotham", "Hendon Way", "Central Harpenden"],
    },
    {
      ...base,
      product_id: "UKPN-PR",
      product_name: "Peak Reduction",
      ena_product: "PR",
      legacy_name: "Sustain",
      payment_basis: "utilisation",
      response_time_minutes: null,
      min_duration_minutes: 60,
      service_windows: [{ days: "Mon-Fri", from: "15:00", to: "19:00", ...WINTER }],
      zones: ["Cobham", "Wingham", "Hendon Way", "Willesden Grid", "Kenninghall", "Steel Cross"],
    },
    {
      ...base,
      product_id: "UKPN-LTU",
      product_name: "Long-Term Utilisation",
      ena_product: "SU",
      legacy_name: "Sustain",
      payment_basis: "utilisation",
      response_time_minutes: null,
      min_duration_minutes: 30,
      service_windows: [{ days: "Mon-Sun", from: "08:00", to: "23:00", ...ALL_YEAR }],
      zones: [
        "Willesden Grid",
        "Bramford Diss Thetford",
        "North Drive",
        "Tunbridge Wells-Pembury",
        "CATHODEON CRYSTALS LV Zone",
        "Sevington Total",
      ],
    },
    {
      ...base,
      product_id: "UKPN-DA",
      product_name: "Day-Ahead",
      ena_product: null,
      legacy_name: null,
      payment_basis: "utilisation",
      response_time_minutes: null,
      min_duration_minutes: 30,
      service_windows: [{ days: "Mon-Sun", from: "17:00", to: "19:00", ...ALL_YEAR }],
      zones: [
        "Trowse Grid 33",
        "West Letchworth Shefford Biggleswade",
        "Uplands Park",
        "Cockfosters",
        "Worthing Grid A",
        "Central Harpenden",
      ],
    },
    {
      ...base,
      product_id: "UKPN-OU",
      product_name: "Operational Utilisation",
      ena_product: "OU",
      legacy_name: "Restore",
      payment_basis: "utilisation",
      dispatch_directions: ["demand_turn_down"],
      min_capacity_kw: 50,
      response_time_minutes: 15,
      min_duration_minutes: 30,
      service_windows: [],
      technologies: ["Battery", "Flexible Site Demand"],
      zones: ["Hendon Way", "Willesden Grid"],
    },
  ];
}
