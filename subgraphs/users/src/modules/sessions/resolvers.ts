import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { actor } from "../../identity.js";
import type { ModuleDeps } from "../../services/index.js";
import { attemptSource } from "./throttle.js";

/** The way in (sign-in, refresh, sign-out) is open to anyone; changing a password needs the person: ./policy.ts. */
export const resolvers = ({ services }: ModuleDeps): Resolvers => ({
  Mutation: {
    signIn: (_, { input }, context) => services.sessions.signIn(input, attemptSource(context)),
    signInWithIdToken: (_, { idToken }, context) => services.sessions.signInWithIdToken(idToken, attemptSource(context)),
    refreshSession: (_, { refreshToken }) => services.sessions.refreshSession(refreshToken),
    signOut: (_, { refreshToken }) => services.sessions.signOut(refreshToken),
    changePassword: (_, { input }, context) => services.sessions.changePassword(actor(context.identity), input, attemptSource(context)),
  },
});
