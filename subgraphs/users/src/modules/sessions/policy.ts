import type { Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { anyone, person } from "../../policy.js";

export const policy: Policy<Context> = {
  // The way in, for anyone.
  "Mutation.signIn": anyone,
  "Mutation.signInWithIdToken": anyone,
  "Mutation.refreshSession": anyone,
  "Mutation.signOut": anyone,

  "Mutation.changePassword": person,
};
