import { CriticalityLevel, diff } from "@graphql-inspector/core";
import {
  type CompositeType,
  type FieldDefinition,
  isFederationField,
  type Subgraph,
  type Subgraphs,
  Supergraph,
} from "@apollo/federation-internals";
import type { GraphQLSchema } from "graphql";

/** Top-level field names of a `@key(fields: "…")` selection (nested selections are the key's own business). */
function topLevelKeyFields(selection: string): string[] {
  let depth = 0;
  let flat = "";
  for (const char of selection) {
    if (char === "{") depth++;
    else if (char === "}") depth--;
    else flat += depth === 0 ? char : " ";
  }
  return flat.split(/[\s,]+/).filter(Boolean);
}

/** The object and interface types a subgraph writes, not federation's own (`_Service`, …). */
function compositeTypes(subgraph: Subgraph) {
  const federationTypes = new Set(
    subgraph
      .metadata()
      .allFederationTypes()
      .map((t) => t.name),
  );
  return [...subgraph.schema.objectTypes(), ...subgraph.schema.interfaceTypes()].filter(
    (type) => !type.isBuiltIn && !federationTypes.has(type.name),
  );
}

/** The fields a subgraph defines itself: not federation's own (`_entities`, `_service`), not `@external`. */
function definedFields(subgraph: Subgraph) {
  const metadata = subgraph.metadata();
  return compositeTypes(subgraph).flatMap((type) =>
    (type.fields() as FieldDefinition<CompositeType>[]).filter((field) => !isFederationField(field) && !metadata.isFieldExternal(field)),
  );
}

/** Who owns what in the hub: `Type.field` → the first hub subgraph defining it. */
export function hubFieldOwners(hub: Subgraphs): Map<string, string> {
  const owners = new Map<string, string>();
  for (const subgraph of hub.values()) {
    for (const field of definedFields(subgraph)) {
      if (!owners.has(field.coordinate)) owners.set(field.coordinate, subgraph.name);
    }
  }
  return owners;
}

/**
 * The ownership policy for an extra (non-hub) subgraph: it may add types, and fields to hub entities, but may
 * not `@override` a field, nor define (even `@shareable`, i.e. shadow) a field a hub subgraph defines on the
 * same type, root Query/Mutation fields included. The fields of its own `@key`s are allowed: that is how an
 * entity is extended. Returns the first violation, or null.
 */
export function ownershipViolation(extra: Subgraph, owners: Map<string, string>): string | null {
  const metadata = extra.metadata();
  const override = metadata.overrideDirective();
  const key = metadata.keyDirective();
  for (const field of definedFields(extra)) {
    const owner = owners.get(field.coordinate);
    if (field.appliedDirectivesOf(override).length > 0) {
      return `subgraph "${extra.name}" may not @override ${field.coordinate}${owner ? ` (owned by hub subgraph "${owner}")` : ""}`;
    }
    if (!owner) continue;
    const keyFields = field.parent.appliedDirectivesOf(key).flatMap((k) => topLevelKeyFields(String(k.arguments().fields)));
    if (keyFields.includes(field.name)) continue;
    return `subgraph "${extra.name}" may not define ${field.coordinate}: it is owned by hub subgraph "${owner}"`;
  }
  return null;
}

/** What clients see of a supergraph: its API schema (no `@inaccessible` elements, no join machinery). */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/**
 * The breaking changes from the served API schema to a candidate one (a removed type, field, argument or
 * enum value, a field retyped incompatibly, a new required argument …), as graphql-inspector reports them,
 * each led by its schema coordinate (`Product.soNote: Field 'soNote' was removed from object type 'Product'`).
 */
export async function breakingChanges(served: GraphQLSchema, candidate: GraphQLSchema): Promise<string[]> {
  const changes = await diff(served, candidate);
  return changes
    .filter((c) => c.criticality.level === CriticalityLevel.Breaking)
    .map((c) => (c.path ? `${c.path}: ${c.message}` : c.message));
}
