// GB market reference data several subgraphs need (a subgraph imports no other, so it lives in the kit).

/** A GB distribution licence area: its MPAN distributor id, GSP group, name and DNO group. */
export interface LicenceArea {
  distributorId: number;
  gspGroup: string;
  licenceArea: string;
  dnoGroup: string;
}

/** The 14 GB licence areas, by MPAN distributor id (the first two digits of an MPAN core). */
export const LICENCE_AREAS: readonly LicenceArea[] = [
  { distributorId: 10, gspGroup: "_A", licenceArea: "Eastern", dnoGroup: "UKPN" },
  { distributorId: 11, gspGroup: "_B", licenceArea: "East Midlands", dnoGroup: "NGED" },
  { distributorId: 12, gspGroup: "_C", licenceArea: "London", dnoGroup: "UKPN" },
  { distributorId: 13, gspGroup: "_D", licenceArea: "Merseyside & North Wales", dnoGroup: "SPEN" },
  { distributorId: 14, gspGroup: "_E", licenceArea: "West Midlands", dnoGroup: "NGED" },
  { distributorId: 15, gspGroup: "_F", licenceArea: "North East", dnoGroup: "NPg" },
  { distributorId: 16, gspGroup: "_G", licenceArea: "North West", dnoGroup: "ENWL" },
  { distributorId: 17, gspGroup: "_P", licenceArea: "North Scotland", dnoGroup: "SSEN" },
  { distributorId: 18, gspGroup: "_N", licenceArea: "South Scotland", dnoGroup: "SPEN" },
  { distributorId: 19, gspGroup: "_J", licenceArea: "South Eastern", dnoGroup: "UKPN" },
  { distributorId: 20, gspGroup: "_H", licenceArea: "Southern", dnoGroup: "SSEN" },
  { distributorId: 21, gspGroup: "_K", licenceArea: "South Wales", dnoGroup: "NGED" },
  { distributorId: 22, gspGroup: "_L", licenceArea: "South Western", dnoGroup: "NGED" },
  { distributorId: 23, gspGroup: "_M", licenceArea: "Yorkshire", dnoGroup: "NPg" },
];

/** The 14 GB GSP groups, `_A` … `_P` (there is no `_I` or `_O`). */
export const GSP_GROUPS: ReadonlySet<string> = new Set(LICENCE_AREAS.map((area) => area.gspGroup));

/**
 * Bank holidays in England and Wales, 2019–2027, as GOV.UK publishes them (https://www.gov.uk/bank-holidays, Open
 * Government Licence v3.0), with the one-off days (8 May 2020 moved from 4 May, 2–3 June 2022, 19 September 2022,
 * 8 May 2023). A baseline's working-day pool leaves them out (domain §7.8). Scotland keeps other days
 * (SCOTLAND_BANK_HOLIDAYS); the hub uses this list for every asset outside the Scottish GSP groups (bankHolidaysFor).
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: ReadonlySet<string> = new Set([
  "2019-01-01",
  "2019-04-19",
  "2019-04-22",
  "2019-05-06",
  "2019-05-27",
  "2019-08-26",
  "2019-12-25",
  "2019-12-26",
  "2020-01-01",
  "2020-04-10",
  "2020-04-13",
  "2020-05-08",
  "2020-05-25",
  "2020-08-31",
  "2020-12-25",
  "2020-12-28",
  "2021-01-01",
  "2021-04-02",
  "2021-04-05",
  "2021-05-03",
  "2021-05-31",
  "2021-08-30",
  "2021-12-27",
  "2021-12-28",
  "2022-01-03",
  "2022-04-15",
  "2022-04-18",
  "2022-05-02",
  "2022-06-02",
  "2022-06-03",
  "2022-08-29",
  "2022-09-19",
  "2022-12-26",
  "2022-12-27",
  "2023-01-02",
  "2023-04-07",
  "2023-04-10",
  "2023-05-01",
  "2023-05-08",
  "2023-05-29",
  "2023-08-28",
  "2023-12-25",
  "2023-12-26",
  "2024-01-01",
  "2024-03-29",
  "2024-04-01",
  "2024-05-06",
  "2024-05-27",
  "2024-08-26",
  "2024-12-25",
  "2024-12-26",
  "2025-01-01",
  "2025-04-18",
  "2025-04-21",
  "2025-05-05",
  "2025-05-26",
  "2025-08-25",
  "2025-12-25",
  "2025-12-26",
  "2026-01-01",
  "2026-04-03",
  "2026-04-06",
  "2026-05-04",
  "2026-05-25",
  "2026-08-31",
  "2026-12-25",
  "2026-12-28",
  "2027-01-01",
  "2027-03-26",
  "2027-03-29",
  "2027-05-03",
  "2027-05-31",
  "2027-08-30",
  "2027-12-27",
  "2027-12-28",
]);

/**
 * Bank holidays in Scotland, 2019–2027, as GOV.UK publishes them (https://www.gov.uk/bank-holidays, division
 * `scotland`, Open Government Licence v3.0): 2 January and St Andrew's Day (30 November, or the Monday after) but no
 * Easter Monday, the summer holiday on the first Monday of August, a day that falls on a weekend moved to the next
 * working day, and the same one-off days as England and Wales (8 May 2020, 2–3 June 2022, 19 September 2022, 8 May 2023).
 */
export const SCOTLAND_BANK_HOLIDAYS: ReadonlySet<string> = new Set([
  ...["2019-01-01", "2019-01-02", "2019-04-19", "2019-05-06", "2019-05-27", "2019-08-05", "2019-12-02", "2019-12-25", "2019-12-26"],
  ...["2020-01-01", "2020-01-02", "2020-04-10", "2020-05-08", "2020-05-25", "2020-08-03", "2020-11-30", "2020-12-25", "2020-12-28"],
  ...["2021-01-01", "2021-01-04", "2021-04-02", "2021-05-03", "2021-05-31", "2021-08-02", "2021-11-30", "2021-12-27", "2021-12-28"],
  ...["2022-01-03", "2022-01-04", "2022-04-15", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-01", "2022-09-19", "2022-11-30"],
  ...["2022-12-26", "2022-12-27"],
  ...["2023-01-02", "2023-01-03", "2023-04-07", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-07", "2023-11-30", "2023-12-25"],
  ...["2023-12-26"],
  ...["2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06", "2024-05-27", "2024-08-05", "2024-12-02", "2024-12-25", "2024-12-26"],
  ...["2025-01-01", "2025-01-02", "2025-04-18", "2025-05-05", "2025-05-26", "2025-08-04", "2025-12-01", "2025-12-25", "2025-12-26"],
  ...["2026-01-01", "2026-01-02", "2026-04-03", "2026-05-04", "2026-05-25", "2026-08-03", "2026-11-30", "2026-12-25", "2026-12-28"],
  ...["2027-01-01", "2027-01-04", "2027-03-26", "2027-05-03", "2027-05-31", "2027-08-02", "2027-11-30", "2027-12-27", "2027-12-28"],
]);

/** The GSP groups in Scotland: South Scotland (_N, SP Distribution) and North Scotland (_P, SSEN). */
export const SCOTTISH_GSP_GROUPS: ReadonlySet<string> = new Set(["_N", "_P"]);

/** The bank holidays of where an asset lies, by its GSP group: Scotland's in _N and _P, else England and Wales'. */
export const bankHolidaysFor = (gspGroup: string | null | undefined): ReadonlySet<string> =>
  gspGroup && SCOTTISH_GSP_GROUPS.has(gspGroup) ? SCOTLAND_BANK_HOLIDAYS : ENGLAND_AND_WALES_BANK_HOLIDAYS;
