import {
  type Database,
  type DeliveredEvent,
  type EntityReferences,
  enqueueEvent,
  type Identity,
  runInRequestScope,
  setScopeIdentity,
} from "@sfe/kit";
import { outboxEvents } from "../../db/schema.js";
import type { MarketUnitRow } from "./repository.js";

/** The products subgraph's gateway-only route (products' modules/qualification/routes.ts). */
export const UNIT_REASSESSMENT_PATH = "/internal/market-units/reassessment";
/** The outbox event of units made REASSESSMENT_REQUIRED: the relay hands it to products, not to rules (events.ts). */
export const UNIT_REASSESSMENT_EVENT = "MARKET_UNITS_REASSESSMENT_REQUIRED";
/** The route's limit of unit ids per call. */
const IDS_PER_CALL = 1000;

interface ReassessmentPayload {
  marketUnitIds: string[];
  reason?: string;
  /** Who made the change: products asks the assets subgraph back for the units' status as them, as before the outbox. */
  actor: Identity | null;
}

/**
 * In the transaction of the change that made units REASSESSMENT_REQUIRED (a member change, a member's material
 * capacity change, R-AST-7): one outbox event naming them, so products is told at least once exactly when the change
 * commits (the relay retries until products accepts; marking twice changes nothing there). Nothing for other units.
 */
export async function recordReassessment(
  tx: Database,
  units: readonly Pick<MarketUnitRow, "id" | "status" | "ownerId">[],
  actor: Identity | null,
  /** Why, when it is not the unit's own member change. */
  reason?: string,
): Promise<void> {
  const marked = units.filter((unit) => unit.status === "REASSESSMENT_REQUIRED");
  if (marked.length === 0) return;
  const payload: ReassessmentPayload = { marketUnitIds: marked.map((u) => u.id), ...(reason && { reason }), actor };
  await enqueueEvent(tx, outboxEvents, {
    type: UNIT_REASSESSMENT_EVENT,
    subject: { type: "MarketUnit", id: marked[0]!.id },
    recipients: { organisations: [...new Set(marked.map((u) => u.ownerId))] },
    payload: payload as unknown as Record<string, unknown>,
  });
}

/**
 * Hands reassessment events to products (`POST /internal/market-units/reassessment`): one call per actor and reason
 * (per 1000 units), in a request scope as that actor; throws unless every call is accepted, so the relay retries.
 */
export async function deliverReassessments(references: EntityReferences, events: readonly DeliveredEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!references.call) throw new Error("no products subgraph to tell of units needing reassessment");
  const groups = new Map<string, { actor: Identity | null; reason?: string; ids: Set<string> }>();
  for (const event of events) {
    const { marketUnitIds, reason, actor } = event.payload as unknown as ReassessmentPayload;
    const key = JSON.stringify([actor, reason ?? null]);
    const group = groups.get(key) ?? { actor: actor ?? null, ...(reason && { reason }), ids: new Set<string>() };
    for (const id of marketUnitIds ?? []) group.ids.add(id);
    groups.set(key, group);
  }
  for (const { actor, reason, ids } of groups.values()) {
    const all = [...ids];
    for (let i = 0; i < all.length; i += IDS_PER_CALL) {
      const marketUnitIds = all.slice(i, i + IDS_PER_CALL);
      const { status } = await runInRequestScope(async () => {
        setScopeIdentity(actor);
        return references.call!("products", UNIT_REASSESSMENT_PATH, { marketUnitIds, ...(reason && { reason }) });
      });
      if (status !== 200) throw new Error(`products answered ${status} to the reassessment of market units ${marketUnitIds.join(", ")}`);
    }
  }
}
