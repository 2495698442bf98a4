import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { allow, applyPolicy, type Identity } from "../src/index.js";
import { testIdentity } from "../src/testing.js";

const person = (roles: Identity["roles"]) => testIdentity({ roles });
const key = (scopes: string[]) => testIdentity({ kind: "apiKey", userId: null, roles: ["THIRD_PARTY"], scopes });
const code = (refusal: ReturnType<ReturnType<typeof allow.anyone>>) => refusal?.extensions.code ?? null;

describe("policy rules", () => {
  it("roles: anonymous is UNAUTHENTICATED, another role FORBIDDEN", () => {
    const rule = allow.roles("FSP", "ADMIN");
    expect(code(rule(null))).toBe("UNAUTHENTICATED");
    expect(code(rule(person(["INVESTOR"])))).toBe("FORBIDDEN");
    expect(code(rule(person(["FSP"])))).toBeNull();
  });

  it("scope: a person passes; an API key needs the area, and write covers read", () => {
    expect(code(allow.scope("assets", "write")(person(["FSP"])))).toBeNull();
    expect(code(allow.scope("assets", "read")(key(["assets:read"])))).toBeNull();
    expect(code(allow.scope("assets", "read")(key(["assets:write"])))).toBeNull();
    expect(code(allow.scope("assets", "write")(key(["assets:read"])))).toBe("FORBIDDEN");
    expect(code(allow.scope("products", "read")(key(["assets:read"])))).toBe("FORBIDDEN");
  });
});

describe("applyPolicy", () => {
  const typeDefs = parse(`type Query { a: Int b: Int } type Mutation { c: Int } type Thing { secret: Int }`);
  const resolvers = { Query: { a: () => 1, b: () => 2 }, Mutation: { c: () => 3 } };

  it("refuses to build when an operation has no rule (deny by default)", () => {
    expect(() => applyPolicy(typeDefs, resolvers, { "Query.a": allow.anyone(), "Query.b": allow.anyone() })).toThrow(
      /No policy rule for Mutation\.c/,
    );
  });

  it("runs the rule before the resolver, also on fields without a resolver", () => {
    const guarded = applyPolicy(typeDefs, resolvers, {
      "Query.a": allow.anyone(),
      "Query.b": allow.signedIn(),
      "Mutation.c": allow.roles("ADMIN"),
      "Thing.secret": allow.roles("ADMIN"),
    }) as any;
    const ctx = (identity: Identity | null) => ({ identity });
    expect(guarded.Query.a(null, {}, ctx(null), {})).toBe(1);
    expect(() => guarded.Query.b(null, {}, ctx(null), {})).toThrow("Sign in first");
    expect(() => guarded.Mutation.c(null, {}, ctx(person(["FSP"])), {})).toThrow(/Only ADMIN/);
    expect(guarded.Thing.secret({ secret: 7 }, {}, ctx(person(["ADMIN"])), { fieldName: "secret" })).toBe(7);
  });
});
