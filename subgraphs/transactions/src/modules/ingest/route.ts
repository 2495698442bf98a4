import {
  type Database,
  type EntityReferences,
  type ErrorCode,
  type HttpRoute,
  type IdentityVerifier,
  gatewayCaller,
  quote,
  sendError,
  sendJson,
  setScopeIdentity,
} from "@sfe/kit";
import { ENTITY_SPECS, type EntitySpec } from "./entities.js";
import { IngestFileError, type IngestRequest, runIngest } from "./engine.js";
import { ingestRule } from "./policy.js";
import type { IngestBatchesRepository } from "./repository.js";
import type { IngestFormat, IngestMode } from "./tables.js";

/** The ingest routes' prefix: POST /ingest/<entity> (every ENTITY_SPECS path: meter-readings, dispatch-instructions, bids …). */
export const INGEST_PATH_PREFIX = "/ingest/";

const MODES: Record<string, IngestMode> = { partial: "PARTIAL", "all-or-nothing": "ALL_OR_NOTHING" };
const FORMATS: Record<string, IngestFormat> = { csv: "CSV", ndjson: "NDJSON" };
const STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, UPSTREAM_UNAVAILABLE: 503 };

/** The request's settings, or the message saying which one is wrong. */
function requestOf(spec: EntitySpec<unknown>, url: URL, contentType: string | undefined): IngestRequest | string {
  const params = url.searchParams;
  const adapterNames = Object.keys(spec.adapters);
  const adapter = params.get("adapter") ?? (adapterNames.length === 1 ? adapterNames[0]! : "generic");
  const chosen = spec.adapters[adapter];
  if (!chosen) return `adapter must be ${adapterNames.join(" or ")} for ${spec.path}, got ${quote(adapter)}`;
  const source = chosen.source ?? params.get("source")?.trim();
  if (!source) return "source is required: the system the records come from, e.g. source=acme-meter-data";
  if (chosen.source && params.has("source") && params.get("source") !== chosen.source) {
    return `The ${adapter} adapter's records come from ${chosen.source}: leave source out or give that`;
  }
  if (source.length > 100) return "source is at most 100 characters";
  const mode = MODES[params.get("mode") ?? "partial"];
  if (!mode) return `mode must be partial or all-or-nothing, got ${quote(params.get("mode"))}`;
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  const formatName = params.get("format") ?? (type === "application/x-ndjson" || type === "application/ndjson" ? "ndjson" : "csv");
  const format = FORMATS[formatName];
  if (!format) return `format must be csv or ndjson, got ${quote(formatName)}`;
  return { spec, adapter, source, mode, format, fileName: params.get("fileName"), params };
}

/**
 * `POST /ingest/<entity>?format=csv|ndjson&adapter=…&source=…&mode=partial|all-or-nothing` for the gateway only
 * (its identity token; 404 without a gateway key, 401 for a bad token), the body streamed through the engine.
 * 200 with the report; 422 with the report when all-or-nothing rejected the file (nothing written); 400 for a wrong
 * setting or an unreadable file, 403 for a caller who may not ingest the entity at all, 404 for an unknown entity.
 */
export function ingestRoutes(deps: {
  db: Database;
  references: EntityReferences;
  batches: IngestBatchesRepository;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute[] {
  return [
    {
      method: "POST",
      path: INGEST_PATH_PREFIX,
      async handle(req, res, url) {
        const caller = await gatewayCaller(deps.verifier, req, res);
        if (!caller) return;
        const { identity } = caller;
        setScopeIdentity(identity);
        const spec = ENTITY_SPECS[url.pathname.slice(INGEST_PATH_PREFIX.length)];
        if (!spec) {
          return sendError(
            res,
            404,
            "NOT_FOUND",
            `Nothing to ingest at ${url.pathname}: use ${Object.keys(ENTITY_SPECS)
              .map((p) => INGEST_PATH_PREFIX + p)
              .join(", ")}`,
          );
        }
        if (!identity) return sendError(res, 401, "UNAUTHENTICATED", "Sign in first");
        const refusal = ingestRule(spec)(identity);
        if (refusal) {
          const code = refusal.extensions.code as ErrorCode;
          return sendError(res, STATUS[code] ?? 403, code, refusal.message);
        }
        const request = requestOf(spec, url, req.headers["content-type"]);
        if (typeof request === "string") return sendError(res, 400, "BAD_USER_INPUT", request);
        try {
          const report = await runIngest(
            { db: deps.db, batches: deps.batches, context: { identity, references: deps.references, db: deps.db } },
            request,
            req,
          );
          sendJson(res, report.status === "REJECTED" ? 422 : 200, report);
        } catch (error) {
          if (res.headersSent || req.socket.destroyed) return void res.destroy();
          req.resume(); // what is left of the body, so the sender reads the answer
          if (error instanceof IngestFileError) return sendError(res, 400, "BAD_USER_INPUT", error.message);
          const code = (error as { extensions?: { code?: ErrorCode } }).extensions?.code;
          if (code === "UPSTREAM_UNAVAILABLE") return sendError(res, 503, code, (error as Error).message);
          console.error("ingest failed:", error);
          sendError(res, 500, "INTERNAL_SERVER_ERROR", "The file could not be ingested; nothing of it was written");
        }
      },
    },
  ];
}
