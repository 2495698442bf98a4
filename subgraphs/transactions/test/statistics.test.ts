/**
 * awardStatistics and its anonymisation rule (kit/anonymity.ts): a product-month is reported only when, without
 * the caller's organisation's awards, it has awards to at least 3 distinct providers and no provider holds more
 * than 50% of its awarded MW or of its MW-weighted availability or utilisation amounts. The differencing
 * attack first: a provider that pads a month with its own awards learns nothing of another's.
 */
import { randomUUID } from "node:crypto";
import { type DatabaseHandle, type Identity, MAX_OWNER_SHARE, MIN_DISTINCT_OWNERS } from "@sfe/kit";
import { as, errorCodes, execute, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AWARD_STATISTICS_RULE, MIN_PROVIDERS_PER_STATISTIC } from "../src/access.js";
import type { NewAward } from "../src/repositories/awards.js";
import { type createRepositories, type createTransactionsSubgraph, typeDefs } from "../src/server.js";
import { transactionsSubgraph } from "./helpers.js";

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

const { soA: SO, fspA: ATTACKER, fspB: VICTIM } = orgs;
const fsp = (organisationId: string) => testIdentity({ roles: ["FSP"], organisationId });
const { investor, regulator } = as;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(transactionsSubgraph));
});
afterAll(() => handle.close());

interface Award {
  provider: string;
  mw: number;
  availability?: string | null;
  utilisation?: string | null;
  /** Day of the month (2031-03 unless `month` says otherwise). */
  day?: number;
  month?: string;
  status?: NewAward["status"];
}

/** Awards of `productId`, straight into the table (as recordAward writes them, providers resolved). */
async function awards(productId: string, list: Award[]): Promise<void> {
  for (const a of list) {
    const day = String(a.day ?? 10).padStart(2, "0");
    const row = await repos.awards.create(
      {
        assetId: randomUUID(),
        productId,
        providerId: a.provider,
        buyerId: SO,
        awardedMw: a.mw,
        availabilityPriceGbpPerMwH: a.availability ?? null,
        utilisationPriceGbpPerMwh: a.utilisation ?? null,
        start: new Date(`${a.month ?? "2031-03"}-${day}T00:00:00Z`),
        end: new Date(`${a.month ?? "2031-03"}-${day}T04:00:00Z`),
        status: a.status ?? "AWARDED",
      },
      null,
    );
    expect(row).not.toBeNull();
  }
}

const STATS = /* GraphQL */ `query ($p: ID, $from: DateTime, $to: DateTime) { awardStatistics(productId: $p, from: $from, to: $to) {
  product { id } month awardCount providerCount totalAwardedMw averageAvailabilityPriceGbpPerMwH
  minimumAvailabilityPriceGbpPerMwH maximumAvailabilityPriceGbpPerMwH averageUtilisationPriceGbpPerMwh } }`;

async function statistics(caller: Identity | null, variables: Record<string, unknown>) {
  const result = await execute(subgraph, STATS, variables, caller);
  expect(result.errors).toBeUndefined();
  return result.data!.awardStatistics as Record<string, unknown>[];
}

describe("the differencing attack", () => {
  const product = randomUUID();

  it("a provider with two awards of its own and one of another provider's in a month is not shown the month", async () => {
    await awards(product, [
      { provider: ATTACKER, mw: 1, availability: "1" },
      { provider: ATTACKER, mw: 1, availability: "1" },
      { provider: VICTIM, mw: 7.5, availability: "23.4567" },
    ]);
    expect(await statistics(fsp(ATTACKER), { p: product })).toEqual([]);
    expect(await statistics(fsp(VICTIM), { p: product })).toEqual([]);
    expect(await statistics(investor, { p: product })).toEqual([]); // two providers
  });

  it("padding the month with more own awards changes nothing", async () => {
    await awards(product, [
      { provider: ATTACKER, mw: 1, day: 11 },
      { provider: ATTACKER, mw: 1, day: 12 },
    ]);
    expect(await statistics(fsp(ATTACKER), { p: product })).toEqual([]);
  });
});

describe("a month with 3 other providers", () => {
  const product = randomUUID();
  const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
  const month = {
    product: { id: product },
    month: "2031-03",
    awardCount: 5,
    providerCount: 4,
    totalAwardedMw: 34,
    // (6 × 40 + 10 × 10 + 8 × 20 + 6 × 30) / 30, weighted by MW over the awards with an availability price
    averageAvailabilityPriceGbpPerMwH: "22.6667",
    minimumAvailabilityPriceGbpPerMwH: "10.0000",
    maximumAvailabilityPriceGbpPerMwH: "40.0000",
    // (4 × 2.5 + 10 × 2 + 8 × 3 + 6 × 4) / 28
    averageUtilisationPriceGbpPerMwh: "2.7857",
  };

  beforeAll(() =>
    awards(product, [
      { provider: ATTACKER, mw: 6, availability: "40" },
      { provider: ATTACKER, mw: 4, utilisation: "2.5" },
      { provider: x, mw: 10, availability: "10", utilisation: "2" },
      { provider: y, mw: 8, availability: "20", utilisation: "3" },
      { provider: z, mw: 6, availability: "30", utilisation: "4" },
      // Cancelled: counts for nothing, neither in the figures nor in the rule.
      { provider: randomUUID(), mw: 100, availability: "999", status: "CANCELLED" },
    ]),
  );

  it("is shown to the provider padding it, with the whole month's figures", async () => {
    expect(await statistics(fsp(ATTACKER), { p: product })).toEqual([month]);
    expect(await statistics(investor, { p: product })).toEqual([month]);
    // To x the others are the attacker, y and z: shown too.
    expect(await statistics(fsp(x), { p: product })).toEqual([month]);
  });

  it("widens from and to to whole months, so a month cannot be split to single awards out", async () => {
    expect(await statistics(regulator, { p: product, from: "2031-03-15T00:00:00Z", to: "2031-03-16T00:00:00Z" })).toEqual([month]);
    expect(await statistics(regulator, { p: product, to: "2031-03-01T00:00:00Z" })).toEqual([]);
    const backwards = await execute(subgraph, STATS, { from: "2031-04-01T00:00:00Z", to: "2031-03-01T00:00:00Z" }, regulator);
    expect(errorCodes(backwards)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, STATS, { p: "DCL" }, regulator))).toEqual(["BAD_USER_INPUT"]);
  });

  it("counts providers, not awards", async () => {
    const other = randomUUID();
    await awards(other, [
      { provider: x, mw: 1, day: 1 },
      { provider: x, mw: 1, day: 2 },
      { provider: x, mw: 1, day: 3 },
      { provider: y, mw: 2, day: 4 },
    ]);
    expect(await statistics(investor, { p: other })).toEqual([]);
  });
});

describe("the dominance rule", () => {
  const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];

  it("hides a month where one provider holds more than 50% of the awarded MW, and shows it at exactly 50%", async () => {
    const product = randomUUID();
    await awards(product, [
      { provider: x, mw: 13 },
      { provider: y, mw: 7 },
      { provider: z, mw: 5 },
    ]);
    expect(await statistics(investor, { p: product })).toEqual([]); // 13 of 25 = 52%
    await awards(product, [{ provider: randomUUID(), mw: 1 }]);
    expect(await statistics(investor, { p: product })).toEqual([expect.objectContaining({ providerCount: 4, totalAwardedMw: 26 })]);
  });

  it("hides a month where one provider holds more than 50% of the MW-weighted availability or utilisation amount", async () => {
    const product = randomUUID();
    // MW balanced (10 each), but x's 10 MW at £100 is 100 / (100 + 20 + 20) = 71% of the amount.
    await awards(product, [
      { provider: x, mw: 10, availability: "100" },
      { provider: y, mw: 10, availability: "2" },
      { provider: z, mw: 10, availability: "2" },
    ]);
    expect(await statistics(investor, { p: product })).toEqual([]);
    // Only one provider states a utilisation price: the average would be its own price.
    const utilised = randomUUID();
    await awards(utilised, [
      { provider: x, mw: 10, availability: "5", utilisation: "80" },
      { provider: y, mw: 10, availability: "5" },
      { provider: z, mw: 10, availability: "5" },
    ]);
    expect(await statistics(investor, { p: utilised })).toEqual([]);
  });

  it("judges dominance without the caller: its own large awards do not dilute another provider's share", async () => {
    const product = randomUUID();
    await awards(product, [
      { provider: ATTACKER, mw: 1000 },
      { provider: x, mw: 6 },
      { provider: y, mw: 2 },
      { provider: z, mw: 2 },
    ]);
    expect(await statistics(fsp(ATTACKER), { p: product })).toEqual([]);
    expect(await statistics(investor, { p: product })).toEqual([]);
  });
});

describe("awardStatistics", () => {
  it("is computed by the database in one grouped query, with the caller's organisation and the kit's rule", async () => {
    const spy = vi.spyOn(repos.awards, "statistics");
    await statistics(fsp(ATTACKER), {});
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toMatchObject({ rule: AWARD_STATISTICS_RULE, callerOrganisationId: ATTACKER });
    spy.mockRestore();
  });

  it.each([
    ["anonymous", null, "UNAUTHENTICATED"],
    [
      "an API key without transactions:read",
      testIdentity({ kind: "apiKey", userId: null, roles: ["FSP"], scopes: ["assets:read"] }),
      "FORBIDDEN",
    ],
  ] as const)("refuses %s", async (_what, caller, code) => {
    expect(errorCodes(await execute(subgraph, STATS, {}, caller))).toEqual([code]);
  });

  it("states the rule in the schema, with the constants' values", () => {
    expect(AWARD_STATISTICS_RULE).toEqual({ minOwners: MIN_DISTINCT_OWNERS, maxOwnerShare: MAX_OWNER_SHARE });
    expect(MIN_PROVIDERS_PER_STATISTIC).toBe(3);
    const sdl = print(typeDefs);
    expect(sdl).toMatch(new RegExp(`at least ${MIN_DISTINCT_OWNERS} distinct\\s+providers`));
    expect(sdl).toMatch(new RegExp(`more than\\s+${MAX_OWNER_SHARE * 100}%`));
    expect(sdl).toMatch(/caller's\s+own organisation's awards out/);
  });
});
