import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { ConflictRepository } from "../../repositories/conflicts.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";
import { type ConflictSweepSettings, startConflictSweep } from "./sweep.js";

export { type Commitment, type DetectedConflict, detectConflicts, primacy, sense } from "./detector.js";
export { type ConflictSweepSettings, conflictSweepSettings, fetchCommitments, sweepConflicts } from "./sweep.js";

/**
 * Conflicts found, not recorded by hand (issue 11 item 4, domain §7.7 conflict path): the detector (pure,
 * detector.ts), `detectConflicts(from, to)` and a scheduled sweep every `CONFLICT_SWEEP_MS` (off when 0, the default),
 * both reading commitments from the transactions subgraph's `POST /internal/commitments`, one call per page.
 */
export function createConflictsModule(deps: {
  references: EntityReferences;
  conflicts: ConflictRepository;
  settings: ConflictSweepSettings;
  onError?: (error: unknown) => void;
}): SchemaModule<Context> & { close(): Promise<void> } {
  const sweep = deps.settings.intervalMs > 0 ? startConflictSweep(deps, deps.settings, deps.onError) : null;
  return {
    name: "conflicts",
    resolvers: resolvers(deps),
    policy,
    close: async () => {
      await sweep?.stop();
    },
  };
}
