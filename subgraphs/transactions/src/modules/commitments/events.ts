import { type Database, enqueueEvent } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { dispatchInstructions as i, outboxEvents } from "../../db/schema.js";

/**
 * What a commitment event asks the rules subgraph's conflict detector to look at (domain §7.7 conflict path, reactive
 * trigger): the assets, units and unit references written and the span of their windows. Carried in the event's
 * `payload.conflictScope`; the detector reads the commitments route for just these and that span.
 */
export interface ConflictScope {
  assetIds: string[];
  marketUnitIds: string[];
  unitReferences: string[];
  from: string;
  to: string;
}

export type CommitmentEventType = "AWARD_RECORDED" | "AVAILABILITY_DECLARED" | "DISPATCH_ISSUED" | "DISPATCHES_INGESTED";

const TITLES: Record<CommitmentEventType, string> = {
  AWARD_RECORDED: "Award recorded",
  AVAILABILITY_DECLARED: "Availability declared",
  DISPATCH_ISSUED: "Dispatch instruction issued",
  DISPATCHES_INGESTED: "Dispatch instructions ingested",
};

const ids = (values: readonly (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))].sort();

/**
 * Records, in `tx` (the write's own transaction), the event of a commitment or instruction written: the parties are
 * told (the FSP providing, the SO buying or issuing) and the rules subgraph runs the detector over `scope`. Nothing is
 * recorded when the write concerns nobody the hub knows (no recipient).
 */
export async function recordCommitmentEvent(
  tx: Database,
  event: {
    type: CommitmentEventType;
    subject: { type: string; id: string };
    organisations: readonly (string | null | undefined)[];
    users?: readonly (string | null | undefined)[];
    scope: {
      assetIds?: readonly (string | null)[];
      marketUnitIds?: readonly (string | null)[];
      unitReferences?: readonly (string | null)[];
      from: Date;
      to: Date;
    };
    body: string;
  },
): Promise<void> {
  const organisations = ids(event.organisations);
  const users = ids(event.users ?? []);
  if (organisations.length + users.length === 0) return;
  const conflictScope: ConflictScope = {
    assetIds: ids(event.scope.assetIds ?? []),
    marketUnitIds: ids(event.scope.marketUnitIds ?? []),
    unitReferences: ids(event.scope.unitReferences ?? []),
    from: event.scope.from.toISOString(),
    to: event.scope.to.toISOString(),
  };
  await enqueueEvent(tx, outboxEvents, {
    type: event.type,
    subject: event.subject,
    recipients: { organisations, users },
    payload: { title: TITLES[event.type], body: event.body, conflictScope },
  });
}

/**
 * The one event of an ingest batch of dispatch instructions, in the merge's transaction: the units, assets and unit
 * references the batch inserted or changed and the span of their windows (one query over the batch's rows), for the
 * ingesting organisation. Nothing when the batch changed no instruction.
 */
export async function recordIngestedDispatchesEvent(
  tx: Database,
  batch: { id: string; organisationId: string | null; userId: string | null; changed: number },
): Promise<void> {
  if (batch.changed === 0) return;
  // text[] and text timestamps: every driver parses them the same way.
  const result = await tx.execute(sqlBatchScope(batch.id));
  const [row] = ((result as { rows?: unknown[] }).rows ?? (result as unknown as unknown[])) as {
    asset_ids: string[] | null;
    unit_ids: string[] | null;
    refs: string[] | null;
    from: string | null;
    to: string | null;
    n: number;
  }[];
  if (!row?.from || !row.to) return;
  await recordCommitmentEvent(tx, {
    type: "DISPATCHES_INGESTED",
    subject: { type: "IngestBatch", id: batch.id },
    organisations: [batch.organisationId],
    users: batch.organisationId ? [] : [batch.userId],
    scope: {
      assetIds: row.asset_ids ?? [],
      marketUnitIds: row.unit_ids ?? [],
      unitReferences: row.refs ?? [],
      from: new Date(row.from),
      to: new Date(row.to),
    },
    body: `${row.n} dispatch instruction(s) recorded or changed by ingest batch ${batch.id}`,
  });
}

const sqlBatchScope = (batchId: string) => sql`
  select array_agg(distinct ${i.assetId}::text) filter (where ${i.assetId} is not null) as asset_ids,
         array_agg(distinct ${i.marketUnitId}::text) filter (where ${i.marketUnitId} is not null) as unit_ids,
         array_agg(distinct ${i.unitReference}) filter (where ${i.unitReference} is not null) as refs,
         to_char(min(${i.start}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "from",
         to_char(max(${i.end}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "to",
         count(*)::int as n
  from ${i} where ${i.ingestBatchId} = ${batchId}::uuid`;

type Window = { start: Date; end: Date };
const mw = (value: number) => `${value} MW`;
const span = (w: Window) => `${w.start.toISOString()}–${w.end.toISOString()}`;

/** An award's event: to its provider and buyer. */
export const awardEvent = (
  a: Window & {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    providerId: string | null;
    buyerId: string | null;
    awardedMw: number;
  },
) => ({
  type: "AWARD_RECORDED" as const,
  subject: { type: "Award", id: a.id },
  organisations: [a.providerId, a.buyerId],
  scope: { assetIds: [a.assetId], marketUnitIds: [a.marketUnitId], from: a.start, to: a.end },
  body: `Award ${a.id}: ${mw(a.awardedMw)} ${span(a)}`,
});

/** A declaration's event: to its provider and buyer. */
export const declarationEvent = (
  d: Window & { id: string; assetId: string | null; marketUnitId: string | null; providerId: string; buyerId: string; declaredMw: number },
) => ({
  type: "AVAILABILITY_DECLARED" as const,
  subject: { type: "AvailabilityDeclaration", id: d.id },
  organisations: [d.providerId, d.buyerId],
  scope: { assetIds: [d.assetId], marketUnitIds: [d.marketUnitId], from: d.start, to: d.end },
  body: `Availability declared ${d.id}: ${mw(d.declaredMw)} ${span(d)}`,
});

/** An instruction's event: to the FSP it concerns and the SO issuing it. */
export const dispatchEvent = (
  d: Window & {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    unitReference: string | null;
    providerId: string | null;
    issuedById: string;
    direction: string;
    setPointMw: number;
  },
) => ({
  type: "DISPATCH_ISSUED" as const,
  subject: { type: "DispatchInstruction", id: d.id },
  organisations: [d.providerId, d.issuedById],
  scope: { assetIds: [d.assetId], marketUnitIds: [d.marketUnitId], unitReferences: [d.unitReference], from: d.start, to: d.end },
  body: `Dispatch instruction ${d.id}: ${d.direction} ${mw(d.setPointMw)} ${span(d)}`,
});
