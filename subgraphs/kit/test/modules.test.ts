import { GraphQLScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { allow, mergeModules } from "../src/index.js";

describe("mergeModules", () => {
  const scalar = new GraphQLScalarType({ name: "DateTime" });
  const accounts = {
    name: "accounts",
    resolvers: { Query: { me: () => "me" }, User: { organisation: () => "org" } },
    policy: { "Query.me": allow.signedIn() },
  };
  const organisations = {
    name: "organisations",
    resolvers: { Query: { organisation: () => "o" }, Organisation: { users: () => [] }, DateTime: scalar },
    policy: { "Query.organisation": allow.anyone(), "Organisation.users": allow.roles("ADMIN") },
  };

  it("merges the modules' fields type by type, and their policies", () => {
    const merged = mergeModules([accounts, organisations, { name: "empty" }]);
    expect(Object.keys(merged.resolvers.Query ?? {})).toEqual(["me", "organisation"]);
    expect(merged.resolvers.User?.organisation).toBe(accounts.resolvers.User.organisation);
    expect(merged.resolvers.DateTime).toBe(scalar);
    expect(Object.keys(merged.policy)).toEqual(["Query.me", "Query.organisation", "Organisation.users"]);
  });

  it("stops the build when two modules resolve the same field or rule the same one", () => {
    const again = { name: "again", resolvers: { Query: { me: () => "other" } } };
    expect(() => mergeModules([accounts, again])).toThrow("Query.me is resolved by both accounts and again");
    const ruled = { name: "ruled", policy: { "Organisation.users": allow.anyone() } };
    expect(() => mergeModules([organisations, ruled])).toThrow("Organisation.users has a policy rule in both organisations and ruled");
    expect(() => mergeModules([organisations, { name: "scalars", resolvers: { DateTime: scalar } }])).toThrow(
      /DateTime is resolved by both/,
    );
  });
});
