import { badInput, type Identity, quote } from "@sfe/kit";
import type { AttributeType } from "../db/schema.js";
import type { RegistrationInput } from "../modules/assets/registration.js";
import type { AssetCategoryRow } from "../modules/categories/repository.js";
import type { CsvHeader, ImportColumn } from "./csv.js";

/** A CSV data row as registerAsset's input (the import then checks it as registerAsset does: registration.ts). */

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell as a number, or BAD_USER_INPUT (what GraphQL answers a Float variable that is not one). Empty:
 * null when optional, else "must not be empty".
 */
function numberCell(text: string, field: string, required: boolean): number | null {
  if (text === "") {
    if (required) throw badInput(`${field} must not be empty`, field);
    return null;
  }
  if (!NUMBER.test(text)) throw badInput(`${field} must be a number, got ${quote(text)}`, field);
  return Number(text);
}

/**
 * An attribute cell typed by the category's definition: "7" → 7 for NUMBER and INTEGER, "true"/"false" →
 * a boolean for BOOLEAN. A cell that is not of its type stays text, so the category check names the problem
 * ("must be a number") exactly as it does for registerAsset's JSON.
 */
function attributeValue(type: AttributeType | undefined, text: string): unknown {
  if (type === "NUMBER" || type === "INTEGER") return NUMBER.test(text) ? Number(text) : text;
  if (type === "BOOLEAN") {
    const lower = text.toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : text;
  }
  return text;
}

/**
 * One data row as registerAsset's input: cells trimmed, an empty cell absent, ownerId defaulting to the
 * caller's organisation, numbers and attributes typed. Throws BAD_USER_INPUT for a cell that cannot be.
 */
export function rowInput(
  cells: readonly string[],
  header: CsvHeader,
  identity: Identity | null,
  categoryOf: (code: string) => AssetCategoryRow | undefined,
): RegistrationInput {
  // A NUL character cannot be stored (Postgres text refuses it): the row is refused, naming the first such cell.
  for (const [column, index] of [
    ...Object.entries(header.columns),
    ...header.attributes.map(({ key, index }) => [`attributes.${key}`, index] as const),
  ]) {
    if (index !== undefined && cells[index]?.includes("\u0000")) {
      throw badInput(`${column} must not contain a NUL character (U+0000)`, column);
    }
  }
  const cell = (column: ImportColumn) => {
    const index = header.columns[column];
    return index === undefined ? "" : (cells[index] ?? "").trim();
  };
  const optional = (column: ImportColumn) => cell(column) || null;
  let ownerId = cell("ownerId");
  if (ownerId === "") {
    if (!identity?.organisationId) throw badInput("ownerId must be given: your account belongs to no organisation", "ownerId");
    ownerId = identity.organisationId;
  }
  const categoryCode = cell("categoryCode");
  if (categoryCode === "") throw badInput("categoryCode must not be empty", "categoryCode");
  const importCapacityKw = numberCell(cell("importCapacityKw"), "importCapacityKw", true)!;
  const exportCapacityKw = numberCell(cell("exportCapacityKw"), "exportCapacityKw", true)!;
  const energyCapacityKwh = numberCell(cell("energyCapacityKwh"), "energyCapacityKwh", false);
  const definitions = categoryOf(categoryCode.toUpperCase())?.attributes ?? [];
  const attributes: Record<string, unknown> = {};
  for (const { key, index } of header.attributes) {
    const text = (cells[index] ?? "").trim();
    if (text !== "") attributes[key] = attributeValue(definitions.find((d) => d.key === key)?.type, text);
  }
  return {
    ownerId,
    name: cell("name"),
    categoryCode,
    importCapacityKw,
    exportCapacityKw,
    energyCapacityKwh,
    postcode: optional("postcode"),
    gspGroup: optional("gspGroup"),
    meterPointId: optional("meterPointId"),
    externalId: optional("externalId"),
    carId: optional("carId"),
    attributes,
  };
}
