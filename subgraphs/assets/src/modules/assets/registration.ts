import { badInput, type Identity, quote, requireUuid } from "@sfe/kit";
import { canSeeAsset } from "../../access.js";
import type { AssetRow, NewAsset } from "./repository.js";
import type { AssetCategoryRow } from "../categories/repository.js";
import { assetName, capacity, externalId, location, optionalCapacity, requireEnergyCapacity } from "./validation.js";
import { carId } from "../car/validation.js";
import { assetAttributes } from "../categories/validation.js";

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
 * with one set of messages: the row to insert, or the first SfeError. What it leaves to the caller: that it may
 * register for the owner (the operation's policy rule, which the CSV import asks of every row), that the owner
 * exists and the CAR id is in the CAR and its record is this asset (`requireCarRecordMatches`; lookups a file makes
 * once for all its rows), and uniqueness of the meter point, CAR id and external id.
 */
export function registrationValues(input: RegistrationInput, categoryOf: (code: string) => AssetCategoryRow | undefined): NewAsset {
  const ownerId = requireUuid(input.ownerId, "ownerId");
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
