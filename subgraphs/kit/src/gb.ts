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
