import { randomUUID } from "node:crypto";
import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import {
  apiKeyOf as apiKey,
  as,
  countRows,
  errorCodes,
  execute as executeInProcess,
  MISSING_ID as MISSING,
  type OperationResult,
  orgs,
  setUpSubgraph,
  testIdentity,
} from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { createRepositories, createRulesSubgraph } from "../src/server.js";
import { rulesSubgraph } from "./helpers.js";

/**
 * Who may read and change what in the rules subgraph: market rules are public to anyone signed in
 * (API keys: rules:read), conflicts only to their parties and hub administrators; rules are written by
 * hub administrators and by the verified system operator owning the product; conflicts are recorded
 * by an issuing system operator and moved on by their parties (an FSP only acknowledges).
 */

// Organisations (users subgraph).
const { fspA, fspB, soA, soB, unverifiedSo: soUnverified } = orgs;

// Entities other subgraphs own, with the fields the rules subgraph looks up.
const assetA = randomUUID(); // FSP A's battery
const assetB = randomUUID(); // FSP B's heat pump
const instructionA = randomUUID(); // issued by SO A
const instructionB = randomUUID(); // issued by SO B
const instructionU = randomUUID(); // issued by the unverified SO
const productA = randomUUID(); // SO A's product
const productB = randomUUID(); // SO B's product
const productU = randomUUID(); // the unverified SO's product

const references = staticReferences({
  Asset: { [assetA]: { owner: { id: fspA } }, [assetB]: { owner: { id: fspB } } },
  DispatchInstruction: {
    [instructionA]: { issuedBy: { id: soA } },
    [instructionB]: { issuedBy: { id: soB } },
    [instructionU]: { issuedBy: { id: soUnverified } },
  },
  Product: { [productA]: { owner: { id: soA } }, [productB]: { owner: { id: soB } }, [productU]: { owner: { id: soUnverified } } },
});

// Callers.
// unverifiedSo: an SO account not yet verified, no effective role.
const { anonymous, admin, fspA: fspAUser, fspB: fspBUser, soA: soAUser, nationalSo: soBUser, unverifiedSo, investor, regulator } = as;
/** A bid-strategy platform acting for FSP A. */
const fspAKeyRulesRead = apiKey(fspA, ["FSP"], ["rules:read"]);
const fspAKeyRulesWrite = apiKey(fspA, ["FSP"], ["rules:write"]);
const fspAKeyAssetsRead = apiKey(fspA, ["FSP"], ["assets:read"]);
const soAKeyRulesRead = apiKey(soA, ["SYSTEM_OPERATOR"], ["rules:read"]);
const soAKeyRulesWrite = apiKey(soA, ["SYSTEM_OPERATOR"], ["rules:write"]);

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createRulesSubgraph>;

async function run(
  identity: Identity | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult<Record<string, any>>> {
  return JSON.parse(JSON.stringify(await executeInProcess(subgraph, query, variables, identity)));
}

const counts = async () => ({
  rules: await countRows(handle, "rules.market_rules"),
  conflicts: await countRows(handle, "rules.conflicts"),
  parties: await countRows(handle, "rules.conflict_parties"),
  audit: await countRows(handle, "rules.audit_events"),
});

const CREATE_RULE = /* GraphQL */ `
  mutation ($input: CreateMarketRuleInput!) { createMarketRule(input: $input) { marketRule { id code product { id } } } }`;
const UPDATE_RULE = /* GraphQL */ `
  mutation ($input: UpdateMarketRuleInput!) { updateMarketRule(input: $input) { marketRule { id name } } }`;
const RECORD = /* GraphQL */ `
  mutation ($input: RecordConflictInput!) { recordConflict(input: $input) { conflict { id parties { id } } } }`;
const UPDATE_STATUS = /* GraphQL */ `
  mutation ($input: UpdateConflictStatusInput!) { updateConflictStatus(input: $input) { conflict { id status } } }`;
const ENTITIES = (fragment: string) => `query ($r: [_Any!]!) { _entities(representations: $r) { ${fragment} } }`;

let codes = 0;
const ruleInput = (productId: string | null) => ({
  code: `ACCESS-${++codes}`,
  name: "A rule",
  kind: "STACKING",
  mode: "NOTIFY",
  parameters: {},
  ...(productId && { productId }),
});
const conflictInput = (assetIds: string[], instructionIds: string[]) => ({
  kind: "OPPOSING_INSTRUCTIONS",
  assetIds,
  instructionIds,
  overlapStart: "2025-06-23T16:30:00Z",
  overlapEnd: "2025-06-23T16:45:00Z",
});

async function createRule(identity: Identity, productId: string | null): Promise<string> {
  const result = await run(identity, CREATE_RULE, { input: ruleInput(productId) });
  expect(result.errors).toBeUndefined();
  return result.data!.createMarketRule.marketRule.id;
}

async function recordConflict(identity: Identity, assetIds: string[], instructionIds: string[]): Promise<string> {
  const result = await run(identity, RECORD, { input: conflictInput(assetIds, instructionIds) });
  expect(result.errors).toBeUndefined();
  return result.data!.recordConflict.conflict.id;
}

/** Fixtures, named in the tables below by key (the tables are built before they exist). Rules: of each SO's product and market-wide. */
const ruleIds = { A: "", B: "", U: "", wide: "", missing: MISSING };
type RuleKey = keyof typeof ruleIds;
/**
 * Conflicts, named in the tables below by key (the tables are built before the conflicts exist):
 * A: FSP A's asset, SO A's instruction (parties FSP A, SO A); B: FSP B's asset, SO B's instruction
 * (parties FSP B, SO B); U: FSP B's asset, the unverified SO's instruction (parties FSP B, unverified SO).
 */
const conflictIds = { A: "", B: "", U: "" };
type ConflictKey = keyof typeof conflictIds;
const idsOf = (keys: readonly ConflictKey[]) => keys.map((key) => conflictIds[key]);

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(rulesSubgraph, references));
  ruleIds.A = await createRule(admin, productA);
  ruleIds.B = await createRule(admin, productB);
  ruleIds.U = await createRule(admin, productU);
  ruleIds.wide = await createRule(admin, null);
  conflictIds.A = await recordConflict(admin, [assetA], [instructionA]);
  conflictIds.B = await recordConflict(admin, [assetB], [instructionB]);
  conflictIds.U = await recordConflict(admin, [assetB], [instructionU]);
});
afterAll(() => handle.close());

type Caller = [name: string, identity: Identity | null];
const EVERY_SIGNED_IN: Caller[] = [
  ["FSP A", fspAUser],
  ["FSP B", fspBUser],
  ["SO A", soAUser],
  ["SO B", soBUser],
  ["an unverified SO", unverifiedSo],
  ["an investor", investor],
  ["a regulator", regulator],
  ["an admin", admin],
  ["an API key with rules:read", fspAKeyRulesRead],
];

describe("market rules are public to anyone signed in", () => {
  it.each(EVERY_SIGNED_IN)("%s reads marketRule, marketRules, Product.rules and MarketRule references", async (_name, identity) => {
    const one = await run(identity, `query ($id: ID!) { marketRule(id: $id) { id } }`, { id: ruleIds.A });
    expect(one.errors).toBeUndefined();
    expect(one.data?.marketRule).toEqual({ id: ruleIds.A });

    const list = await run(identity, `{ marketRules(first: 500) { id } }`);
    expect(list.errors).toBeUndefined();
    expect(list.data?.marketRules).toEqual(expect.arrayContaining([ruleIds.A, ruleIds.B, ruleIds.U, ruleIds.wide].map((id) => ({ id }))));

    const products = await run(identity, ENTITIES("... on Product { id rules { id } }"), {
      r: [productA, productB].map((id) => ({ __typename: "Product", id })),
    });
    expect(products.errors).toBeUndefined();
    expect(products.data?._entities).toEqual([
      { id: productA, rules: [{ id: ruleIds.A }] },
      { id: productB, rules: [{ id: ruleIds.B }] },
    ]);

    const refs = await run(identity, ENTITIES("... on MarketRule { id }"), {
      r: [ruleIds.A, ruleIds.wide].map((id) => ({ __typename: "MarketRule", id })),
    });
    expect(refs.errors).toBeUndefined();
    expect(refs.data?._entities).toEqual([{ id: ruleIds.A }, { id: ruleIds.wide }]);
  });

  it.each([
    ["anonymous", anonymous, "UNAUTHENTICATED"],
    ["an API key with assets:read only", fspAKeyAssetsRead, "FORBIDDEN"],
  ] as const)("%s is refused every rule read ($2); its MarketRule references answer null", async (_name, identity, code) => {
    expect(errorCodes(await run(identity, `query ($id: ID!) { marketRule(id: $id) { id } }`, { id: ruleIds.A }))).toEqual([code]);
    expect(errorCodes(await run(identity, `{ marketRules { id } }`))).toEqual([code]);
    const products = await run(identity, ENTITIES("... on Product { id rules { id } }"), { r: [{ __typename: "Product", id: productA }] });
    expect(errorCodes(products)).toEqual([code]);
    expect(products.data?._entities).toEqual([{ id: productA, rules: null }]);
    const refs = await run(identity, ENTITIES("... on MarketRule { id }"), { r: [{ __typename: "MarketRule", id: ruleIds.A }] });
    expect(refs.errors).toBeUndefined();
    expect(refs.data?._entities).toEqual([null]);
  });
});

describe("conflicts are seen by their parties and hub administrators only", () => {
  const CONFLICT = `query ($id: ID!) { conflict(id: $id) { id parties { id } } }`;
  const ids = (result: OperationResult<Record<string, any>>, field: string) =>
    (result.data?.[field] as { id: string }[] | undefined)?.map((c) => c.id);

  it("an admin sees every conflict, with its parties", async () => {
    const one = await run(admin, CONFLICT, { id: conflictIds.A });
    expect(one.data?.conflict.parties.map((p: { id: string }) => p.id).sort()).toEqual([fspA, soA].sort());
    expect(ids(await run(admin, `{ conflicts(first: 500) { id } }`), "conflicts")).toEqual(idsOf(["U", "B", "A"]));
  });

  it.each([
    ["FSP A (owner of the asset)", fspAUser, ["A"]],
    ["SO A (issuer of the instruction)", soAUser, ["A"]],
    ["FSP B", fspBUser, ["U", "B"]],
    ["SO B", soBUser, ["B"]],
    ["an API key of FSP A with rules:read", fspAKeyRulesRead, ["A"]],
  ] as const)("%s lists only the conflicts it is a party to, and reads no other", async (_name, identity, visible) => {
    const list = await run(identity, `{ conflicts(first: 500) { id } }`);
    expect(list.errors).toBeUndefined();
    expect(ids(list, "conflicts")).toEqual(idsOf(visible));
    for (const key of ["A", "B", "U"] as const) {
      const one = await run(identity, CONFLICT, { id: conflictIds[key] });
      expect(one.errors).toBeUndefined();
      expect(one.data?.conflict?.id ?? null).toBe((visible as readonly string[]).includes(key) ? conflictIds[key] : null);
    }
  });

  it("combines visibility with the list's filters: FSP B asking for FSP A's asset's conflicts gets none", async () => {
    const ofAsset = (identity: Identity, assetId: string) =>
      run(identity, `query ($a: ID!) { conflicts(assetId: $a) { id } }`, { a: assetId });
    expect(ids(await ofAsset(fspBUser, assetA), "conflicts")).toEqual([]);
    expect(ids(await ofAsset(fspAUser, assetA), "conflicts")).toEqual(idsOf(["A"]));
    expect(ids(await ofAsset(soBUser, assetB), "conflicts")).toEqual(idsOf(["B"]));
  });

  it.each([
    ["an investor", investor],
    ["a regulator", regulator],
    ["an unverified SO (even for a conflict over its own instruction)", unverifiedSo],
  ] as const)("%s is refused conflict lists (FORBIDDEN) and reads single conflicts as null", async (_name, identity) => {
    expect(errorCodes(await run(identity, `{ conflicts { id } }`))).toEqual(["FORBIDDEN"]);
    for (const id of idsOf(["A", "U"])) {
      const one = await run(identity, CONFLICT, { id });
      expect(one.errors).toBeUndefined();
      expect(one.data?.conflict).toBeNull();
    }
  });

  it.each([
    ["anonymous", anonymous, "UNAUTHENTICATED"],
    ["an API key with assets:read only", fspAKeyAssetsRead, "FORBIDDEN"],
  ] as const)("%s is refused conflict and conflicts ($2)", async (_name, identity, code) => {
    expect(errorCodes(await run(identity, CONFLICT, { id: conflictIds.A }))).toEqual([code]);
    expect(errorCodes(await run(identity, `{ conflicts { id } }`))).toEqual([code]);
  });

  describe("through entity references", () => {
    const ASSET_CONFLICTS = ENTITIES("... on Asset { id conflicts { id } }");
    const assets = { r: [assetA, assetB].map((id) => ({ __typename: "Asset", id })) };

    it.each([
      ["an admin", admin, [["A"], ["U", "B"]]],
      ["FSP A", fspAUser, [["A"], []]],
      ["FSP B (FSP A's asset's conflicts: empty)", fspBUser, [[], ["U", "B"]]],
      ["SO A", soAUser, [["A"], []]],
      ["SO B", soBUser, [[], ["B"]]],
      ["an API key of FSP A with rules:read", fspAKeyRulesRead, [["A"], []]],
    ] as const)("Asset.conflicts for %s lists only visible conflicts", async (_name, identity, [ofA, ofB]) => {
      const result = await run(identity, ASSET_CONFLICTS, assets);
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities).toEqual([
        { id: assetA, conflicts: idsOf(ofA).map((id) => ({ id })) },
        { id: assetB, conflicts: idsOf(ofB).map((id) => ({ id })) },
      ]);
    });

    it.each([
      ["anonymous", anonymous, "UNAUTHENTICATED"],
      ["an investor", investor, "FORBIDDEN"],
      ["a regulator", regulator, "FORBIDDEN"],
      ["an unverified SO", unverifiedSo, "FORBIDDEN"],
      ["an API key with assets:read only", fspAKeyAssetsRead, "FORBIDDEN"],
    ] as const)("Asset.conflicts is refused to %s ($2)", async (_name, identity, code) => {
      const result = await run(identity, ASSET_CONFLICTS, assets);
      expect(errorCodes(result)).toEqual([code, code]);
      expect(result.data?._entities).toEqual([
        { id: assetA, conflicts: null },
        { id: assetB, conflicts: null },
      ]);
    });

    const CONFLICT_REFS = ENTITIES("... on Conflict { id }");
    /** Representations of A, B, U and a conflict that does not exist. */
    const conflicts = () => ({ r: [...idsOf(["A", "B", "U"]), MISSING].map((id) => ({ __typename: "Conflict", id })) });
    it.each([
      ["an admin", admin, ["A", "B", "U"]],
      ["FSP A", fspAUser, ["A"]],
      ["FSP B", fspBUser, ["B", "U"]],
      ["SO A", soAUser, ["A"]],
      ["SO B", soBUser, ["B"]],
      ["an unverified SO", unverifiedSo, []],
      ["an investor", investor, []],
      ["a regulator", regulator, []],
      ["anonymous", anonymous, []],
      ["an API key of FSP A with rules:read", fspAKeyRulesRead, ["A"]],
      ["an API key with assets:read only", fspAKeyAssetsRead, []],
    ] as const)("Conflict references for %s answer null for non-parties", async (_name, identity, visible) => {
      const result = await run(identity, CONFLICT_REFS, conflicts());
      expect(result.errors).toBeUndefined();
      const expected = (["A", "B", "U"] as const).map((key) =>
        (visible as readonly string[]).includes(key) ? { id: conflictIds[key] } : null,
      );
      expect(result.data?._entities).toEqual([...expected, null]);
    });

    it("filters in SQL with one read per field per request", async () => {
      const byIds = vi.spyOn(repos.conflicts, "byIds");
      const byAssetIds = vi.spyOn(repos.conflicts, "byAssetIds");
      try {
        const refs = await run(fspBUser, CONFLICT_REFS, conflicts());
        expect(refs.data?._entities).toEqual([null, { id: conflictIds.B }, { id: conflictIds.U }, null]);
        expect(byIds).toHaveBeenCalledTimes(1);
        expect(byIds.mock.calls[0]?.[1]).toEqual({ partyId: fspB });

        const many = { r: Array.from({ length: 30 }, (_, i) => ({ __typename: "Asset", id: i % 2 ? assetA : assetB })) };
        const result = await run(fspBUser, ENTITIES("... on Asset { id conflicts { id } open: conflicts(status: OPEN) { id } }"), many);
        expect(result.errors).toBeUndefined();
        expect(byAssetIds).toHaveBeenCalledTimes(1);
        expect(byAssetIds.mock.calls[0]?.[1]).toEqual({ partyId: fspB });
      } finally {
        byIds.mockRestore();
        byAssetIds.mockRestore();
      }
    });
  });
});

describe("createMarketRule", () => {
  it.each([
    ["SO A for its own product", soAUser, productA],
    ["an API key of SO A with rules:write, for its own product", soAKeyRulesWrite, productA],
    ["an admin, market-wide", admin, null],
    ["an admin, for any product", admin, productB],
  ] as const)("allows %s", async (_name, identity, productId) => {
    const before = await counts();
    const result = await run(identity, CREATE_RULE, { input: ruleInput(productId) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createMarketRule.marketRule.product).toEqual(productId ? { id: productId } : null);
    expect(await counts()).toEqual({ ...before, rules: before.rules + 1, audit: before.audit + 1 });
  });

  it.each([
    ["SO A for SO B's product", soAUser, productB, "FORBIDDEN"],
    ["SO B for SO A's product (another SO)", soBUser, productA, "FORBIDDEN"],
    ["SO A market-wide (no productId)", soAUser, null, "FORBIDDEN"],
    ["an unverified SO for its own product", unverifiedSo, productU, "FORBIDDEN"],
    ["FSP A", fspAUser, productA, "FORBIDDEN"],
    ["an investor", investor, productA, "FORBIDDEN"],
    ["a regulator", regulator, null, "FORBIDDEN"],
    ["an API key of SO A with rules:read only", soAKeyRulesRead, productA, "FORBIDDEN"],
    ["anonymous", anonymous, productA, "UNAUTHENTICATED"],
    ["SO A for an unknown product", soAUser, MISSING, "BAD_USER_INPUT"],
    ["an admin for an unknown product", admin, MISSING, "BAD_USER_INPUT"],
  ] as const)("refuses %s ($3), writing nothing", async (_name, identity, productId, code) => {
    const before = await counts();
    expect(errorCodes(await run(identity, CREATE_RULE, { input: ruleInput(productId) }))).toEqual([code]);
    expect(await counts()).toEqual(before);
  });
});

describe("updateMarketRule", () => {
  it.each([
    ["SO A, a rule of its product", soAUser, "A"],
    ["an API key of SO A with rules:write", soAKeyRulesWrite, "A"],
    ["an admin, a market-wide rule", admin, "wide"],
    ["an admin, any product's rule", admin, "B"],
  ] as const)("allows %s", async (_name, identity, rule: RuleKey) => {
    const id = ruleIds[rule];
    const name = `Renamed ${randomUUID()}`;
    const result = await run(identity, UPDATE_RULE, { input: { id, name } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateMarketRule.marketRule).toEqual({ id, name });
  });

  it.each([
    ["SO B, a rule of SO A's product", soBUser, "A", "FORBIDDEN"],
    ["SO A, a rule of SO B's product", soAUser, "B", "FORBIDDEN"],
    ["SO A, a market-wide rule", soAUser, "wide", "FORBIDDEN"],
    ["an unverified SO, a rule of its own product", unverifiedSo, "U", "FORBIDDEN"],
    ["FSP A", fspAUser, "A", "FORBIDDEN"],
    ["an investor", investor, "A", "FORBIDDEN"],
    ["a regulator", regulator, "wide", "FORBIDDEN"],
    ["an API key of SO A with rules:read only", soAKeyRulesRead, "A", "FORBIDDEN"],
    ["anonymous", anonymous, "A", "UNAUTHENTICATED"],
    ["SO A, an unknown rule", soAUser, "missing", "NOT_FOUND"],
  ] as const)("refuses %s ($3), writing nothing", async (_name, identity, rule, code) => {
    const before = await counts();
    const stored = await run(admin, `query ($id: ID!) { marketRule(id: $id) { name } }`, { id: ruleIds[rule] });
    expect(errorCodes(await run(identity, UPDATE_RULE, { input: { id: ruleIds[rule], name: "Hijacked" } }))).toEqual([code]);
    expect(await counts()).toEqual(before);
    expect(await run(admin, `query ($id: ID!) { marketRule(id: $id) { name } }`, { id: ruleIds[rule] })).toEqual(stored);
  });
});

describe("recordConflict", () => {
  it.each([
    ["SO A, over its own instruction", soAUser, [assetA], [instructionA], [fspA, soA]],
    ["SO A, over its and SO B's instructions on FSP B's asset", soAUser, [assetB], [instructionA, instructionB], [fspB, soA, soB]],
    ["an API key of SO A with rules:write", soAKeyRulesWrite, [assetA], [instructionA], [fspA, soA]],
    ["an admin, with no instructions", admin, [assetA, assetB], [], [fspA, fspB]],
  ] as const)("allows %s, recording its parties", async (_name, identity, assetIds, instructionIds, parties) => {
    const before = await counts();
    const result = await run(identity, RECORD, { input: conflictInput([...assetIds], [...instructionIds]) });
    expect(result.errors).toBeUndefined();
    const recorded = result.data?.recordConflict.conflict as { id: string; parties: { id: string }[] };
    expect(recorded.parties.map((p) => p.id).sort()).toEqual([...parties].sort());
    expect(await counts()).toEqual({
      ...before,
      conflicts: before.conflicts + 1,
      parties: before.parties + parties.length,
      audit: before.audit + 1,
    });
    // Its parties see it at once.
    const seen = await run(testIdentity({ roles: ["FSP"], organisationId: parties[0] }), `query ($id: ID!) { conflict(id: $id) { id } }`, {
      id: recorded.id,
    });
    expect(seen.data?.conflict).toEqual({ id: recorded.id });
  });

  it.each([
    ["SO B, not an issuer of the instruction", soBUser, [assetA], [instructionA], "FORBIDDEN"],
    ["SO A, with no instructions", soAUser, [assetA], [], "FORBIDDEN"],
    ["SO B, not an issuer, naming an unknown asset", soBUser, [MISSING], [instructionA], "FORBIDDEN"],
    ["an unverified SO, over its own instruction", unverifiedSo, [assetA], [instructionU], "FORBIDDEN"],
    ["FSP A, owner of the asset", fspAUser, [assetA], [instructionA], "FORBIDDEN"],
    ["an investor", investor, [assetA], [instructionA], "FORBIDDEN"],
    ["a regulator", regulator, [assetA], [instructionA], "FORBIDDEN"],
    ["an API key of SO A with rules:read only", soAKeyRulesRead, [assetA], [instructionA], "FORBIDDEN"],
    ["anonymous", anonymous, [assetA], [instructionA], "UNAUTHENTICATED"],
    ["SO A, an unknown instruction", soAUser, [assetA], [instructionA, MISSING], "BAD_USER_INPUT"],
    ["SO A, an unknown asset", soAUser, [assetA, MISSING], [instructionA], "BAD_USER_INPUT"],
  ] as const)("refuses %s ($4), writing nothing", async (_name, identity, assetIds, instructionIds, code) => {
    const before = await counts();
    expect(errorCodes(await run(identity, RECORD, { input: conflictInput([...assetIds], [...instructionIds]) }))).toEqual([code]);
    expect(await counts()).toEqual(before);
  });
});

describe("updateConflictStatus", () => {
  /** A fresh conflict over FSP A's asset and SO A's instruction (parties: FSP A, SO A), optionally moved on first. */
  async function fresh(...path: string[]): Promise<string> {
    const id = await recordConflict(admin, [assetA], [instructionA]);
    for (const status of path) {
      expect((await run(admin, UPDATE_STATUS, { input: { id, status, resolution: "done" } })).errors).toBeUndefined();
    }
    return id;
  }

  it.each([
    ["FSP A (a party) acknowledging", fspAUser, [], "ACKNOWLEDGED"],
    ["FSP A acknowledging a notified conflict", fspAUser, ["NOTIFIED"], "ACKNOWLEDGED"],
    ["an API key of FSP A with rules:write acknowledging", fspAKeyRulesWrite, [], "ACKNOWLEDGED"],
    ["SO A (a party) notifying", soAUser, [], "NOTIFIED"],
    ["SO A resolving", soAUser, ["ACKNOWLEDGED"], "RESOLVED"],
    ["SO A escalating", soAUser, [], "ESCALATED"],
    ["an admin dismissing", admin, [], "DISMISSED"],
  ] as const)("allows %s", async (_name, identity, path, status) => {
    const id = await fresh(...path);
    const result = await run(identity, UPDATE_STATUS, { input: { id, status, resolution: "DSO primacy" } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateConflictStatus.conflict).toEqual({ id, status });
  });

  it.each([
    ["FSP A resolving (an FSP only acknowledges)", fspAUser, "RESOLVED", "FORBIDDEN"],
    ["FSP A dismissing", fspAUser, "DISMISSED", "FORBIDDEN"],
    ["FSP A notifying", fspAUser, "NOTIFIED", "FORBIDDEN"],
    ["FSP B (not a party)", fspBUser, "ACKNOWLEDGED", "NOT_FOUND"],
    ["SO B (not a party)", soBUser, "RESOLVED", "NOT_FOUND"],
    ["an unverified SO", unverifiedSo, "RESOLVED", "FORBIDDEN"],
    ["an investor", investor, "ACKNOWLEDGED", "FORBIDDEN"],
    ["a regulator", regulator, "ACKNOWLEDGED", "FORBIDDEN"],
    ["an API key of FSP A with rules:read only", fspAKeyRulesRead, "ACKNOWLEDGED", "FORBIDDEN"],
    ["an API key with assets:read only", fspAKeyAssetsRead, "ACKNOWLEDGED", "FORBIDDEN"],
    ["anonymous", anonymous, "ACKNOWLEDGED", "UNAUTHENTICATED"],
  ] as const)("refuses %s ($3), writing nothing", async (_name, identity, status, code) => {
    const id = await fresh();
    const before = await counts();
    expect(errorCodes(await run(identity, UPDATE_STATUS, { input: { id, status, resolution: "done" } }))).toEqual([code]);
    expect(await counts()).toEqual(before);
    expect((await run(admin, `query ($id: ID!) { conflict(id: $id) { status resolution } }`, { id })).data?.conflict).toEqual({
      status: "OPEN",
      resolution: null,
    });
  });

  it("answers a non-party exactly as for a conflict that does not exist", async () => {
    const id = await fresh();
    const hidden = await run(soBUser, UPDATE_STATUS, { input: { id, status: "NOTIFIED" } });
    const missing = await run(soBUser, UPDATE_STATUS, { input: { id: MISSING, status: "NOTIFIED" } });
    expect(errorCodes(hidden)).toEqual(["NOT_FOUND"]);
    expect(hidden.errors?.[0]?.message).toBe(missing.errors?.[0]?.message.replace(MISSING, id));
  });

  it("still checks the transition for an allowed caller: FSP A acknowledging a resolved conflict is CONFLICT, twice changes nothing", async () => {
    const resolved = await fresh("RESOLVED");
    const acknowledged = await fresh("ACKNOWLEDGED");
    const before = await counts();
    expect(errorCodes(await run(fspAUser, UPDATE_STATUS, { input: { id: resolved, status: "ACKNOWLEDGED" } }))).toEqual(["CONFLICT"]);
    const again = await run(fspAUser, UPDATE_STATUS, { input: { id: acknowledged, status: "ACKNOWLEDGED" } });
    expect(again.data?.updateConflictStatus.conflict).toEqual({ id: acknowledged, status: "ACKNOWLEDGED" });
    expect(await counts()).toEqual(before);
  });
});
