// A declarative column mapping any SO's CSV can be described with (issue 10 item 2): for each field of the hub's
// record, the source column, its kind and unit, the timezone a naive timestamp is in, the sign convention and the
// alias table that turns the source's spelling into one code. `mapRow` applies a mapping to one parsed CSV record
// (column → text) and returns the typed values or the first coded row error. Pure: no I/O, never throws for bad data.
import {
  type AliasTable,
  type EnergyUnit,
  type Mw,
  type Mwh,
  type ParsedTimestamp,
  type PowerUnit,
  type SignConvention,
  SfeError,
  mw,
  mwh,
  normaliseAlias,
  parseTimestamp,
  quote,
  toExportPositive,
} from "@sfe/kit";

/** One parsed CSV record: column name → cell text (as csv-parse gives with `columns: true`). */
export type CsvRecord = Readonly<Record<string, string | undefined>>;

/** Why a row was refused: the kit's reasons plus the adapters' own. */
export type RowProblem =
  | "MISSING_VALUE"
  | "NOT_A_NUMBER"
  | "NEGATIVE_QUANTITY"
  | "UNKNOWN_ALIAS"
  | "UNKNOWN_UNIT"
  | "MALFORMED_TIMESTAMP"
  | "MALFORMED_DATE"
  | "NONEXISTENT_LOCAL_TIME"
  | "AMBIGUOUS_LOCAL_TIME"
  | "EFA_BLOCK_OUT_OF_RANGE"
  | "SETTLEMENT_PERIOD_OUT_OF_RANGE"
  | "END_BEFORE_START"
  | "LOCAL_TIME_MISMATCH"
  | "DELIVERY_DATE_MISMATCH"
  | "NOT_ON_EFA_BOUNDARY";

/** A refused row: its number (1 = first data row after the header), the hub field, the error code and reason. */
export interface RowError {
  row: number;
  field: string;
  code: "BAD_USER_INPUT";
  reason: RowProblem;
  message: string;
}

export type AdapterResult<T> = { ok: true; row: number; value: T } | { ok: false; row: number; error: RowError };

export const rowError = (row: number, field: string, reason: RowProblem, message: string): RowError => ({
  row,
  field,
  code: "BAD_USER_INPUT",
  reason,
  message,
});

/** A kit SfeError (BAD_USER_INPUT with `extensions.reason`) as a row error; anything else is a bug and rethrown. */
export function fromKitError(row: number, field: string, error: unknown): RowError {
  if (error instanceof SfeError && error.extensions.code === "BAD_USER_INPUT") {
    const reason = (error.extensions.reason as RowProblem | undefined) ?? "MISSING_VALUE";
    return rowError(row, (error.extensions.field as string | undefined) ?? field, reason, error.message);
  }
  throw error;
}

/** Thrown inside an adapter and turned into a row error by `catchRow`; never escapes. */
export class RowRefused extends Error {
  constructor(readonly error: RowError) {
    super(error.message);
  }
}

/** Runs `build`; a kit coded error or a RowRefused becomes the row's error. */
export function catchRow<T>(row: number, field: () => string, build: () => T): AdapterResult<T> {
  try {
    return { ok: true, row, value: build() };
  } catch (error) {
    if (error instanceof RowRefused) return { ok: false, row, error: error.error };
    return { ok: false, row, error: fromKitError(row, field(), error) };
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A decimal as the source wrote it, checked (`-12.50`, no exponent, no thousands separator), with a redundant
 * leading `+`/zeros and trailing fractional zeros kept as written: the text is exact, never a float round trip.
 */
export function exactDecimal(value: string, field: string, row: number, options: { nonNegative?: boolean } = {}): string {
  const v = value.trim();
  if (!DECIMAL.test(v))
    throw new RowRefused(rowError(row, field, "NOT_A_NUMBER", `${field} must be a decimal number, got ${quote(value)}`));
  if (options.nonNegative && v.startsWith("-") && !/^-0(\.0+)?$/.test(v)) {
    throw new RowRefused(rowError(row, field, "NEGATIVE_QUANTITY", `${field} must not be negative, got ${quote(value)}`));
  }
  return v;
}

/** How a field is read from its column. */
export type FieldSpec =
  | { kind: "text"; column: string; optional?: boolean; nulls?: readonly string[] }
  | { kind: "decimal"; column: string; optional?: boolean; nonNegative?: boolean }
  | { kind: "power"; column: string; unit: PowerUnit; nonNegative?: boolean; sign?: SignConvention; optional?: boolean }
  | { kind: "energy"; column: string; unit: EnergyUnit; nonNegative?: boolean; sign?: SignConvention; optional?: boolean }
  | { kind: "timestamp"; column: string; timezone: "UTC" | "Europe/London"; optional?: boolean }
  | { kind: "alias"; column: string; table: AliasTable; optional?: boolean };

type Base<S extends FieldSpec> = S extends { kind: "text" | "decimal" }
  ? string
  : S extends { kind: "power" }
    ? Mw
    : S extends { kind: "energy" }
      ? Mwh
      : S extends { kind: "timestamp" }
        ? ParsedTimestamp
        : S extends { kind: "alias"; table: AliasTable<infer C> }
          ? C
          : never;

/** The value a spec yields: null only when the spec is optional and the cell blank. */
export type FieldValue<S extends FieldSpec> = S extends { optional: true } ? Base<S> | null : Base<S>;

/** A whole mapping: hub field → how to read it. */
export type ColumnMapping = Readonly<Record<string, FieldSpec>>;
export type MappedRow<M extends ColumnMapping> = { -readonly [K in keyof M]: FieldValue<M[K]> };

const NULLS = new Set(["", "n/a", "na", "null"]);

/** One field of one record, or a thrown RowRefused / kit error (use inside `catchRow`). */
export function readField<S extends FieldSpec>(record: CsvRecord, field: string, spec: S, row: number): FieldValue<S> {
  const raw = (record[spec.column] ?? "").trim();
  const blank = spec.kind === "text" && spec.nulls ? spec.nulls.includes(raw) || raw === "" : NULLS.has(raw.toLowerCase());
  if (blank) {
    if (spec.optional) return null as FieldValue<S>;
    throw new RowRefused(rowError(row, field, "MISSING_VALUE", `${field} (column ${quote(spec.column)}) is blank`));
  }
  switch (spec.kind) {
    case "text":
      return raw as FieldValue<S>;
    case "decimal":
      return exactDecimal(raw, field, row, spec) as FieldValue<S>;
    case "power":
    case "energy": {
      const n = Number(exactDecimal(raw, field, row, spec));
      const value =
        spec.kind === "power"
          ? mw(n, spec.unit, { field, nonNegative: spec.nonNegative })
          : mwh(n, spec.unit, { field, nonNegative: spec.nonNegative });
      return (spec.sign ? toExportPositive(value, spec.sign) : value) as FieldValue<S>;
    }
    case "timestamp": {
      // A naive value is read in the mapping's timezone; one with Z or an offset is taken as written.
      const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(raw) && /[T ]\d{2}:\d{2}/.test(raw);
      const text = spec.timezone === "UTC" && !hasOffset ? `${raw}Z` : raw;
      return parseTimestamp(text, { field }) as FieldValue<S>;
    }
    case "alias":
      return normaliseAlias(raw, spec.table, { field }) as FieldValue<S>;
  }
}

/** Every field of `mapping` from one record: the typed row, or the first coded row error in mapping order. */
export function mapRow<M extends ColumnMapping>(mapping: M, record: CsvRecord, row: number): AdapterResult<MappedRow<M>> {
  let current = "";
  return catchRow(
    row,
    () => current,
    () => {
      const out: Record<string, unknown> = {};
      for (const [field, spec] of Object.entries(mapping)) {
        current = field;
        out[field] = readField(record, field, spec, row);
      }
      return out as MappedRow<M>;
    },
  );
}
