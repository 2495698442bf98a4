import { type Database, gatewayJsonRequest, type HttpRoute, type IdentityVerifier, isUuid, sendError, sendJson } from "@sfe/kit";
import { and, asc, eq, gt, inArray, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import { awards, bids, type Direction, dispatchInstructions } from "../../db/schema.js";
import { availabilityDeclarations } from "../availability/tables.js";

export const COMMITMENTS_PATH = "/internal/commitments";

/** At most this many ids per request and items per page. */
export const MAX_COMMITMENT_IDS = 1000;
export const MAX_COMMITMENTS_PAGE = 5000;
const DEFAULT_PAGE = 2000;
/** The longest window one request may ask about. */
const MAX_WINDOW_MS = 93 * 24 * 3600 * 1000;

export type CommitmentKind = "AWARD" | "AVAILABILITY_DECLARATION" | "DISPATCH_INSTRUCTION";
const KINDS: readonly CommitmentKind[] = ["AWARD", "AVAILABILITY_DECLARATION", "DISPATCH_INSTRUCTION"];

/** One commitment or instruction on an asset or unit, for the rules subgraph's conflict detector (times ISO UTC). */
export interface CommitmentView {
  kind: CommitmentKind;
  id: string;
  assetId: string | null;
  marketUnitId: string | null;
  unitReference: string | null;
  productId: string;
  /** The SO: an award's or declaration's buyer, an instruction's issuer. */
  soOrgId: string;
  providerId: string | null;
  /** An instruction's own; an award's (and its declarations') from its bid; null when unknown (an ingested award). */
  direction: Direction | null;
  mw: number;
  start: string;
  /** An instruction ceased early ends when it ceased. */
  end: string;
  committedAt: string;
  /** The award an instruction calls on or a declaration declares against. */
  awardId: string | null;
  /** The constraint managed zone of the award (an instruction's: of the award it calls on). */
  cmzId: string | null;
}

interface CommitmentQuery {
  from: Date;
  to: Date;
  assetIds?: string[] | undefined;
  marketUnitIds?: string[] | undefined;
  /** Instructions known only by the source's unit name (ingested dispatches), compared trimmed and upper-case. */
  unitReferences?: string[] | undefined;
  limit: number;
  after?: { kind: CommitmentKind; id: string } | undefined;
}

const iso = (d: Date) => d.toISOString();

/**
 * Live commitments and instructions overlapping [from, to): awards neither cancelled nor released, declarations
 * DECLARED (not superseded or withdrawn), instructions not rejected or superseded; of `assetIds`/`marketUnitIds` when given (either
 * matches), else of every asset and unit. Ordered by kind then id; a page holds at most `limit`, and `next` is the
 * cursor of the next page (null on the last). At most three queries.
 */
export async function readCommitments(db: Database, q: CommitmentQuery): Promise<{ commitments: CommitmentView[]; next: string | null }> {
  const out: CommitmentView[] = [];
  const startKind = q.after ? KINDS.indexOf(q.after.kind) : 0;
  const filtered = !!(q.assetIds || q.marketUnitIds || q.unitReferences);
  // Filtered: only the targets named (an award or declaration has no unit reference: `false` when only those are named).
  const target = (asset: SQL | undefined, unit: SQL | undefined, reference?: SQL) =>
    filtered ? (or(asset, unit, reference) ?? sql`false`) : undefined;
  for (let k = startKind; k < KINDS.length && out.length <= q.limit; k++) {
    const kind = KINDS[k]!;
    const remaining = q.limit + 1 - out.length;
    const afterId = q.after && q.after.kind === kind ? q.after.id : undefined;
    if (kind === "AWARD") {
      const rows = await db
        .select({ a: awards, direction: bids.direction })
        .from(awards)
        .leftJoin(bids, eq(bids.id, awards.bidId))
        .where(
          and(
            lt(awards.start, q.to),
            gt(awards.end, q.from),
            notInArray(awards.status, ["CANCELLED", "RELEASED"]),
            target(
              q.assetIds?.length ? inArray(awards.assetId, q.assetIds) : undefined,
              q.marketUnitIds?.length ? inArray(awards.marketUnitId, q.marketUnitIds) : undefined,
            ),
            afterId ? gt(awards.id, afterId) : undefined,
          ),
        )
        .orderBy(asc(awards.id))
        .limit(remaining);
      for (const { a, direction } of rows) {
        out.push({
          kind,
          id: a.id,
          assetId: a.assetId,
          marketUnitId: a.marketUnitId,
          unitReference: null,
          productId: a.productId,
          soOrgId: a.buyerId,
          providerId: a.providerId,
          direction: direction ?? null,
          mw: a.awardedMw,
          start: iso(a.start),
          end: iso(a.end),
          committedAt: iso(a.awardedAt),
          awardId: null,
          cmzId: a.cmzId,
        });
      }
    } else if (kind === "AVAILABILITY_DECLARATION") {
      const d = availabilityDeclarations;
      const rows = await db
        .select({ d, direction: bids.direction, cmzId: awards.cmzId })
        .from(d)
        .leftJoin(awards, eq(awards.id, d.awardId))
        .leftJoin(bids, eq(bids.id, awards.bidId))
        .where(
          and(
            lt(d.start, q.to),
            gt(d.end, q.from),
            eq(d.status, "DECLARED"),
            target(
              q.assetIds?.length ? inArray(d.assetId, q.assetIds) : undefined,
              q.marketUnitIds?.length ? inArray(d.marketUnitId, q.marketUnitIds) : undefined,
            ),
            afterId ? gt(d.id, afterId) : undefined,
          ),
        )
        .orderBy(asc(d.id))
        .limit(remaining);
      for (const { d: row, direction, cmzId } of rows) {
        out.push({
          kind,
          id: row.id,
          assetId: row.assetId,
          marketUnitId: row.marketUnitId,
          unitReference: null,
          productId: row.productId,
          soOrgId: row.buyerId,
          providerId: row.providerId,
          direction: direction ?? null,
          mw: row.declaredMw,
          start: iso(row.start),
          end: iso(row.end),
          committedAt: iso(row.declaredAt),
          awardId: row.awardId,
          cmzId: cmzId ?? null,
        });
      }
    } else {
      const i = dispatchInstructions;
      const end = sql<Date>`least(${i.end}, coalesce(${i.ceasedAt}, ${i.end}))`;
      const rows = await db
        .select({ i, cmzId: awards.cmzId })
        .from(i)
        .leftJoin(awards, eq(awards.id, i.awardId))
        .where(
          and(
            lt(i.start, q.to),
            sql`${end} > ${q.from.toISOString()}::timestamptz`,
            notInArray(i.status, ["REJECTED", "SUPERSEDED"]),
            target(
              q.assetIds?.length ? inArray(i.assetId, q.assetIds) : undefined,
              q.marketUnitIds?.length ? inArray(i.marketUnitId, q.marketUnitIds) : undefined,
              q.unitReferences?.length
                ? inArray(
                    sql`upper(trim(${i.unitReference}))`,
                    q.unitReferences.map((r) => r.trim().toUpperCase()),
                  )
                : undefined,
            ),
            afterId ? gt(i.id, afterId) : undefined,
          ),
        )
        .orderBy(asc(i.id))
        .limit(remaining);
      for (const { i: row, cmzId } of rows) {
        const stop = row.ceasedAt && row.ceasedAt < row.end ? row.ceasedAt : row.end;
        if (stop <= row.start) continue; // ceased before it began: no instruction to clash with
        out.push({
          kind,
          id: row.id,
          assetId: row.assetId,
          marketUnitId: row.marketUnitId,
          unitReference: row.unitReference,
          productId: row.productId,
          soOrgId: row.issuedById,
          providerId: row.providerId,
          direction: row.direction,
          mw: row.setPointMw,
          start: iso(row.start),
          end: iso(stop),
          committedAt: iso(row.issuedAt),
          awardId: row.awardId,
          cmzId: cmzId ?? null,
        });
      }
    }
  }
  if (out.length <= q.limit) return { commitments: out, next: null };
  const page = out.slice(0, q.limit);
  const last = page[page.length - 1]!;
  return { commitments: page, next: `${last.kind}:${last.id}` };
}

function parseDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const USAGE = `Send { "from": "<ISO time>", "to": "<ISO time>", "assetIds"?: ["<uuid>", …], "marketUnitIds"?: ["<uuid>", …], "unitReferences"?: ["<unit name>", …], "limit"?: 1…${MAX_COMMITMENTS_PAGE}, "after"?: "<next>" }`;

/**
 * Gateway-only route (the gateway's identity tokens for `transactions`, which only the hub's own subgraphs hold),
 * read-only: `POST /internal/commitments` `{ from, to, assetIds?, marketUnitIds?, limit?, after? }` (≤ 1000 ids of
 * each, a window of at most 93 days, a page of at most 5000) → `{ commitments: CommitmentView[], next }`. For the rules
 * subgraph's conflict sweep, which pages through a window with `after: next` until `next` is null.
 */
export function commitmentRoutes(deps: { db: Database; verifier?: IdentityVerifier | undefined }): HttpRoute[] {
  return [
    {
      method: "POST",
      path: COMMITMENTS_PATH,
      async handle(req, res) {
        const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 256 * 1024, usage: USAGE });
        if (!request) return;
        const body = (request.body ?? {}) as Record<string, unknown>;
        const from = parseDate(body.from);
        const to = parseDate(body.to);
        if (!from || !to || to <= from || to.getTime() - from.getTime() > MAX_WINDOW_MS) {
          return sendError(res, 400, "BAD_USER_INPUT", `from and to: ISO times, from before to, at most 93 days apart. ${USAGE}`);
        }
        const ids = (field: string): string[] | undefined | null => {
          const value = body[field];
          if (value === undefined || value === null) return undefined;
          if (!Array.isArray(value) || value.length > MAX_COMMITMENT_IDS || value.some((id) => typeof id !== "string" || !isUuid(id)))
            return null;
          return value as string[];
        };
        const assetIds = ids("assetIds");
        const marketUnitIds = ids("marketUnitIds");
        if (assetIds === null || marketUnitIds === null) {
          return sendError(res, 400, "BAD_USER_INPUT", `assetIds and marketUnitIds: at most ${MAX_COMMITMENT_IDS} uuids each. ${USAGE}`);
        }
        const refs = body.unitReferences;
        if (
          refs !== undefined &&
          refs !== null &&
          (!Array.isArray(refs) ||
            refs.length > MAX_COMMITMENT_IDS ||
            refs.some((r) => typeof r !== "string" || r.trim() === "" || r.length > 200))
        ) {
          return sendError(res, 400, "BAD_USER_INPUT", `unitReferences: at most ${MAX_COMMITMENT_IDS} names. ${USAGE}`);
        }
        const unitReferences = (refs ?? undefined) as string[] | undefined;
        const limit = body.limit === undefined ? DEFAULT_PAGE : body.limit;
        if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_COMMITMENTS_PAGE) {
          return sendError(res, 400, "BAD_USER_INPUT", `limit: an integer 1…${MAX_COMMITMENTS_PAGE}. ${USAGE}`);
        }
        let after: CommitmentQuery["after"];
        if (body.after !== undefined && body.after !== null) {
          const [kind, id] = typeof body.after === "string" ? body.after.split(":") : [];
          if (!KINDS.includes(kind as CommitmentKind) || !id || !isUuid(id))
            return sendError(res, 400, "BAD_USER_INPUT", `after: a page's next. ${USAGE}`);
          after = { kind: kind as CommitmentKind, id };
        }
        sendJson(res, 200, await readCommitments(deps.db, { from, to, assetIds, marketUnitIds, unitReferences, limit, after }));
      },
    },
  ];
}
