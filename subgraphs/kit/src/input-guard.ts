import type { ApolloServerPlugin } from "@apollo/server";
import { type DocumentNode, Kind, visit } from "graphql";
import { SfeError } from "./errors.js";

/**
 * The path of the first string in `value` holding a NUL (which Postgres text cannot store, so it would
 * surface as an internal error), or null. Iterative: variables may nest as deep as the request allows.
 */
export function findNul(value: unknown, path = ""): string | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [item, at] = stack.pop()!;
    if (typeof item === "string") {
      if (item.includes("\u0000")) return at;
    } else if (Array.isArray(item)) {
      for (const [i, entry] of item.entries()) stack.push([entry, `${at}[${i}]`]);
    } else if (item !== null && typeof item === "object") {
      for (const [key, entry] of Object.entries(item)) stack.push([entry, at ? `${at}.${key}` : key]);
    }
  }
  return null;
}

function nulInLiterals(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes("\u0000")) found = true;
    },
  });
  return found;
}

const nulRefused = (where: string) =>
  new SfeError("BAD_USER_INPUT", `${where} contains a NUL character (\\u0000), which no text may hold`, {
    field: where,
    http: { status: 400 },
  });

/** Every subgraph refuses NUL characters in any argument before a resolver runs (BAD_USER_INPUT naming it). */
export const refuseNulPlugin = (): ApolloServerPlugin => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        const variable = findNul(request.variables ?? {});
        if (variable !== null) throw nulRefused(`$${variable}`);
        if (document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION) && nulInLiterals(document)) {
          throw nulRefused("An argument");
        }
      },
    };
  },
});
