// Quantities from market sources (issue 10's normalisation): MW / kW power and MWh / kWh energy kept apart in
// the types, the export-positive sign convention, non-negative checks, and product / zone aliases to one code.
import { SfeError, quote } from "./errors.js";

/** Why a quantity or alias was refused (`extensions.reason` on a BAD_USER_INPUT error, next to `field`). */
export type QuantityProblem = "NOT_A_NUMBER" | "NEGATIVE_QUANTITY" | "UNKNOWN_UNIT" | "UNKNOWN_ALIAS";

const unitError = (reason: QuantityProblem, message: string, field: string, extra: Record<string, unknown> = {}) =>
  new SfeError("BAD_USER_INPUT", message, { ...extra, field, reason });

declare const quantity: unique symbol;
/** Power in megawatts. A plain number is not one: make it with `mw` (so an energy cannot be passed as a power). */
export type Mw = number & { readonly [quantity]: "MW" };
/** Energy in megawatt-hours, made with `mwh`. */
export type Mwh = number & { readonly [quantity]: "MWh" };

export type PowerUnit = "MW" | "kW";
export type EnergyUnit = "MWh" | "kWh";

export interface QuantityOptions {
  /** The field named in an error; default "quantity". */
  field?: string;
  /** Refuse a negative value (NEGATIVE_QUANTITY): a capacity, an availability, a price-free volume. */
  nonNegative?: boolean;
}

/**
 * `value × 10^exponent` computed on the decimal digits (the shortest ones that round-trip), so 1.005 kW is
 * 0.001005 MW and 0.049 MW is 49 kW exactly, not 48.99999999999999.
 */
function scaleByPowerOfTen(value: number, exponent: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const [mantissa, power] = value.toExponential().split("e") as [string, string];
  return Number(`${mantissa}e${Number(power) + exponent}`);
}

function checked(value: number, options: QuantityOptions): number {
  const field = options.field ?? "quantity";
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw unitError("NOT_A_NUMBER", `${field} must be a finite number, got ${quote(value)}`, field);
  }
  if (options.nonNegative && value < 0) {
    throw unitError("NEGATIVE_QUANTITY", `${field} must not be negative, got ${quote(value)}`, field);
  }
  return value === 0 ? 0 : value; // no -0
}

/** A power in MW from a value in `unit` (kW are divided by 1,000 on the decimal digits). */
export function mw(value: number, unit: PowerUnit = "MW", options: QuantityOptions = {}): Mw {
  const v = checked(value, options);
  return (unit === "kW" ? scaleByPowerOfTen(v, -3) : v) as Mw;
}

/** An energy in MWh from a value in `unit`. */
export function mwh(value: number, unit: EnergyUnit = "MWh", options: QuantityOptions = {}): Mwh {
  const v = checked(value, options);
  return (unit === "kWh" ? scaleByPowerOfTen(v, -3) : v) as Mwh;
}

/** A power in another unit: `convertPower(49, "kW", "MW")` = 0.049. */
export function convertPower(value: number, from: PowerUnit, to: PowerUnit): number {
  if (from === to) return value;
  return scaleByPowerOfTen(value, from === "kW" ? -3 : 3);
}

/** An energy in another unit: `convertEnergy(0.72, "MWh", "kWh")` = 720. */
export function convertEnergy(value: number, from: EnergyUnit, to: EnergyUnit): number {
  if (from === to) return value;
  return scaleByPowerOfTen(value, from === "kWh" ? -3 : 3);
}

/** The energy delivered at an average power over `hours` (MWh = MW × h). */
export function energyOver(power: Mw, hours: number): Mwh {
  return (power * hours) as Mwh;
}

/** A settlement period's energy from its average MW: MW × 0.5 h (exact: halving a binary number is). */
export function halfHourEnergy(power: Mw): Mwh {
  return (power / 2) as Mwh;
}

/** The average power that delivers `energy` over `hours`. */
export function averagePower(energy: Mwh, hours: number): Mw {
  return (energy / hours) as Mw;
}

/** A value with a unit a source names (`MW`, `kw`, `MWh`, `KWH`, case folded): a power or an energy, in MW / MWh. */
export type Quantity = { kind: "power"; mw: Mw } | { kind: "energy"; mwh: Mwh };

const UNIT_NAMES: Readonly<Record<string, PowerUnit | EnergyUnit>> = { mw: "MW", kw: "kW", mwh: "MWh", kwh: "kWh" };

/**
 * A value in a unit named by text. Case is folded because sources write `MW`, `Mw` and `mw` for megawatts
 * (nobody trades milliwatts); an unknown unit is UNKNOWN_UNIT.
 */
export function quantityIn(value: number, unit: string, options: QuantityOptions = {}): Quantity {
  const field = options.field ?? "quantity";
  const known = UNIT_NAMES[unit.trim().toLowerCase()];
  if (!known) throw unitError("UNKNOWN_UNIT", `${field} has an unknown unit ${quote(unit)}: use MW, kW, MWh or kWh`, field);
  return known === "MW" || known === "kW"
    ? { kind: "power", mw: mw(value, known, options) }
    : { kind: "energy", mwh: mwh(value, known, options) };
}

/** Which direction a source counts as positive. */
export type SignConvention = "IMPORT_POSITIVE" | "EXPORT_POSITIVE";

/**
 * A signed value in the hub's convention, export-positive (power to the grid, or demand turned down, is positive;
 * import is negative): a value from an import-positive source changes sign.
 */
export function toExportPositive<T extends number>(value: T, convention: SignConvention): T {
  if (convention === "EXPORT_POSITIVE") return (value === 0 ? 0 : value) as T;
  return (value === 0 ? 0 : -value) as T;
}

// ---- aliases --------------------------------------------------------------------------------------------

/** The key an alias is looked up by: Unicode-normalised, lower case, runs of spaces, hyphens and underscores as one `_`. */
export function foldAlias(value: string): string {
  return value
    .normalize("NFKC")
    .trim()
    .toLowerCase()
    .replace(/[\s\-_‐-―]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** Codes by folded alias; build with `aliasTable`. */
export interface AliasTable<Code extends string = string> {
  /** What the table names, for error messages: "product", "zone". */
  readonly kind: string;
  readonly codes: readonly Code[];
  readonly byKey: ReadonlyMap<string, Code>;
}

/**
 * An alias table from each code's spellings (the code itself is one): `aliasTable("product", { DAY_AHEAD: ["Day-Ahead", "DA"] })`.
 * Two codes whose spellings fold to one key is a programming error and throws.
 */
export function aliasTable<Code extends string>(kind: string, spellings: Readonly<Record<Code, readonly string[]>>): AliasTable<Code> {
  const byKey = new Map<string, Code>();
  const codes = Object.keys(spellings) as Code[];
  for (const code of codes) {
    for (const spelling of [code, ...spellings[code]]) {
      const key = foldAlias(spelling);
      const existing = byKey.get(key);
      if (existing !== undefined && existing !== code) {
        throw new Error(`${kind} alias "${spelling}" is both ${existing} and ${code}`);
      }
      byKey.set(key, code);
    }
  }
  return { kind, codes, byKey };
}

/**
 * The one code for a source's spelling (`Day-Ahead`, `Day Ahead`, `day_ahead` → `DAY_AHEAD`); an unknown one is
 * BAD_USER_INPUT with reason UNKNOWN_ALIAS, the value quoted and the table's kind in `extensions.aliasKind`.
 */
export function normaliseAlias<Code extends string>(value: string, table: AliasTable<Code>, options: { field?: string } = {}): Code {
  const field = options.field ?? table.kind;
  const code = typeof value === "string" ? table.byKey.get(foldAlias(value)) : undefined;
  if (code === undefined) {
    const known = table.codes.length <= 12 ? `; known: ${table.codes.join(", ")}` : "";
    throw unitError("UNKNOWN_ALIAS", `Unknown ${table.kind} ${quote(value)}${known}`, field, { aliasKind: table.kind });
  }
  return code;
}
