import { type Database, type DeliveredEvent, deliverToRules, type EntityReferences, enqueueEvent, type OutboxEvent } from "@sfe/kit";
import { outboxEvents } from "./db/schema.js";
import { deliverReassessments, UNIT_REASSESSMENT_EVENT } from "./modules/market-units/reassessment.js";

/**
 * A repository's `also` that records `event` (when there is one: a NOTIFY rule's RULE_WARNING) in the write's own
 * transaction, so it is relayed exactly when the write committed (kit outbox.ts).
 */
export const recordEvent =
  (event: OutboxEvent | null) =>
  async (tx: Database): Promise<void> => {
    if (event) await enqueueEvent(tx, outboxEvents, event);
  };

/**
 * The relay's delivery of a batch of the assets outbox: units needing reassessment to products, every other event to
 * the rules subgraph. A part that fails fails the batch, which the relay tries again whole: both receivers take an
 * event twice harmlessly (rules by event id, products marks only QUALIFIED assessments).
 */
export function deliverAssetsEvents(references: EntityReferences): (events: DeliveredEvent[]) => Promise<void> {
  const toRules = deliverToRules(references);
  return async (events) => {
    await deliverReassessments(
      references,
      events.filter((e) => e.type === UNIT_REASSESSMENT_EVENT),
    );
    const rest = events.filter((e) => e.type !== UNIT_REASSESSMENT_EVENT);
    if (rest.length > 0) await toRules(rest);
  };
}
