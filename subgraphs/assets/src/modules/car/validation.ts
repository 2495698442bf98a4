import { badInput, quote } from "@sfe/kit";
import type { CarAsset } from "../../clients/car.js";
import type { NewAsset } from "../assets/repository.js";

/** The checks of Central Asset Register ids, and of a CAR record against the asset registered with it. */

/** A Central Asset Register id, e.g. CAR-000123 (upper-cased). */
export function carId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const id = value.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{2,39}$/.test(id)) throw badInput(`carId ${quote(value)} is not a Central Asset Register id`, "carId");
  return id;
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
