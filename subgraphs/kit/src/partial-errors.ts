import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, type GraphQLResolveInfo, responsePathAsArray } from "graphql";
import { formatError, SfeError } from "./errors.js";

/**
 * Errors that accompany data rather than replace it. A list resolver that merges several sources (the
 * hub's products and each SO product API's) answers what it has when one source fails, and reports that
 * failure here; the subgraph's plugin appends it to the response's `errors` at the field's path, so the
 * client (through the gateway) gets both the data and an error naming the source. graphql-js has no way for
 * a resolver to return a value and an error for one field, hence this side channel, keyed by the request's
 * context object.
 */
const reported = new WeakMap<object, GraphQLError[]>();

export function reportPartialFailure(context: object, info: Pick<GraphQLResolveInfo, "path">, error: unknown): void {
  const path = responsePathAsArray(info.path);
  // Anything but a coded error is logged and masked by formatError, as if the resolver had thrown it.
  const located =
    error instanceof SfeError
      ? new GraphQLError(error.message, { path, extensions: error.extensions, originalError: error })
      : new GraphQLError("Internal server error", { path, originalError: error instanceof Error ? error : new Error(String(error)) });
  const list = reported.get(context) ?? [];
  list.push(located);
  reported.set(context, list);
}

/** Appends the request's reported failures to its response's `errors` (formatted like every other error). */
export function partialErrorsPlugin(): ApolloServerPlugin<object> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const errors = reported.get(contextValue);
          if (!errors || response.body.kind !== "single") return;
          const formatted = errors.map((error) => formatError(error.toJSON(), error));
          response.body.singleResult.errors = [...(response.body.singleResult.errors ?? []), ...formatted];
        },
      };
    },
  };
}
