import { type Database, enqueueEvent, type OutboxEvent } from "@sfe/kit";
import { outboxEvents } from "./db/schema.js";

/**
 * A repository's `also` that records `event` (when there is one: a NOTIFY rule's RULE_WARNING) in the write's own
 * transaction, so it is relayed exactly when the write committed (kit outbox.ts).
 */
export const recordEvent =
  (event: OutboxEvent | null) =>
  async (tx: Database): Promise<void> => {
    if (event) await enqueueEvent(tx, outboxEvents, event);
  };
