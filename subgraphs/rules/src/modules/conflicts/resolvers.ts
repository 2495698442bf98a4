import { badInput, seesEveryOrganisation } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { type SweepDeps, sweepConflicts } from "./sweep.js";

/** The longest window one detectConflicts may sweep. */
export const MAX_DETECT_WINDOW_DAYS = 93;

export const resolvers = (deps: SweepDeps): Resolvers => ({
  Mutation: {
    async detectConflicts(_, { from, to }, { identity }) {
      if (!(to > from)) throw badInput("to must be after from", "to");
      if (to.getTime() - from.getTime() > MAX_DETECT_WINDOW_DAYS * 86_400_000) {
        throw badInput(`A window of at most ${MAX_DETECT_WINDOW_DAYS} days`, "to");
      }
      // A system operator sweeps for the conflicts its own commitments or instructions are in (policy.ts: who may).
      const own = seesEveryOrganisation(identity) ? null : identity?.organisationId;
      const result = await sweepConflicts(
        deps,
        { from, to },
        { detectedBy: "PROACTIVE", actor: identity, keep: own ? (c) => c.items.some((item) => item.soOrgId === own) : undefined },
      );
      return result;
    },
  },
});
