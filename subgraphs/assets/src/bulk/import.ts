import { randomUUID } from "node:crypto";
import { type Database, type EntityReferences, type Identity, SfeError } from "@sfe/kit";
import { inArray, or } from "drizzle-orm";
import type { CarClient } from "../clients/car.js";
import { assets, auditEvents } from "../db/schema.js";
import type { AssetRow, NewAsset } from "../modules/assets/repository.js";
import type { Repositories } from "../repositories.js";
import { meterPointId } from "../modules/assets/validation.js";
import { carId as carIdOf, carRecordMismatch } from "../modules/car/validation.js";
import { type CsvHeader, CsvFileError, parseCsv, readHeader } from "./csv.js";
import { duplicateRejection, registrationValues, UNIQUE_FIELDS, type UniqueField } from "../modules/assets/registration.js";
import { rowInput } from "./rows.js";
import { policy } from "../modules/assets/policy.js";
import { callRuleOf, refusalOf } from "../policy.js";

/** registerAsset's rule, asked of each row with the row as its input. */
const mayRegister = callRuleOf(policy["Mutation.registerAsset"]);

export type ImportMode = "partial" | "all-or-nothing";
export const IMPORT_MODES: readonly ImportMode[] = ["partial", "all-or-nothing"];

/** At most this many data rows in one file (and MAX_IMPORT_BYTES, checked where the body is read). */
export const MAX_IMPORT_ROWS = 20_000;
/** Rows per INSERT statement, and per transaction in partial mode. */
export const IMPORT_BATCH_SIZE = 500;

/** One refused row: its 1-based data row number (the header is row 0), the field at fault if one is, and why. */
export interface Rejection {
  row: number;
  field: string | null;
  code: "BAD_USER_INPUT" | "FORBIDDEN" | "CONFLICT";
  message: string;
}

/**
 * What an import answers: rows received (blank rows are skipped, not counted), how many were registered, the
 * refused rows by row number, and the new assets' ids in the file's order.
 */
export interface ImportReport {
  mode: ImportMode;
  received: number;
  accepted: number;
  rejected: Rejection[];
  assetIds: string[];
}

export interface ImportDeps {
  db: Database;
  repos: Repositories;
  references: EntityReferences;
  car: CarClient;
}

/** A file that is too large to take (413). */
export class ImportTooLargeError extends Error {}

/** A valid row waiting to be inserted, its id chosen already. */
interface Candidate {
  row: number;
  values: NewAsset & { id: string };
}

const COLUMN: Record<UniqueField, string> = { meterPointId: "meter_point_id", carId: "car_id", externalId: "external_id" };

/**
 * Registers the assets of a CSV file for `identity`, each row checked exactly as registerAsset checks its
 * input. `partial` inserts the valid rows; `all-or-nothing` inserts nothing unless every row is valid.
 * Status: 200, or 422 when all-or-nothing refused the file (409 when a concurrent registration conflicted and
 * the row cannot be named). Throws CsvFileError (400) and ImportTooLargeError (413) for the file as a whole,
 * SfeError UPSTREAM_UNAVAILABLE when the owners or CAR ids cannot be checked (nothing is written then).
 */
export async function importAssets(
  deps: ImportDeps,
  identity: Identity,
  text: string,
  mode: ImportMode,
): Promise<{ status: 200 | 409 | 422; report: ImportReport }> {
  const records = parseCsv(text);
  if (records.length - 1 > MAX_IMPORT_ROWS) {
    throw new ImportTooLargeError(`A file may hold at most ${MAX_IMPORT_ROWS} data rows, this one has ${records.length - 1}: split it`);
  }
  const categories = new Map((await deps.repos.categories.categories()).map((category) => [category.code, category]));
  const categoryOf = (code: string) => categories.get(code);
  const header = readHeader(records[0], new Set([...categories.values()].flatMap((c) => c.attributes.map((a) => a.key))));

  const rejected: Rejection[] = [];
  const refuse = (row: number, field: string | null, code: Rejection["code"], message: string) =>
    rejected.push({ row, field, code, message });
  let candidates: Candidate[] = [];
  /** The first row naming each meter point, CAR id and external id, valid or not: a later one is a duplicate. */
  const firstRow: Record<UniqueField, Map<string, number>> = { meterPointId: new Map(), carId: new Map(), externalId: new Map() };
  let received = 0;
  for (let row = 1; row < records.length; row++) {
    const cells = records[row]!;
    if (cells.every((cell) => cell.trim() === "")) continue;
    received++;
    if (cells.length !== header.width) {
      refuse(row, null, "BAD_USER_INPUT", `The row has ${cells.length} fields, the header ${header.width}`);
      continue;
    }
    for (const [field, key] of uniqueKeys(cells, header)) if (!firstRow[field].has(key)) firstRow[field].set(key, row);
    try {
      // registerAsset's policy rule (for this row's owner), then its checks.
      const input = rowInput(cells, header, identity, categoryOf);
      const refusal = refusalOf(mayRegister, identity, { input });
      if (refusal) throw refusal;
      const values = registrationValues(input, categoryOf);
      candidates.push({ row, values: { ...values, id: randomUUID() } });
    } catch (error) {
      rejected.push(rejection(row, error));
    }
  }

  // The owners, then the CAR ids: each checked once for the whole file (one batched lookup).
  const owners = [...new Set(candidates.map((c) => c.values.ownerId))];
  const missingOwners = new Set(owners.length > 0 ? await deps.references.missing("Organisation", owners) : []);
  candidates = candidates.filter(({ row, values }) => {
    if (!missingOwners.has(values.ownerId)) return true;
    // requireReferences' message for one owner.
    refuse(row, "ownerId", "BAD_USER_INPUT", `ownerId: Organisation ${values.ownerId} does not exist`);
    return false;
  });
  const carIds = [...new Set(candidates.flatMap((c) => (c.values.carId ? [c.values.carId] : [])))];
  const carRecords = carIds.length > 0 ? await deps.car.byIds(carIds) : [];
  const recordOf = new Map(carIds.map((id, i) => [id, carRecords[i] ?? null] as const));
  candidates = candidates.filter(({ row, values }) => {
    if (!values.carId) return true;
    const record = recordOf.get(values.carId);
    // registerAsset's two refusals, in its order: not in the CAR, or the CAR's record is another asset.
    const problem = record ? carRecordMismatch(values, record) : `carId: ${values.carId} is not in the Central Asset Register`;
    if (problem) refuse(row, "carId", "BAD_USER_INPUT", problem);
    return problem === null;
  });

  // The same meter point, CAR id or external id twice in the file: the later row is refused, naming the first.
  candidates = candidates.filter(({ row, values }) => {
    for (const field of UNIQUE_FIELDS) {
      const value = values[field];
      const first = value ? firstRow[field].get(value) : undefined;
      if (first !== undefined && first < row) {
        refuse(row, field, "CONFLICT", `${field} ${value} is in row ${first} of this file already: one entry per physical asset`);
        return false;
      }
    }
    return true;
  });

  // Registered already (by anyone: as for registerAsset, the database's unique indexes decide).
  const existing = await registered(deps.db, candidates);
  candidates = candidates.filter(({ row, values }) => {
    const clash = clashOf(values, existing);
    if (clash) rejected.push({ row, ...duplicateRejection(values, clash, identity) });
    return !clash;
  });

  const report = (accepted: Candidate[]): ImportReport => ({
    mode,
    received,
    accepted: accepted.length,
    rejected: rejected.sort((a, b) => a.row - b.row),
    assetIds: accepted.map((c) => c.values.id),
  });

  if (mode === "all-or-nothing") {
    if (rejected.length > 0) return { status: 422, report: report([]) };
    try {
      await deps.db.transaction(async (tx) => {
        for (const batch of batches(candidates)) await insertAssets(tx, batch, identity);
      });
      return { status: 200, report: report(candidates) };
    } catch (error) {
      // A registration that landed since the check above: everything is rolled back. Name the rows it clashes
      // with (checked again now; else the one the database named); 409 when neither can be found.
      const violation = uniqueViolation(error);
      if (!violation) throw error;
      const now = await registered(deps.db, candidates);
      for (const { row, values } of candidates) {
        const clash = clashOf(values, now);
        if (clash) rejected.push({ row, ...duplicateRejection(values, clash, identity) });
        else if (violation.value !== null && values[violation.field] === violation.value) {
          refuse(row, violation.field, "CONFLICT", raceMessage(violation.field));
        }
      }
      return { status: rejected.length > 0 ? 422 : 409, report: report([]) };
    }
  }

  const accepted: Candidate[] = [];
  for (const batch of batches(candidates)) {
    try {
      await deps.db.transaction((tx) => insertAssets(tx, batch, identity));
      accepted.push(...batch);
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
      // A concurrent registration took a key of this batch: nothing of it was written. Row by row instead,
      // through the repository's own create (as registerAsset), so only the clashing row is refused.
      for (const candidate of batch) {
        try {
          await deps.repos.assets.create(candidate.values, identity);
          accepted.push(candidate);
        } catch (rowError) {
          const violation = uniqueViolation(rowError);
          if (!violation) throw rowError;
          const clash = await deps.repos.assets.findDuplicate(candidate.values);
          rejected.push({
            row: candidate.row,
            ...(clash
              ? duplicateRejection(candidate.values, clash, identity)
              : { field: violation.field, code: "CONFLICT" as const, message: raceMessage(violation.field) }),
          });
        }
      }
    }
  }
  return { status: 200, report: report(accepted) };
}

/** A thrown validation error as a report entry. */
function rejection(row: number, error: unknown): Rejection {
  if (!(error instanceof SfeError)) throw error;
  const code = error.extensions.code;
  const field = error.extensions.field;
  return {
    row,
    // The one FORBIDDEN a row can meet is registerAsset's rule's (for its owner), which names no field: the owner is at fault.
    field: typeof field === "string" ? field : code === "FORBIDDEN" ? "ownerId" : null,
    code: code === "FORBIDDEN" || code === "CONFLICT" ? code : "BAD_USER_INPUT",
    message: error.message,
  };
}

/** A clash whose other party is gone again (it rolled back): the row may well go through a second time. */
const raceMessage = (field: UniqueField) => `An asset with the same ${field} was being registered at the same time: try this row again`;

/** The meter point (when it is a valid MPAN), CAR id (when well-formed) and external id a row names, as stored. */
function uniqueKeys(cells: readonly string[], header: CsvHeader): [UniqueField, string][] {
  const cell = (field: UniqueField) => (cells[header.columns[field] ?? -1] ?? "").trim();
  const keys: [UniqueField, string][] = [];
  const normalised: Record<UniqueField, (text: string) => string | null> = {
    meterPointId: (text) => meterPointId(text).mpan,
    carId: carIdOf,
    externalId: (text) => text,
  };
  for (const field of UNIQUE_FIELDS) {
    const text = cell(field);
    if (text === "") continue;
    try {
      const key = normalised[field](text);
      if (key) keys.push([field, key]);
    } catch {
      // Malformed: the row is refused for that, and cannot clash with another.
    }
  }
  return keys;
}

type Registered = Record<UniqueField, Map<string, AssetRow>>;

/** The assets registered already under the candidates' meter points, CAR ids and external ids (chunked reads). */
async function registered(db: Database, candidates: readonly Candidate[]): Promise<Registered> {
  const found: Registered = { meterPointId: new Map(), carId: new Map(), externalId: new Map() };
  const wanted = UNIQUE_FIELDS.map((field) => [field, candidates.flatMap((c) => (c.values[field] ? [c.values[field]] : []))] as const);
  const CHUNK = 1000;
  const longest = Math.max(0, ...wanted.map(([, values]) => values.length));
  for (let i = 0; i < longest; i += CHUNK) {
    const conditions = wanted.flatMap(([field, values]) => {
      const some = values.slice(i, i + CHUNK);
      return some.length > 0 ? [inArray(assets[field], some)] : [];
    });
    const rows = await db
      .select()
      .from(assets)
      .where(or(...conditions));
    for (const row of rows) for (const field of UNIQUE_FIELDS) if (row[field]) found[field].set(row[field], row);
  }
  return found;
}

/** The registered asset `values` clashes with, looked for as registerAsset names it: meter point, CAR id, external id. */
function clashOf(values: NewAsset, existing: Registered): AssetRow | undefined {
  for (const field of UNIQUE_FIELDS) {
    const clash = values[field] ? existing[field].get(values[field]) : undefined;
    if (clash) return clash;
  }
  return undefined;
}

function* batches<T>(items: readonly T[], size = IMPORT_BATCH_SIZE): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * One INSERT of `batch` and one of its audit entries (one CREATE per asset, as registerAsset appends), in the
 * caller's transaction. Ids are chosen beforehand, so each row's id is known whatever order RETURNING gives.
 */
async function insertAssets(tx: Database, batch: readonly Candidate[], actor: Identity | null): Promise<void> {
  const rows = await tx
    .insert(assets)
    .values(batch.map((c) => c.values))
    .returning();
  await tx.insert(auditEvents).values(
    rows.map((row) => ({
      actorUserId: actor?.userId ?? null,
      actorOrganisationId: actor?.organisationId ?? null,
      action: "CREATE",
      entityType: "Asset",
      entityId: row.id,
      before: null,
      after: row,
    })),
  );
}

/** A unique index refusing a meter point, CAR id or external id (Postgres 23505), with the value its detail names. */
function uniqueViolation(error: unknown): { field: UniqueField; value: string | null } | null {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++, e = e.cause as typeof e) {
    const pg = e as { code?: unknown; constraint?: string; constraint_name?: string; detail?: string };
    if (pg.code !== "23505") continue;
    const constraint = pg.constraint ?? pg.constraint_name ?? "";
    const field = UNIQUE_FIELDS.find((f) => constraint.includes(COLUMN[f]));
    if (!field) return null;
    // Key (meter_point_id)=(1200000000013) already exists.
    const value = /\)=\((.*)\) already exists/.exec(pg.detail ?? "")?.[1] ?? null;
    return { field, value };
  }
  return null;
}

export { CsvFileError };
