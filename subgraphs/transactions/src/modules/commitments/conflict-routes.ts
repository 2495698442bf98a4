import {
  auditedUpdate,
  type Database,
  gatewayJsonRequest,
  type HttpRoute,
  type IdentityVerifier,
  isUuid,
  sendError,
  sendJson,
} from "@sfe/kit";
import { and, gt, inArray, isNull, lt, ne, or } from "drizzle-orm";
import { auditEvents, dispatchInstructions, penalties, performanceAssessments as assessments } from "../../db/schema.js";

/** Gateway-only: the rules subgraph's conflict detector flags (or clears) dispatch instructions in conflict. */
export const DISPATCH_CONFLICTS_PATH = "/internal/dispatch-conflicts";
/** Gateway-only: a RESOLVED conflict's record attached to the losing side's penalties (R-SET-4). */
export const CONFLICT_WAIVERS_PATH = "/internal/conflict-waivers";
const MAX_IDS = 1000;

const uuids = (value: unknown): string[] | null =>
  Array.isArray(value) && value.length <= MAX_IDS && value.every((id) => typeof id === "string" && isUuid(id)) ? (value as string[]) : null;

/**
 * - `POST /internal/dispatch-conflicts` `{ instructionIds: [uuid…] (≤ 1000), inConflict: boolean }` → `{ changed }`:
 *   sets `inConflict` on those instructions that differ, each change audited (actor: the caller), set-based.
 * - `POST /internal/conflict-waivers` `{ conflictId, instructionIds, awardIds, from, to }` → `{ waived }`: R-SET-4,
 *   the conflict waives every unwaived penalty on the assessments of the losing instructions (and of the awards
 *   they call on) and of the losing awards whose window overlaps [from, to), each audited; settlement statements
 *   (statement.ts) charge no waived penalty. Idempotent: a penalty already waived is left as it is.
 */
export function conflictRoutes(deps: { db: Database; verifier?: IdentityVerifier | undefined }): HttpRoute[] {
  return [
    {
      method: "POST",
      path: DISPATCH_CONFLICTS_PATH,
      async handle(req, res) {
        const usage = `Send { "instructionIds": ["<uuid>", …] (at most ${MAX_IDS}), "inConflict": true | false }`;
        const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 128 * 1024, usage });
        if (!request) return;
        const body = (request.body ?? {}) as Record<string, unknown>;
        const ids = uuids(body.instructionIds);
        if (!ids || typeof body.inConflict !== "boolean") return sendError(res, 400, "BAD_USER_INPUT", usage);
        if (ids.length === 0) return sendJson(res, 200, { changed: 0 });
        const changed = await auditedUpdate(deps.db, {
          table: dispatchInstructions,
          audit: auditEvents,
          entityType: "DispatchInstruction",
          actor: request.caller.identity,
          where: and(inArray(dispatchInstructions.id, ids), ne(dispatchInstructions.inConflict, body.inConflict))!,
          set: { inConflict: body.inConflict, updatedAt: new Date() },
        });
        sendJson(res, 200, { changed: changed.length });
      },
    },
    {
      method: "POST",
      path: CONFLICT_WAIVERS_PATH,
      async handle(req, res) {
        const usage = `Send { "conflictId": "<uuid>", "instructionIds": ["<uuid>", …], "awardIds": ["<uuid>", …], "from": "<ISO time>", "to": "<ISO time>" }`;
        const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 128 * 1024, usage });
        if (!request) return;
        const body = (request.body ?? {}) as Record<string, unknown>;
        const instructionIds = uuids(body.instructionIds ?? []);
        const awardIds = uuids(body.awardIds ?? []);
        const from = typeof body.from === "string" ? new Date(body.from) : null;
        const to = typeof body.to === "string" ? new Date(body.to) : null;
        if (
          typeof body.conflictId !== "string" ||
          !isUuid(body.conflictId) ||
          !instructionIds ||
          !awardIds ||
          !from ||
          !to ||
          Number.isNaN(from.getTime()) ||
          Number.isNaN(to.getTime()) ||
          to <= from
        ) {
          return sendError(res, 400, "BAD_USER_INPUT", usage);
        }
        if (instructionIds.length + awardIds.length === 0) return sendJson(res, 200, { waived: 0 });
        // The assessments of the losing side in the window: its instructions', the awards they call on, its awards'.
        const losing = deps.db
          .select({ id: assessments.id })
          .from(assessments)
          .where(
            and(
              lt(assessments.start, to),
              gt(assessments.end, from),
              or(
                ...(instructionIds.length > 0
                  ? [
                      inArray(assessments.dispatchInstructionId, instructionIds),
                      inArray(
                        assessments.awardId,
                        deps.db
                          .select({ id: dispatchInstructions.awardId })
                          .from(dispatchInstructions)
                          .where(inArray(dispatchInstructions.id, instructionIds)),
                      ),
                    ]
                  : []),
                ...(awardIds.length > 0 ? [inArray(assessments.awardId, awardIds)] : []),
              ),
            ),
          );
        const waived = await auditedUpdate(deps.db, {
          table: penalties,
          audit: auditEvents,
          entityType: "Penalty",
          actor: request.caller.identity,
          where: and(inArray(penalties.assessmentId, losing), isNull(penalties.waivedByConflictId))!,
          set: { waivedByConflictId: body.conflictId, updatedAt: new Date() },
        });
        sendJson(res, 200, { waived: waived.length });
      },
    },
  ];
}
