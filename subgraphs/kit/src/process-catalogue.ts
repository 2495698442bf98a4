import { type DocumentNode, type FieldDefinitionNode, Kind, type ValueNode } from "graphql";
import { sendError, sendJson, type HttpRoute, readBody } from "./http.js";
import { gatewayCaller, type IdentityVerifier } from "./identity-token.js";

/**
 * The market's building blocks as data: the 28 processes of the Common End-to-End Process Workstream Toolkit
 * v2.0 (GB Market Facilitator / Elexon, 2025-07-29; the repository's seed `000_b1c9a3141bcaf0ba.txt`, its
 * "Building Block Catalogue" and raw JSON glossary), six phases, codes E.1 … S.2. Every Query and Mutation field
 * of the hub names the block(s) it serves with `@processStep(codes: [...])` (schema-files.ts); the products
 * subgraph answers `Query.processSteps` from this list.
 *
 * The toolkit's v3.2 content (v3.0 document, mez-FMDA/test2) renumbers: it inserts Q.9 Register Baseline and
 * V.4 Communicate Penalties, so v2.0's V.4 Manage Disputes is v3.2's V.5 and V.5 Report on Service Delivery is
 * V.6. Codes here are v2.0's (the seed's); `v32Code` says where v3.2 differs.
 */
export const PROCESS_CATALOGUE_SOURCE = "Common End-to-End Process Workstream Toolkit v2.0 (GB Market Facilitator, 2025-07-29)";
export const PROCESS_TOOLKIT_VERSION = "2.0";

export type ProcessPhase = "EXPLORATION" | "QUALIFICATION" | "COMPETITION" | "SCHEDULE_DISPATCH" | "VERIFICATION" | "SETTLEMENT";

export interface ProcessStep {
  /** The v2.0 code, e.g. Q.4. */
  code: string;
  phase: ProcessPhase;
  /** As the toolkit names it, e.g. Register Assets. */
  name: string;
  toolkitVersion: string;
  /** The same block's code in toolkit v3.2 (equal to `code` but for V.4 and V.5). */
  v32Code: string;
}

/** Phase by phase, block by block, as the toolkit lists them. */
const BLOCKS: [ProcessPhase, [code: string, name: string, v32Code?: string][]][] = [
  [
    "EXPLORATION",
    [
      ["E.1", "Define Sub-Market"],
      ["E.2", "Understand Markets"],
      ["E.3", "Build Investment Case"],
      ["E.4", "Develop Operational Strategy"],
    ],
  ],
  [
    "QUALIFICATION",
    [
      ["Q.1", "Register Counterparty"],
      ["Q.2", "Qualify Counterparty (Commercially)"],
      ["Q.3", "Sign Service Contract"],
      ["Q.4", "Register Assets"],
      ["Q.5", "Qualify Assets"],
      ["Q.6", "Register Units"],
      ["Q.7", "Qualify Units"],
      ["Q.8", "Test Units"],
    ],
  ],
  [
    "COMPETITION",
    [
      ["C.1", "Communicate Buy Requirements"],
      ["C.2", "Communicate Sell Requirements"],
      ["C.3", "Clear Market"],
    ],
  ],
  [
    "SCHEDULE_DISPATCH",
    [
      ["D.1", "Maintain Unit Availability"],
      ["D.2", "Provide Operational Visibility"],
      ["D.3", "Dispatch Units"],
      ["D.4", "Dispatch Assets"],
      ["D.5", "Cease Units"],
      ["D.6", "Cease Assets"],
    ],
  ],
  [
    "VERIFICATION",
    [
      ["V.1", "Collate Verification Data"],
      ["V.2", "Process Verification Data"],
      ["V.3", "Communicate Performance"],
      ["V.4", "Manage Disputes", "V.5"],
      ["V.5", "Report on Service Delivery", "V.6"],
    ],
  ],
  [
    "SETTLEMENT",
    [
      ["S.1", "Generate Invoices"],
      ["S.2", "Process Payments"],
    ],
  ],
];

export const PROCESS_STEPS: readonly ProcessStep[] = BLOCKS.flatMap(([phase, blocks]) =>
  blocks.map(([code, name, v32Code]) => ({ code, phase, name, toolkitVersion: PROCESS_TOOLKIT_VERSION, v32Code: v32Code ?? code })),
);

const BY_CODE = new Map(PROCESS_STEPS.map((step) => [step.code, step]));

/** The step of a v2.0 code (case and surrounding spaces ignored), or undefined. */
export const processStepByCode = (code: string): ProcessStep | undefined => BY_CODE.get(code.trim().toUpperCase());

/** One Query or Mutation field of a subgraph and the steps its `@processStep` names (none when untagged). */
export interface ProcessOperation {
  /** e.g. Mutation.registerAsset */
  operation: string;
  subgraph: string;
  codes: string[];
}

/** Every Query and Mutation field of `typeDefs`, in SDL order, with the code lists of its `@processStep` tags. */
function rootFields(typeDefs: DocumentNode): { operation: string; tags: string[][] }[] {
  return typeDefs.definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
    (definition.name.value === "Query" || definition.name.value === "Mutation")
      ? (definition.fields ?? []).map((field: FieldDefinitionNode) => ({
          operation: `${definition.name.value}.${field.name.value}`,
          tags: (field.directives ?? [])
            .filter((directive) => directive.name.value === "processStep")
            .map((tag) => strings(tag.arguments?.find((argument) => argument.name.value === "codes")?.value)),
        }))
      : [],
  );
}

/** The strings of a directive argument: `["Q.4", "Q.5"]`, or `"Q.4"` (GraphQL coerces one value to a list). */
const strings = (value: ValueNode | undefined): string[] => {
  if (value?.kind === Kind.STRING) return [value.value];
  if (value?.kind === Kind.LIST) return value.values.flatMap(strings);
  return [];
};

/** Every Query and Mutation field of `typeDefs`, in SDL order, with the codes it is tagged with (none when untagged). */
export function processOperations(subgraph: string, typeDefs: DocumentNode): ProcessOperation[] {
  return rootFields(typeDefs).map(({ operation, tags }) => ({ operation, subgraph, codes: [...new Set(tags.flat())] }));
}

/**
 * Throws, naming each, when a field's `@processStep` names a code the catalogue does not have (or none): a typo
 * would silently leave the operation out of its step. createSubgraph runs it. That every field is tagged at all
 * is checked by the hub's tests (tests/process-steps.test.ts), so a field being written is not refused mid-work.
 */
export function requireKnownProcessSteps(typeDefs: DocumentNode): void {
  const wrong = rootFields(typeDefs).flatMap(({ operation, tags }) => {
    if (tags.some((codes) => codes.length === 0)) return [`${operation} names no step`];
    const unknown = tags.flat().filter((code) => !BY_CODE.has(code));
    return unknown.length > 0 ? [`${operation} names ${unknown.join(", ")}`] : [];
  });
  if (wrong.length > 0) {
    throw new Error(`Unknown @processStep codes (toolkit v2.0 has E.1 … S.2, kit/src/process-catalogue.ts): ${wrong.join("; ")}`);
  }
}

export const PROCESS_OPERATIONS_PATH = "/internal/process-operations";

/**
 * `POST /internal/process-operations` → `{ subgraph, operations: [{ operation, subgraph, codes }] }`: this subgraph's
 * Query and Mutation fields and their steps, for the products subgraph to answer `ProcessStep.operations` (the
 * directive is not composed into the supergraph, so each subgraph tells its own). Only the gateway's tokens for
 * this subgraph, and only for a signed-in caller, as `Query.processSteps` itself.
 */
export function processOperationsRoute(
  subgraph: string,
  operations: readonly ProcessOperation[],
  verifier: IdentityVerifier | undefined,
): HttpRoute {
  return {
    method: "POST",
    path: PROCESS_OPERATIONS_PATH,
    async handle(req, res) {
      const caller = await gatewayCaller(verifier, req, res);
      if (!caller) return;
      await readBody(req, 4096).catch(() => ""); // no arguments: whatever was sent is read and ignored
      if (!caller.identity) return sendError(res, 401, "UNAUTHENTICATED", "Sign in to read the process catalogue");
      sendJson(res, 200, { subgraph, operations });
    },
  };
}
