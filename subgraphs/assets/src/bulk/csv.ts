import { quote } from "@sfe/kit";
import { CsvError, parse } from "csv-parse/sync";

/**
 * The CSV of bulk registration and export: the columns, parsing an upload, and writing RFC 4180 fields.
 * An import names RegisterAssetInput's fields; an export adds what the hub sets or derives.
 */

/** The columns an import may have, in RegisterAssetInput's order (and an export's, after `id`). */
export const IMPORT_COLUMNS = [
  "ownerId",
  "name",
  "categoryCode",
  "importCapacityKw",
  "exportCapacityKw",
  "energyCapacityKwh",
  "postcode",
  "gspGroup",
  "meterPointId",
  "externalId",
  "carId",
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Columns an import must have (a row may still leave ownerId and the optional fields empty). */
export const REQUIRED_COLUMNS: readonly ImportColumn[] = ["name", "categoryCode", "importCapacityKw", "exportCapacityKw"];

/** Columns an export has that an import may not: the hub sets or derives them. */
export const EXPORT_ONLY_COLUMNS = ["id", "status", "licenceArea", "dnoGroup", "createdAt"] as const;

/** `attr.<key>`: one of the asset category's attributes (AssetCategory.attributes). */
export const ATTRIBUTE_PREFIX = "attr.";

/** Where each column of an upload is. */
export interface CsvHeader {
  width: number;
  columns: Partial<Record<ImportColumn, number>>;
  attributes: { key: string; index: number }[];
}

/** Something wrong with the file as a whole (400): no header, an unknown column, malformed CSV. */
export class CsvFileError extends Error {}

/** The records of a CSV text (header first), every field a string; quoting errors become CsvFileError. */
export function parseCsv(text: string): string[][] {
  try {
    // Rows of the wrong width are reported per row (importRows), not as a broken file.
    return parse(text, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (error) {
    if (error instanceof CsvError) throw new CsvFileError(`The file is not valid CSV: ${error.message}`);
    throw error;
  }
}

/**
 * The header row checked: known, distinct columns (trimmed), the required ones present, and `attr.<key>` only
 * for a key some category defines (`attributeKeys`).
 */
export function readHeader(names: readonly string[] | undefined, attributeKeys: ReadonlySet<string>): CsvHeader {
  if (!names || names.every((name) => name.trim() === "")) {
    throw new CsvFileError(`The file is empty: its first line must be a header row, e.g. ${IMPORT_COLUMNS.join(",")}`);
  }
  const header: CsvHeader = { width: names.length, columns: {}, attributes: [] };
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [index, raw] of names.entries()) {
    const name = raw.trim();
    if (seen.has(name)) {
      problems.push(`column ${quote(name)} appears more than once`);
      continue;
    }
    seen.add(name);
    if ((IMPORT_COLUMNS as readonly string[]).includes(name)) header.columns[name as ImportColumn] = index;
    else if (name.startsWith(ATTRIBUTE_PREFIX)) {
      const key = name.slice(ATTRIBUTE_PREFIX.length);
      if (attributeKeys.has(key)) header.attributes.push({ key, index });
      else problems.push(`column ${quote(name)}: no asset category has an attribute ${quote(key)}`);
    } else if ((EXPORT_ONLY_COLUMNS as readonly string[]).includes(name)) {
      problems.push(`column ${quote(name)} is exported but cannot be imported (the hub sets it): remove it`);
    } else problems.push(`unknown column ${quote(name)}`);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => header.columns[column] === undefined);
  if (missing.length > 0) problems.push(`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  if (problems.length > 0) {
    throw new CsvFileError(
      `Header row: ${problems.join("; ")}. Columns are ${IMPORT_COLUMNS.join(", ")} and ${ATTRIBUTE_PREFIX}<key> for category attributes`,
    );
  }
  return header;
}

/** One field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One record, CRLF-terminated (RFC 4180). */
export const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(",")}\r\n`;
