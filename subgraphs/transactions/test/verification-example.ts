/**
 * domain.md §7.8's worked example as meter readings: an EV portfolio (import only), 10 prior working days at 17:00
 * and 17:30, then the event day's metered 0.270 / 0.280 MWh under a DTD instruction of 0.30 MW 17:00–18:00.
 * The event is Monday 16 November 2026 (GMT, so local and UTC agree); the 10 prior working days are 2–6 and 9–13
 * November. Shared by the subgraph test and the through-the-gateway test.
 */
export const EVENT = { date: "2026-11-16", start: "2026-11-16T17:00:00.000Z", end: "2026-11-16T18:00:00.000Z", setPointMw: 0.3 };

export const PRIOR_DAYS = [
  "2026-11-02",
  "2026-11-03",
  "2026-11-04",
  "2026-11-05",
  "2026-11-06",
  "2026-11-09",
  "2026-11-10",
  "2026-11-11",
  "2026-11-12",
  "2026-11-13",
];
/** Import MWh at each period on each prior day, in PRIOR_DAYS order (the table's columns). */
export const PRIOR_IMPORT_MWH = {
  "17:00": [".42", ".40", ".45", ".38", ".41", ".39", ".43", ".60", ".20", ".41"],
  "17:30": [".44", ".46", ".43", ".47", ".45", ".42", ".44", ".15", ".70", ".45"],
} as const;
export const EVENT_IMPORT_MWH = { "17:00": "0.270", "17:30": "0.280" } as const;

/** "0.42" MWh → "420" kWh (exact: the strings are moved, never parsed as floats). */
const mwhToKwh = (mwh: string) => {
  const [whole = "0", fraction = ""] = mwh.split(".");
  const padded = fraction.padEnd(3, "0");
  return `${Number(whole) * 1000 + Number(padded.slice(0, 3))}${padded.length > 3 ? `.${padded.slice(3)}` : ""}`;
};

export interface ReadingInput {
  assetId?: string;
  marketUnitId?: string;
  intervalStart: string;
  activeImportKwh: string;
  activeExportKwh: string;
}

/** The readings of the example for `assetId`: 20 history readings and (unless `withoutEvent`) the event's periods. */
export function exampleReadings(assetId: string, { eventPeriods = ["17:00", "17:30"] as ("17:00" | "17:30")[] } = {}): ReadingInput[] {
  const readings: ReadingInput[] = [];
  for (const period of ["17:00", "17:30"] as const) {
    PRIOR_DAYS.forEach((date, i) => {
      readings.push({
        assetId,
        intervalStart: `${date}T${period}:00Z`,
        activeImportKwh: mwhToKwh(PRIOR_IMPORT_MWH[period][i] as string),
        activeExportKwh: "0",
      });
    });
  }
  for (const period of eventPeriods) {
    readings.push({
      assetId,
      intervalStart: `${EVENT.date}T${period}:00Z`,
      activeImportKwh: mwhToKwh(EVENT_IMPORT_MWH[period]),
      activeExportKwh: "0",
    });
  }
  return readings;
}

/** The figures §7.8 states, export-positive (an import-only site's baseline and metered energy are negative). */
export const EXPECTED = {
  baselineMwh: "-0.856000",
  meteredMwh: "-0.550000",
  deliveredMwh: "0.306000",
  instructedMwh: "0.300000",
  creditedMwh: "0.291000",
  deliveryRatio: "1.020000",
  availabilityRatio: "1.000000",
  periods: [
    {
      period: "17:00",
      baselineMwh: "-0.411000",
      meteredMwh: "-0.270000",
      deliveredMwh: "0.141000",
      instructedMwh: "0.150000",
      creditedMwh: "0.141000",
      deliveryRatio: "0.940000",
    },
    {
      period: "17:30",
      baselineMwh: "-0.445000",
      meteredMwh: "-0.280000",
      deliveredMwh: "0.165000",
      instructedMwh: "0.150000",
      creditedMwh: "0.150000",
      deliveryRatio: "1.100000",
    },
  ],
};

export const ASSESSMENT_FIELDS = `id status methodVersion baselineMethod direction start end baselineMwh meteredMwh deliveredMwh instructedMwh
  creditedMwh deliveryRatio availabilityRatio lateDataPeriods
  periods { period baselineMwh meteredMwh deliveredMwh instructedMwh creditedMwh deliveryRatio }`;
