import { parseConfig, z } from "./config.js";
import type { Database } from "./database.js";
import { deliverToRules, type OutboxRelay, type OutboxRelayOptions, type OutboxTable, startOutboxRelay } from "./outbox.js";
import type { EntityReferences } from "./references.js";

const relayShape = {
  /** How often a subgraph's outbox relay looks for undelivered events, in ms (default: the subgraph's own). */
  OUTBOX_RELAY_MS: z.coerce.number().int().min(10).max(60_000).optional(),
};

export interface RulesRelayOptions extends Partial<Omit<OutboxRelayOptions, "db" | "table" | "source">> {
  db: Database;
  references: EntityReferences;
  table: OutboxTable;
  source: string;
  /** OUTBOX_RELAY_MS, when set, overrides `intervalMs`. */
  env?: Record<string, string | undefined> | undefined;
}

/**
 * The relay of a subgraph's outbox to the rules subgraph (`POST /internal/events`), as every subgraph with an outbox
 * runs it (`deliver`: a subgraph that also routes some event types elsewhere, e.g. assets' reassessments to products); none when the references cannot call another subgraph (an in-process test with no routes). The subgraph
 * stops it when it closes.
 */
export function relayOutboxToRules({ db, references, table, source, env = {}, ...options }: RulesRelayOptions): OutboxRelay | undefined {
  if (!references.call) return undefined;
  const { OUTBOX_RELAY_MS } = parseConfig(relayShape, env);
  return startOutboxRelay({
    log: console.error,
    ...options,
    ...(OUTBOX_RELAY_MS !== undefined && { intervalMs: OUTBOX_RELAY_MS }),
    db,
    table,
    source,
    deliver: options.deliver ?? deliverToRules(references),
  });
}
