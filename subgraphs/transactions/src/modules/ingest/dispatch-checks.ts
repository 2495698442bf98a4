// What a dispatch instruction's row must pass beyond its product (issue 10 item 2, D.3): the unit it names is the hub's
// asset (by externalId: each unit asked once per file, the new ones of a chunk in one batched lookup), that asset lies
// in the issuing SO's service area (ONE call to the products subgraph per file and SO), and the market rules allow it
// (evaluated once per distinct (SO, product, unit) group, never per row, all groups of a chunk in ONE call to the
// rules subgraph: BLOCK refuses the group's rows naming the rule). What does not vary within a file (assets, areas, a
// product's facts) is memoised on the run's context; only the rules, whose facts are the chunk's rows, are per chunk.

import { evaluateMany } from "@sfe/kit";
import { type RuleCheckRequest, type RuleWarning, dispatchFacts, newSubjectId, ruleViolation, warningsOf } from "../../rule-checks.js";
import { covers, fetchServiceAreas, type ServiceArea } from "../positions/service-area.js";
import type { IngestContext } from "./entities.js";
import { ownersOf } from "./shared.js";
import type { IngestRowError } from "./tables.js";

export interface DispatchCandidate {
  row: number;
  unitReference: string;
  productId: string;
  /** The SO issuing it (the product's owner). */
  issuerId: string;
  setPointMw: number;
  start: string;
}

export interface DispatchUnit {
  assetId: string;
  providerId: string;
}

/** A row the checks let through: its unit's asset (null: none the caller may see) and the rules' NOTIFY findings. */
export interface DispatchCheck {
  unit: DispatchUnit | null;
  warnings: RuleWarning[];
}

interface LocatedAsset extends DispatchUnit {
  gspGroup: string | null;
}

/** What this run has asked so far (a file is one request: its chunks see the same answers), by the run's context. */
interface RunMemo {
  /** By SO: a file asks the products subgraph once per SO, not per chunk. */
  areas: Map<string, Promise<ServiceArea>>;
  /** By unit reference (null: no asset the caller may see). */
  assets: Map<string, Promise<LocatedAsset | null>>;
  /** By product: its owner (null: unknown, or hidden from the caller), and its rule facts (a product lookup). */
  productOwners: Map<string, Promise<string | null>>;
  productFacts: Map<string, Promise<Record<string, unknown>>>;
}
const memoOfRun = new WeakMap<IngestContext, RunMemo>();
const runMemo = (context: IngestContext): RunMemo => {
  const memo = memoOfRun.get(context) ?? { areas: new Map(), assets: new Map(), productOwners: new Map(), productFacts: new Map() };
  memoOfRun.set(context, memo);
  return memo;
};

/** `keys` answered from `memo`, the ones not asked yet in ONE call of `ask` (answers in key order). */
async function memoised<V>(memo: Map<string, Promise<V>>, keys: readonly string[], ask: (missing: string[]) => Promise<V[]>) {
  const missing = keys.filter((key) => !memo.has(key));
  if (missing.length > 0) {
    const asked = ask(missing);
    for (const [i, key] of missing.entries())
      memo.set(
        key,
        asked.then((answers) => answers[i]!),
      );
  }
  return new Map(await Promise.all(keys.map(async (key) => [key, await memo.get(key)!] as const)));
}

const areasFor = (context: IngestContext, organisationIds: string[]) =>
  memoised(runMemo(context).areas, organisationIds, (missing) => fetchServiceAreas(context.references, missing));

/** The products' owners (null: unknown, or hidden from the caller), each product asked once per file. */
export const productOwnersFor = (context: IngestContext, productIds: string[]) =>
  memoised(runMemo(context).productOwners, productIds, async (missing) => {
    const owners = await ownersOf(context.references, "Product", missing);
    return missing.map((id) => owners.get(id) ?? null);
  });

const assetsFor = (context: IngestContext, units: string[]) =>
  memoised(runMemo(context).assets, units, async (missing) => {
    const found = await context.references.lookup<{ owner?: { id: string } | null; location?: { gspGroup?: string | null } | null }>(
      "Asset",
      missing,
      "owner { id } location { gspGroup }",
      "externalId",
    );
    return missing.map((_, i): LocatedAsset | null => {
      const f = found[i];
      return f?.owner?.id ? { assetId: f.id, providerId: f.owner.id, gspGroup: f.location?.gspGroup ?? null } : null;
    });
  });

/**
 * Per candidate: the asset its unit reference names (null: the hub holds none the caller may see; the instruction
 * keeps the reference alone, as before), or why the row is refused.
 */
export async function checkDispatches(
  context: IngestContext,
  candidates: readonly DispatchCandidate[],
): Promise<(DispatchCheck | { error: IngestRowError })[]> {
  const { references } = context;
  const assetOf = await assetsFor(context, [...new Set(candidates.map((c) => c.unitReference))]);
  const located = candidates.filter((c) => assetOf.get(c.unitReference));
  // In-process tests' static references reach no other subgraph: no service areas to ask (as rule-checks' evaluate).
  const areas = located.length > 0 && references.call ? await areasFor(context, [...new Set(located.map((c) => c.issuerId))]) : null;

  const outside = (c: DispatchCandidate) => {
    const asset = assetOf.get(c.unitReference);
    const area = areas?.get(c.issuerId);
    return asset && area && !covers(area, asset.gspGroup) ? asset : null;
  };
  // The rules, once per (SO, product, unit), on the group's largest set point (the most any of its rows instructs).
  const groups = new Map<string, DispatchCandidate[]>();
  for (const c of candidates) {
    if (outside(c)) continue;
    const key = `${c.issuerId}|${c.productId}|${c.unitReference}`;
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const blocked = new Map<string, string>();
  const ruleOf = new Map<string, string>();
  const warned = new Map<string, RuleWarning[]>();
  // The product's facts once per product and file (a product lookup), not per group or chunk.
  const { productFacts } = runMemo(context);
  const factsOf = (productId: string, setPointMw: number) => {
    const base = productFacts.get(productId) ?? dispatchFacts(references, { productId, setPointMw: 0 });
    productFacts.set(productId, base);
    return base.then((facts) => ({ ...facts, instructedMw: setPointMw }));
  };
  const keys = [...groups.keys()];
  const requests: RuleCheckRequest[] = await Promise.all(
    [...groups.values()].map(async (list) => {
      const first = list[0]!;
      const asset = assetOf.get(first.unitReference) ?? null;
      return {
        subjectKind: "DISPATCH_INSTRUCTION",
        subject: { type: "DispatchInstruction", id: newSubjectId() },
        facts: await factsOf(first.productId, Math.max(...list.map((c) => c.setPointMw))),
        productIds: [first.productId],
        partyIds: [asset?.providerId, first.issuerId],
        at: new Date(list.map((c) => c.start).sort()[0]!),
      };
    }),
  );
  const results = await evaluateMany(references, requests);
  for (const [i, result] of results.entries()) {
    if (result.decision !== "BLOCK") {
      warned.set(keys[i]!, warningsOf(result));
      continue;
    }
    const violation = ruleViolation("DISPATCH_INSTRUCTION", requests[i]!.subject, result);
    blocked.set(keys[i]!, violation.message);
    ruleOf.set(keys[i]!, String(violation.extensions.rule ?? ""));
  }

  return candidates.map((c) => {
    const far = outside(c);
    if (far) {
      const where = far.gspGroup ? `GSP group ${far.gspGroup}` : "an unknown GSP group";
      return {
        error: {
          row: c.row,
          field: "unitReference",
          code: "BAD_USER_INPUT",
          reason: "OUTSIDE_SERVICE_AREA",
          message: `Unit ${c.unitReference} (asset ${far.assetId}, ${where}) lies outside the service area of system operator ${c.issuerId}`,
        },
      };
    }
    const key = `${c.issuerId}|${c.productId}|${c.unitReference}`;
    const message = blocked.get(key);
    if (message) {
      return { error: { row: c.row, field: "rule", code: "RULE_VIOLATION", reason: ruleOf.get(key) || "RULE_VIOLATION", message } };
    }
    const asset = assetOf.get(c.unitReference);
    return { unit: asset ? { assetId: asset.assetId, providerId: asset.providerId } : null, warnings: warned.get(key) ?? [] };
  });
}
