import { createHash } from "node:crypto";

/** A UKPN licence area: MPAN distributor id, GSP group, licence area, DNO group and Elexon FMAR DNO code. */
export interface UkpnArea {
  distributorId: number;
  gspGroup: "_A" | "_C" | "_J";
  licenceArea: "Eastern" | "London" | "South Eastern";
  dnoGroup: "UKPN";
  dnoCode: "UKPN_EPN" | "UKPN_LPN" | "UKPN_SPN";
}

export const UKPN_AREAS = {
  _A: { distributorId: 10, gspGroup: "_A", licenceArea: "Eastern", dnoGroup: "UKPN", dnoCode: "UKPN_EPN" },
  _C: { distributorId: 12, gspGroup: "_C", licenceArea: "London", dnoGroup: "UKPN", dnoCode: "UKPN_LPN" },
  _J: { distributorId: 19, gspGroup: "_J", licenceArea: "South Eastern", dnoGroup: "UKPN", dnoCode: "UKPN_SPN" },
} as const satisfies Record<string, UkpnArea>;

/**
 * ILLUSTRATIVE. The UKPN file names a flexibility zone but not its licence area. This is our best guess from
 * the place names (Cambridgeshire, Essex, Norfolk, Suffolk, Hertfordshire, Bedfordshire → Eastern; inner
 * London → London; Kent, Sussex, Surrey → South Eastern). Zones not listed (street names we cannot place)
 * get one of the three areas by a hash of the name, so the choice is at least stable. See data/ATTRIBUTION.md.
 */
const ZONE_GSP_GROUP: Record<string, keyof typeof UKPN_AREAS> = {
  Aldreth: "_A",
  Bramford: "_A",
  "Bramford Diss Thetford": "_A",
  Brandon: "_A",
  Brington: "_A",
  "CATHODEON CRYSTALS LV Zone": "_A",
  Canvey: "_A",
  "Central Harpenden": "_A",
  "East Enfield": "_A",
  "Farcet 2": "_A",
  Feltwell: "_A",
  Godmanchester: "_A",
  "Greenhaze Lane LV Zone": "_A",
  Guyhirn: "_A",
  Halstead: "_A",
  Haverhill: "_A",
  Kenninghall: "_A",
  Kimbolton: "_A",
  "Kimms Belt": "_A",
  Laxfield: "_A",
  "Manton Lane": "_A",
  "March Primary": "_A",
  "Melbourn Primary": "_A",
  Reed: "_A",
  "STAGSDEN RD H/E LV Zone": "_A",
  "Sundon Little Barford": "_A",
  Takeley: "_A",
  "Thaxted Local": "_A",
  "Thorpe Grid 33": "_A",
  "Trowse Grid 33": "_A",
  Waddesdon: "_A",
  "West Horndon": "_A",
  "West Letchworth Shefford Biggleswade": "_A",
  "White Roding": "_A",
  "Wisbech Railway": "_A",
  Cockfosters: "_C",
  Croydon: "_C",
  "Hendon Way": "_C",
  "Lithos Road": "_C",
  "St Helier": "_C",
  "Sutton B": "_C",
  "Whiston Road": "_C",
  "Willesden Grid": "_C",
  Barming: "_J",
  "CRAWLEY DOWN ROAD LV Zone": "_J",
  "Capel Switching Station": "_J",
  Chartham: "_J",
  Cobham: "_J",
  Edenbridge: "_J",
  Leysdown: "_J",
  "Little Chart": "_J",
  "Medway Grid": "_J",
  Ripe: "_J",
  "Sevington Total": "_J",
  "Sittingbourne Town": "_J",
  Smeeth: "_J",
  "Steel Cross": "_J",
  "Stickfast Lane": "_J",
  "Tunbridge Wells-Pembury": "_J",
  "W. Weybridge": "_J",
  Warehorne: "_J",
  "Warehorne Kenardington Tenterden Wittersham": "_J",
  "West Chatham A": "_J",
  Wingham: "_J",
  Wittersham: "_J",
  "Worthing Grid A": "_J",
  Wrotham: "_J",
};

const FALLBACK: (keyof typeof UKPN_AREAS)[] = ["_A", "_C", "_J"];

/** The (illustrative) UKPN licence area of a flexibility zone; deterministic. */
export function ukpnAreaOfZone(zone: string): UkpnArea {
  const group = ZONE_GSP_GROUP[zone] ?? FALLBACK[createHash("sha1").update(zone).digest().readUInt32BE(0) % FALLBACK.length] ?? "_A";
  return UKPN_AREAS[group];
}
