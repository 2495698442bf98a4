import { allow, type Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/** Running the detector: hub administrators, and verified system operators (rules:write), for their own items. */
export const policy: Policy<Context> = {
  "Mutation.detectConflicts": allow.all(allow.scope("rules", "write"), allow.roles("ADMIN", "SYSTEM_OPERATOR")),
};
