import { type Database, gatewayJsonRequest, type HttpRoute, type IdentityVerifier, isUuid, sendError, sendJson } from "@sfe/kit";
import { sql } from "drizzle-orm";

/** Gateway-only: the rules subgraph's conflict detector flags (or clears) dispatch instructions in conflict. */
export const DISPATCH_CONFLICTS_PATH = "/internal/dispatch-conflicts";
/** Gateway-only: a RESOLVED conflict's record attached to the losing side's penalties (R-SET-4). */
export const CONFLICT_WAIVERS_PATH = "/internal/conflict-waivers";
const MAX_IDS = 1000;

const uuids = (value: unknown): string[] | null =>
  Array.isArray(value) && value.length <= MAX_IDS && value.every((id) => typeof id === "string" && isUuid(id)) ? (value as string[]) : null;
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/**
 * - `POST /internal/dispatch-conflicts` `{ instructionIds: [uuid…] (≤ 1000), inConflict: boolean }` → `{ changed }`:
 *   sets `inConflict` on those instructions that differ, each change audited (actor: the caller), in one statement.
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
        const actor = request.caller.identity;
        const [row] = rowsOf<{ changed: number }>(
          await deps.db.execute(sql`
            with old as (
              select * from transactions.dispatch_instructions
              where id in (${sql.join(
                ids.map((id) => sql`${id}::uuid`),
                sql`, `,
              )}) and in_conflict <> ${body.inConflict}
            ), changed as (
              update transactions.dispatch_instructions d set in_conflict = ${body.inConflict}, updated_at = now()
              from old where d.id = old.id returning d.*
            ), audited as (
              insert into transactions.audit_events (actor_user_id, actor_organisation_id, action, entity_type, entity_id, before, after)
              select ${actor?.userId ?? null}::uuid, ${actor?.organisationId ?? null}::uuid, 'UPDATE', 'DispatchInstruction', c.id::text, to_jsonb(o), to_jsonb(c)
              from changed c join old o on o.id = c.id returning 1
            )
            select (select count(*) from audited)::int as changed`),
        );
        sendJson(res, 200, { changed: row?.changed ?? 0 });
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
        const list = (ids: string[]) =>
          ids.length
            ? sql.join(
                ids.map((id) => sql`${id}::uuid`),
                sql`, `,
              )
            : sql`null::uuid`;
        const actor = request.caller.identity;
        const [row] = rowsOf<{ waived: number }>(
          await deps.db.execute(sql`
            with losing as (
              select a.id from transactions.performance_assessments a
              where a.start_at < ${to.toISOString()}::timestamptz and a.end_at > ${from.toISOString()}::timestamptz
                and (a.dispatch_instruction_id in (${list(instructionIds)})
                  or a.award_id in (${list(awardIds)})
                  or a.award_id in (select award_id from transactions.dispatch_instructions where id in (${list(instructionIds)})))
            ), old as (
              select p.* from transactions.penalties p join losing l on l.id = p.assessment_id where p.waived_by_conflict_id is null
            ), changed as (
              update transactions.penalties p set waived_by_conflict_id = ${body.conflictId}::uuid, updated_at = now()
              from old where p.id = old.id returning p.*
            ), audited as (
              insert into transactions.audit_events (actor_user_id, actor_organisation_id, action, entity_type, entity_id, before, after)
              select ${actor?.userId ?? null}::uuid, ${actor?.organisationId ?? null}::uuid, 'UPDATE', 'Penalty', c.id::text, to_jsonb(o), to_jsonb(c)
              from changed c join old o on o.id = c.id returning 1
            )
            select (select count(*) from audited)::int as waived`),
        );
        sendJson(res, 200, { waived: row?.waived ?? 0 });
      },
    },
  ];
}
