import type { DeliveredEvent, EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ConflictRepository } from "../../repositories/conflicts.js";
import { policy } from "./policy.js";
import { reactToEvents } from "./reactive.js";
import { resolvers } from "./resolvers.js";
import { type ConflictSweepSettings, type SweepDeps, startConflictSweep } from "./sweep.js";

export { type Commitment, type DetectedConflict, detectConflicts, type ExclusivityRule, primacy, sense } from "./detector.js";
export { reactToEvents } from "./reactive.js";
export {
  CONFLICT_DETECTED,
  type ConflictSweepSettings,
  conflictEvent,
  conflictSweepSettings,
  fetchCommitments,
  recordFound,
  type SweepDeps,
  sweepConflicts,
} from "./sweep.js";

/**
 * Conflicts found, not recorded by hand (issue 11 item 4, domain §7.7 conflict path): the detector (pure,
 * detector.ts), run reactively on every batch of commitment events from the transactions subgraph's outbox
 * (reactive.ts), by `detectConflicts(from, to)` and by a scheduled sweep every `CONFLICT_SWEEP_MS` (off when 0, the
 * default), all reading commitments from the transactions subgraph's `POST /internal/commitments`, one call per page;
 * what it records is told to every party (CONFLICT_DETECTED) and NOTIFIED.
 */
export function createConflictsModule(deps: {
  references: EntityReferences;
  conflicts: ConflictRepository;
  marketRules?: SweepDeps["marketRules"];
  settings: ConflictSweepSettings;
  /** Tells a conflict's parties (the notifications module's notify). */
  notify?: (events: DeliveredEvent[]) => Promise<unknown>;
  /** Subscribes to the events the subgraphs' outboxes deliver (the reactive trigger). */
  onEvents?: (listener: (events: DeliveredEvent[]) => Promise<void>) => void;
  onError?: (error: unknown) => void;
}): SchemaModule<Context> & { close(): Promise<void> } {
  const sweep = deps.settings.intervalMs > 0 ? startConflictSweep(deps, deps.settings, deps.onError) : null;
  // Reactive: every batch of commitment events runs the detector over what it wrote before the batch is answered.
  deps.onEvents?.(async (events) => {
    await reactToEvents(deps, events);
  });
  return {
    name: "conflicts",
    resolvers: resolvers(deps),
    policy,
    close: async () => {
      await sweep?.stop();
    },
  };
}
