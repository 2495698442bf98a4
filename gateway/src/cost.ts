import type { ApolloServerPlugin } from "@apollo/server";
// Only types and Kind from graphql here: the gateway's schema comes from the CommonJS copy of graphql, and
// graphql's instanceof-based helpers refuse objects of "another realm".
import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
} from "graphql";

/**
 * What an operation fetches: each selected field counts 1, and the fields under a paged field count once
 * per item of the page asked for (`first:`, from a literal, a variable or the argument's default).
 * Fragments are expanded the way execution merges them (by response key, each fragment once per
 * selection), so naming the same fields through ten chained fragments costs what fetching them costs.
 * Counting stops as soon as the limit is passed, so even a hostile operation costs little to price.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  limit: number,
): number {
  const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  let total = 0;

  /** Fields by response key under `selections`, fragments spread in once each. */
  function collect(selections: readonly SelectionNode[], type: GraphQLNamedType | null | undefined) {
    const fields = new Map<string, { node: FieldNode; type: GraphQLNamedType | null | undefined; selections: SelectionNode[] }>();
    const seen = new Set<string>();
    const walk = (list: readonly SelectionNode[], on: GraphQLNamedType | null | undefined) => {
      for (const selection of list) {
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          const entry = fields.get(key) ?? { node: selection, type: on, selections: [] };
          entry.selections.push(...(selection.selectionSet?.selections ?? []));
          fields.set(key, entry);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
          walk(selection.selectionSet.selections, condition ?? on);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = fragments[selection.name.value];
          if (fragment) walk(fragment.selectionSet.selections, schema.getType(fragment.typeCondition.name.value));
        }
      }
    };
    walk(selections, type);
    return fields;
  }

  function pageSize(node: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number {
    const argument = definition?.args.find((a) => a.name === "first");
    if (!argument) return 1;
    const given = node.arguments?.find((a) => a.name.value === "first")?.value;
    const value =
      given?.kind === Kind.INT ? Number(given.value) : given?.kind === Kind.VARIABLE ? variables[given.name.value] : argument.defaultValue;
    return typeof value === "number" && value > 0 ? value : 1;
  }

  function price(selections: readonly SelectionNode[], type: GraphQLNamedType | null | undefined, multiplier: number): void {
    for (const { node, type: parent, selections: children } of collect(selections, type).values()) {
      if (node.name.value.startsWith("__")) continue; // introspection is limited separately (off in production)
      total += multiplier;
      if (total > limit) return;
      if (children.length === 0) continue;
      const definition =
        parent && "getFields" in parent ? (parent.getFields()[node.name.value] as GraphQLField<unknown, unknown> | undefined) : undefined;
      price(children, definition && namedType(definition.type), multiplier * pageSize(node, definition));
      if (total > limit) return;
    }
  }

  price(operation.selectionSet.selections, root, 1);
  return total;
}

/** The named type under list and non-null wrappers. */
function namedType(type: GraphQLType): GraphQLNamedType {
  let inner = type as GraphQLType & { ofType?: GraphQLType };
  while (inner.ofType) inner = inner.ofType as typeof inner;
  return inner as GraphQLNamedType;
}

const refused = (message: string, code: string) => new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * Refuses, before any subgraph is asked, an operation whose cost passes `maxCost`, and a request whose
 * operationName names no operation in the document (Apollo Gateway would answer that with a 500).
 */
export function costLimitPlugin<TContext extends object>(maxCost: number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) {
            const name = request.operationName;
            throw refused(
              name ? `Unknown operation named "${name}"` : "Several operations were sent: say which with operationName",
              "OPERATION_RESOLUTION_FAILURE",
            );
          }
          const fragments = Object.fromEntries(
            document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
          );
          const cost = operationCost(schema, operation, fragments, request.variables ?? {}, maxCost);
          if (cost > maxCost) {
            throw refused(
              `The operation costs more than ${maxCost} (each field counts once per item fetched): ask for fewer items or fields`,
              "GRAPHQL_VALIDATION_FAILED",
            );
          }
        },
      };
    },
  };
}
