import {
  type EntityReferences,
  gatewayJsonRequest,
  type HttpRoute,
  type IdentityVerifier,
  isUuid,
  sendError,
  sendJson,
  setScopeIdentity,
} from "@sfe/kit";
import type { IncomingMessage, ServerResponse } from "node:http";
import { effectiveStatus, type QualificationRepository } from "./repository.js";

export const QUALIFICATION_CHECK_PATH = "/internal/qualifications/check";
export const UNIT_REASSESSMENT_PATH = "/internal/market-units/reassessment";
export const SUBJECT_PRODUCTS_PATH = "/internal/qualifications/products";

const MAX_ITEMS = 1000;

/** The JSON object a sibling subgraph sends (the kit answers 404/401/413/400 before the route sees anything). */
async function gatewayJson(verifier: IdentityVerifier | undefined, req: IncomingMessage, res: ServerResponse) {
  const request = await gatewayJsonRequest(verifier, req, res, { maxBytes: 256 * 1024, usage: "Send a JSON object" });
  return request && { caller: request.caller, body: request.body as Record<string, unknown> | null };
}

/**
 * Gateway-only routes (the gateway's identity tokens for `products`, which only the hub's own subgraphs hold):
 * - `POST /internal/qualifications/check` `{ "checks": [{ "subjectId", "productId", "at"? }] }` (≤ 1000) →
 *   `{ "results": [{ subjectId, productId, at, qualified, counterpartyQualified, status, validTo }] }`: for bid checks
 *   (R-ELG-7, R-ELG-8) by the transactions subgraph; answers over every assessment, as a sibling's question.
 * - `POST /internal/market-units/reassessment` `{ "marketUnitIds": [...] }` (≤ 1000) → `{ "assessments": [{ id,
 *   productId, subjectId, applicantId, soOrgId }] }`: the assets subgraph says a unit's members changed. Each unit's
 *   status is asked back of the assets subgraph as the caller, and only a unit that is REASSESSMENT_REQUIRED there
 *   makes its QUALIFIED assessments REASSESSMENT_REQUIRED. An optional `reason` (≤ 500 characters) says why.
 * - `POST /internal/qualifications/products` `{ "subjectIds": [...] }` (≤ 1000) → `{ "subjects": [{ subjectId,
 *   productIds }] }`: the products each asset or unit is qualified or being assessed for (not FAILED, REVOKED), for the
 *   assets subgraph's market rules on a unit's member change (R-MU-2).
 */
export function qualificationRoutes(deps: {
  qualification: QualificationRepository;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute[] {
  return [
    {
      method: "POST",
      path: QUALIFICATION_CHECK_PATH,
      async handle(req, res) {
        const request = await gatewayJson(deps.verifier, req, res);
        if (!request) return;
        const checks = request.body?.checks;
        const items = Array.isArray(checks) && checks.length <= MAX_ITEMS ? checks.map(checkItem) : null;
        if (!items || items.some((item) => item === null)) {
          return sendError(
            res,
            400,
            "BAD_USER_INPUT",
            `Send { "checks": [{ "subjectId": "<uuid>", "productId": "<uuid>", "at": "<ISO time>" }] } (at most ${MAX_ITEMS})`,
          );
        }
        const results = await deps.qualification.checks(items as NonNullable<ReturnType<typeof checkItem>>[], { all: true });
        sendJson(res, 200, {
          results: results.map(({ assessment, ...result }) => ({
            ...result,
            status: assessment ? effectiveStatus(assessment) : null,
            validTo: assessment?.validTo ?? null,
          })),
        });
      },
    },
    {
      method: "POST",
      path: UNIT_REASSESSMENT_PATH,
      async handle(req, res) {
        const request = await gatewayJson(deps.verifier, req, res);
        if (!request) return;
        const ids = request.body?.marketUnitIds;
        if (!Array.isArray(ids) || ids.length > MAX_ITEMS || ids.some((id) => typeof id !== "string" || !isUuid(id))) {
          return sendError(res, 400, "BAD_USER_INPUT", `Send { "marketUnitIds": ["<uuid>", …] } (at most ${MAX_ITEMS})`);
        }
        // The assets subgraph is asked as the caller: a unit it does not show them, or that is not
        // REASSESSMENT_REQUIRED, changes nothing here.
        const given = request.body?.reason;
        if (given !== undefined && (typeof given !== "string" || given.length === 0 || given.length > 500)) {
          return sendError(res, 400, "BAD_USER_INPUT", "reason: 1–500 characters when given", { field: "reason" });
        }
        setScopeIdentity(request.caller.identity);
        const units = await deps.references.lookup<{ status?: string }>("MarketUnit", ids as string[], "status");
        const confirmed = units.filter((unit) => unit?.status === "REASSESSMENT_REQUIRED").map((unit) => unit!.id);
        const changed = await deps.qualification.requireReassessment(
          confirmed,
          (unitId) =>
            given === undefined
              ? `The members of market unit ${unitId} changed: the system operator assesses it again`
              : `Market unit ${unitId}: ${given}`,
          request.caller.identity,
        );
        sendJson(res, 200, {
          assessments: changed.map(({ id, productId, subjectId, applicantId, soOrgId }) => ({
            id,
            productId,
            subjectId,
            applicantId,
            soOrgId,
          })),
        });
      },
    },
    {
      method: "POST",
      path: SUBJECT_PRODUCTS_PATH,
      async handle(req, res) {
        const request = await gatewayJson(deps.verifier, req, res);
        if (!request) return;
        const ids = request.body?.subjectIds;
        if (!Array.isArray(ids) || ids.length > MAX_ITEMS || ids.some((id) => typeof id !== "string" || !isUuid(id))) {
          return sendError(res, 400, "BAD_USER_INPUT", `Send { "subjectIds": ["<uuid>", …] } (at most ${MAX_ITEMS})`);
        }
        const rows = await deps.qualification.productsOfSubjects(ids as string[]);
        sendJson(res, 200, {
          subjects: [...new Set(ids as string[])].map((subjectId) => ({
            subjectId,
            productIds: rows.filter((row) => row.subjectId === subjectId).map((row) => row.productId),
          })),
        });
      },
    },
  ];
}

function checkItem(value: unknown): { subjectId: string; productId: string; at: Date } | null {
  if (typeof value !== "object" || value === null) return null;
  const { subjectId, productId, at } = value as Record<string, unknown>;
  if (typeof subjectId !== "string" || !isUuid(subjectId) || typeof productId !== "string" || !isUuid(productId)) return null;
  const when = at === undefined ? new Date() : typeof at === "string" ? new Date(at) : null;
  if (!when || Number.isNaN(when.getTime())) return null;
  return { subjectId, productId, at: when };
}
