/**
 * Constraint Managed Zones through the gateway, over real HTTP: a verified system operator creates a zone of
 * its own, and the zone's operator is answered by the users subgraph.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const CREATE = `mutation ($i: CreateConstraintManagedZoneInput!) {
  createConstraintManagedZone(input: $i) { constraintManagedZone { code operator { name } } } }`;

describe("constraint managed zones", () => {
  it("a verified SO creates a zone; anyone signed in lists it with its operator's name", async () => {
    const so = await stack.signUp("zones@ukpn.test", "SYSTEM_OPERATOR", "UK Power Networks");
    await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
    const verified = await signIn(stack.url, "zones@ukpn.test", PASSWORD); // roles are in the token: sign in again
    const input = { operatorId: so.organisationId, code: "UKPN_HENDON_WAY", name: "Hendon Way", licenceArea: "London", gspGroups: ["_C"] };
    const created = await gqlOk(stack.url, CREATE, { i: input }, verified);
    expect(created.createConstraintManagedZone.constraintManagedZone).toEqual({
      code: "UKPN_HENDON_WAY",
      operator: { name: "UK Power Networks" },
    });
    expect(codes(await gql(stack.url, CREATE, { i: input }, verified))).toEqual(["CONFLICT"]);

    const fsp = await stack.signUp("louis@zones-flex.test", "FSP", "Zones Flex Ltd");
    expect(codes(await gql(stack.url, CREATE, { i: { ...input, code: "UKPN_OTHER" } }, fsp.as))).toEqual(["FORBIDDEN"]);
    const listed = await gqlOk(stack.url, `{ constraintManagedZones(gspGroup: "_C") { code operator { name } } }`, {}, fsp.as);
    expect(listed.constraintManagedZones).toEqual([{ code: "UKPN_HENDON_WAY", operator: { name: "UK Power Networks" } }]);
  });
});
