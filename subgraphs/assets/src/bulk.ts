import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BodyTooLargeError,
  type Database,
  type EntityReferences,
  type ErrorCode,
  type HttpRoute,
  type Identity,
  isUuid,
  quote,
  gatewayCaller,
  refuseTooLarge,
  type IdentityVerifier,
  sendError,
  SfeError,
} from "@sfe/kit";
// Not (yet) exported by @sfe/kit: records the caller so the owner lookup sees what the caller may see, as it
// does for registerAsset (kit/http.ts opens the request scope for every route; only GraphQL requests fill it).
import { setScopeIdentity } from "@sfe/kit";
import { visibleAssetFilter } from "./access.js";
import type { CarClient } from "./clients/car.js";
import { send, writeAssetsCsv } from "./bulk/export.js";
import {
  CsvFileError,
  IMPORT_MODES,
  type ImportMode,
  type ImportRun,
  ImportTooLargeError,
  MAX_IMPORT_ROWS,
  NotUtf8Error,
  runImport,
} from "./bulk/import.js";
import { policy, registers } from "./modules/assets/policy.js";
import { callRuleOf, refusalOf, type Rule } from "./policy.js";
import { createRepositories, type Repositories } from "./repositories.js";
import { normaliseGspGroup } from "./modules/assets/validation.js";

export { EXPORT_COLUMNS } from "./bulk/export.js";
export type { ImportMode, ImportReport, Rejection } from "./bulk/import.js";
export { MAX_IMPORT_ROWS } from "./bulk/import.js";

export const IMPORT_PATH = "/assets/import";
export const EXPORT_PATH = "/assets/export.csv";
/** The largest CSV an import takes. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

export interface BulkDeps {
  db: Database;
  references: EntityReferences;
  /** The Central Asset Register, where a row's carId must exist (as for registerAsset). */
  car: CarClient;
  /** Checks the gateway's identity tokens: without one the routes do not exist (404). */
  verifier?: IdentityVerifier | undefined;
  repos?: Repositories;
  /** Data rows an import may hold (default MAX_IMPORT_ROWS). */
  maxImportRows?: number;
  /** Bytes an import may hold (default MAX_IMPORT_BYTES). */
  maxImportBytes?: number;
}

/** Content types a CSV upload may arrive with (browsers label .csv files variously); none at all is fine too. */
const CSV_TYPES = ["text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream"];

/**
 * The rules of the operations these routes do in bulk: registerAsset (who may register at all, for the file; the
 * import asks registerAsset's whole rule of each row), and the `assets` list.
 */
const mayRegister: Rule = registers;
const mayList = callRuleOf(policy["Query.assets"]);

/**
 * Bulk registration and export of assets, beside GraphQL, for the gateway only (its identity token for
 * `assets` in x-sfe-identity; 404 when the subgraph has no gateway key, 401 for a missing or bad token),
 * acting for the caller the token names:
 *
 * - `POST /assets/import?mode=partial|all-or-nothing` (default partial), body `text/csv` (UTF-8, optional BOM,
 *   header row, at most 20,000 rows and 10 MB unless configured): each row checked as registerAsset checks its input (same rules,
 *   same messages, same access). partial → 200 with the report, the valid rows registered; all-or-nothing →
 *   200 with every row registered, or 422 with the report and nothing registered. 400 for a malformed file or
 *   an unknown column, 413 for one too large, 503 when the owners or CAR ids cannot be checked (nothing written).
 *   The body streams through the checks into COPY of a scratch table; the accepted rows are merged in one
 *   INSERT … SELECT with one CREATE audit entry per asset in the same transaction, as registerAsset writes
 *   (bulk/import.ts); the report streams back from the scratch table.
 * - `GET /assets/export.csv?ownerId=&categoryCode=&gspGroup=` → `text/csv` of the assets the caller sees (as
 *   the `assets` query), streamed from `COPY (select …) TO STDOUT` (bulk/export.ts).
 *
 * Errors are `{ errors: [{ message, extensions: { code } }] }`, as GraphQL's.
 */
export function createBulkRoutes(deps: BulkDeps): HttpRoute[] {
  const repos = deps.repos ?? createRepositories(deps.db);
  return [
    {
      method: "POST",
      path: IMPORT_PATH,
      handle: (req, res, url) =>
        guarded(req, res, deps.verifier, mayRegister, async (identity) => {
          const mode = url.searchParams.get("mode") ?? "partial";
          if (!(IMPORT_MODES as readonly string[]).includes(mode)) {
            return sendError(res, 400, "BAD_USER_INPUT", `mode must be ${IMPORT_MODES.join(" or ")}, got ${quote(mode)}`);
          }
          const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
          if (type && !CSV_TYPES.includes(type)) {
            return sendError(res, 415, "BAD_USER_INPUT", `Send the CSV file itself as the body, with content-type text/csv (got ${type})`);
          }
          const maxBytes = deps.maxImportBytes ?? MAX_IMPORT_BYTES;
          const declared = Number(req.headers["content-length"]);
          if (declared > maxBytes) return refuseTooLarge(res, maxBytes);
          let run: ImportRun;
          try {
            run = await runImport(
              { db: deps.db, repos, references: deps.references, car: deps.car },
              identity,
              bodyOf(req, maxBytes),
              mode as ImportMode,
              { maxRows: deps.maxImportRows ?? MAX_IMPORT_ROWS },
            );
          } catch (error) {
            if (error instanceof BodyTooLargeError) return refuseTooLarge(res, maxBytes);
            if (error instanceof NotUtf8Error || error instanceof CsvFileError) return sendError(res, 400, "BAD_USER_INPUT", error.message);
            if (error instanceof ImportTooLargeError) return sendError(res, 413, "BAD_USER_INPUT", error.message);
            throw error;
          }
          try {
            if (run.status === 409) {
              return sendError(
                res,
                409,
                "CONFLICT",
                "A registration made meanwhile conflicts with this file; nothing was registered: try again",
              );
            }
            await sendReport(res, run);
          } finally {
            await run.close();
          }
        }),
    },
    {
      method: "GET",
      path: EXPORT_PATH,
      handle: (req, res, url) =>
        guarded(req, res, deps.verifier, mayList, async (identity) => {
          const ownerId = url.searchParams.get("ownerId") || null;
          if (ownerId !== null && !isUuid(ownerId)) {
            return sendError(res, 400, "BAD_USER_INPUT", `ownerId must be an id (UUID), got ${quote(ownerId)}`);
          }
          const categoryCode = url.searchParams.get("categoryCode")?.trim().toUpperCase() || null;
          const gspGroup = url.searchParams.get("gspGroup") || null;
          res.statusCode = 200;
          res.setHeader("content-type", "text/csv; charset=utf-8");
          res.setHeader("content-disposition", 'attachment; filename="assets.csv"');
          res.setHeader("cache-control", "no-store");
          try {
            await writeAssetsCsv(
              deps.db,
              {
                visible: visibleAssetFilter(identity),
                ownerId,
                categoryCode,
                gspGroup: gspGroup === null ? null : (normaliseGspGroup(gspGroup) ?? gspGroup),
              },
              res,
            );
            res.end();
          } catch (error) {
            // Part of the file may be out already: cut the response short rather than end a partial file cleanly.
            if (!res.headersSent) throw error;
            console.error(error);
            res.destroy(error as Error);
          }
        }),
    },
  ];
}

/**
 * Serves a route for the gateway only, as the caller it forwards, when `rule` (the GraphQL operation's) admits
 * it. Errors a client can cause keep their code; anything else is logged and masked.
 */
async function guarded(
  req: IncomingMessage,
  res: ServerResponse,
  verifier: IdentityVerifier | undefined,
  rule: Rule,
  serve: (identity: Identity) => Promise<void>,
): Promise<void> {
  const caller = await gatewayCaller(verifier, req, res);
  if (!caller) return;
  const { identity } = caller;
  setScopeIdentity(identity);
  const refusal = refusalOf(rule, identity);
  if (refusal || !identity) {
    const code = (refusal?.extensions.code as ErrorCode | undefined) ?? "UNAUTHENTICATED";
    return sendError(res, STATUS[code] ?? 403, code, refusal?.message ?? "Sign in first");
  }
  try {
    await serve(identity);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (error instanceof SfeError) {
      const code = error.extensions.code as ErrorCode;
      return sendError(res, STATUS[code] ?? 400, code, error.message);
    }
    console.error(error);
    sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
  }
}

/** The HTTP status of a coded error (BAD_USER_INPUT and the rest: 400). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  UPSTREAM_UNAVAILABLE: 503,
};

/** The request body as it arrives, BodyTooLargeError past `maxBytes`. */
async function* bodyOf(req: IncomingMessage, maxBytes: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`Request body is larger than ${maxBytes} bytes`);
    yield chunk as Buffer;
  }
}

/** Writes the import's report as JSON (ImportReport's shape), its lists read in pages as they are sent. */
async function sendReport(res: ServerResponse, run: ImportRun): Promise<void> {
  res.statusCode = run.status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  // Where the time went (W3C Server-Timing), for whoever measures imports: phases in ms.
  res.setHeader(
    "server-timing",
    Object.entries(run.timings)
      .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
      .join(", "),
  );
  let buffer = `{"mode":${JSON.stringify(run.mode)},"received":${run.received},"accepted":${run.accepted},"rejected":[`;
  const flush = async (limit: number) => {
    if (buffer.length < limit) return;
    await send(res, buffer);
    buffer = "";
  };
  let first = true;
  for await (const rejection of run.rejected()) {
    buffer += `${first ? "" : ","}${JSON.stringify(rejection)}`;
    first = false;
    await flush(64 * 1024);
  }
  buffer += '],"assetIds":[';
  first = true;
  for await (const id of run.assetIds()) {
    buffer += `${first ? "" : ","}"${id}"`;
    first = false;
    await flush(64 * 1024);
  }
  buffer += "]}";
  await flush(0);
  res.end();
}
