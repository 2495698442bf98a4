import { badInput, type Identity, quote, requireUuid } from "@sfe/kit";
import { canSeeAsset, requireMayRegisterFor } from "./access.js";
import type { CarAsset } from "./clients/car.js";
import type { AttributeType } from "./db/schema.js";
import type { AssetRow, NewAsset } from "./repositories/assets.js";
import type { AssetCategoryRow } from "./modules/categories/repository.js";
import { assetName, capacity, carId, externalId, location, optionalCapacity, requireEnergyCapacity } from "./validation.js";
import { assetAttributes } from "./modules/categories/validation.js";
import type { CsvHeader, ImportColumn } from "./bulk/csv.js";

/** RegisterAssetInput, as registerAsset receives it once GraphQL has coerced the variables. */
export interface RegistrationInput {
  ownerId: string;
  name: string;
  categoryCode: string;
  importCapacityKw: number;
  exportCapacityKw: number;
  energyCapacityKwh?: number | null;
  postcode?: string | null;
  gspGroup?: string | null;
  meterPointId?: string | null;
  externalId?: string | null;
  carId?: string | null;
  attributes?: Record<string, unknown> | null;
}

/**
 * The checks of every registration (registerAsset, importAssetFromCar, the CSV import), in one order and
 * with one set of messages: the row to insert, or the first SfeError. What it leaves to the caller: that the owner
 * exists and the CAR id is in the CAR and its record is this asset (`requireCarRecordMatches`; lookups a file makes
 * once for all its rows), and uniqueness of the meter point, CAR id and external id.
 */
export function registrationValues(
  input: RegistrationInput,
  identity: Identity | null,
  categoryOf: (code: string) => AssetCategoryRow | undefined,
): NewAsset {
  const ownerId = requireUuid(input.ownerId, "ownerId");
  requireMayRegisterFor(identity, ownerId);
  const name = assetName(input.name);
  const category = categoryOf(input.categoryCode.trim().toUpperCase());
  if (!category) throw badInput(`categoryCode: unknown asset category ${quote(input.categoryCode)}`, "categoryCode");
  const importCapacityKw = capacity(input.importCapacityKw, "importCapacityKw");
  const exportCapacityKw = capacity(input.exportCapacityKw, "exportCapacityKw");
  const energyCapacityKwh = optionalCapacity(input.energyCapacityKwh, "energyCapacityKwh");
  requireEnergyCapacity(category, energyCapacityKwh);
  const where = location(input);
  return {
    ownerId,
    name,
    categoryCode: category.code,
    importCapacityKw,
    exportCapacityKw,
    energyCapacityKwh,
    ...where,
    externalId: externalId(input.externalId),
    carId: carId(input.carId),
    attributes: assetAttributes(category, input.attributes),
  };
}

/**
 * Why the CAR record `record` (found under `values.carId`) is not the asset `values` registers, or null when it
 * is: a CAR id binds only to the asset the register holds it for, so the registration must name the record's
 * meter point and, where the record states a technology, its category. Otherwise anyone could claim another
 * organisation's CAR id and lock its owner out (the id is unique in the hub). The message says what differs,
 * never what the record holds.
 */
export function carRecordMismatch(values: Pick<NewAsset, "carId" | "meterPointId" | "categoryCode">, record: CarAsset): string | null {
  const id = values.carId;
  const binds = "a CAR id binds only to the asset the Central Asset Register holds it for";
  if (!values.meterPointId) return `carId: give the asset's meterPointId with its CAR id (${binds})`;
  if (values.meterPointId !== record.meterPointId.replace(/\s+/g, "")) {
    return `carId: the Central Asset Register holds ${id} for another meter point than this meterPointId (${binds})`;
  }
  const technology = record.technology?.trim().toUpperCase();
  if (technology && technology !== values.categoryCode) {
    return `carId: the Central Asset Register holds ${id} for another technology than categoryCode ${values.categoryCode} (${binds})`;
  }
  return null;
}

/** `carRecordMismatch` as registerAsset answers it: BAD_USER_INPUT naming carId. */
export function requireCarRecordMatches(values: Pick<NewAsset, "carId" | "meterPointId" | "categoryCode">, record: CarAsset): void {
  const mismatch = carRecordMismatch(values, record);
  if (mismatch) throw badInput(mismatch, "carId");
}

/** The keys an asset is registered once by, in the order registerAsset names a clash. */
export const UNIQUE_FIELDS = ["meterPointId", "carId", "externalId"] as const;
export type UniqueField = (typeof UNIQUE_FIELDS)[number];

/**
 * registerAsset's CONFLICT when `values` clashes with the registered asset `existing`: which key (meter point,
 * else CAR id, else external id), naming the existing asset only when the caller may see it.
 */
export function duplicateRejection(
  values: NewAsset,
  existing: AssetRow,
  identity: Identity | null,
): { field: UniqueField; code: "CONFLICT"; message: string } {
  const field: UniqueField =
    values.meterPointId && existing.meterPointId === values.meterPointId
      ? "meterPointId"
      : values.carId && existing.carId === values.carId
        ? "carId"
        : "externalId";
  const key = { meterPointId: "meter point", carId: "CAR id", externalId: "external id" }[field];
  const message = canSeeAsset(identity, existing)
    ? `An asset with the same ${key} is registered already (asset ${existing.id}): one entry per physical asset`
    : `An asset with the same ${key} is registered already by another organisation: one entry per physical asset`;
  return { field, code: "CONFLICT", message };
}

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
