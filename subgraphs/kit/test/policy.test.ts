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

describe("applyPolicy: arguments, rows and hiding", () => {
  const typeDefs = parse(`
    type Query { note(id: ID!): Note notes: [Note!]! mine: [Note!] }
    type Mutation { rename(id: ID!): Note }
    type Note @key(fields: "id") { id: ID! owner: ID! text: String! secret: String }
  `);
  const notes = [
    { id: "1", owner: "a", text: "one", secret: "s1" },
    { id: "2", owner: "b", text: "two", secret: "s2" },
  ];
  const resolvers = {
    Query: { note: (_: unknown, { id }: { id: string }) => notes.find((n) => n.id === id) ?? null, notes: () => notes, mine: () => notes },
    Mutation: { rename: (_: unknown, { id }: { id: string }) => notes.find((n) => n.id === id) },
    Note: { __resolveReference: async ({ id }: { id: string }) => notes.find((n) => n.id === id) ?? null },
  };
  const owns = (identity: Identity | null, note: { owner: string }) => identity?.organisationId === note.owner;
  const guarded = applyPolicy(typeDefs, resolvers, {
    // Rows: a note you do not own is null, and left out of lists.
    "Query.note": { call: allow.signedIn(), row: (identity, note) => owns(identity, note) || "hide" },
    "Query.notes": { row: (identity, note) => owns(identity, note) || "hide" },
    // Hidden before the resolver: an empty list, no error.
    "Query.mine": (identity) => (identity ? null : "hide"),
    // Arguments, asynchronously: false is FORBIDDEN for a person, UNAUTHENTICATED for anonymous callers.
    "Mutation.rename": async (identity, { args }) => args.id === identity?.organisationId,
    "Note.__resolveReference": { call: allow.signedIn(), row: (identity, note) => owns(identity, note) },
    // Every field but the key: signed in. `secret` has a rule of its own.
    "Note.*": allow.signedIn(),
    "Note.secret": (identity, { parent }) => owns(identity, parent) || "hide",
  }) as any;
  const a = { identity: testIdentity({ roles: ["FSP"], organisationId: "a" }) };
  const anonymous = { identity: null };
  const info = (fieldName: string) => ({ fieldName }) as never;

  it("row rules see the row: hidden single rows are null, hidden list items are dropped", async () => {
    expect(await guarded.Query.note(null, { id: "1" }, a, info("note"))).toEqual(notes[0]);
    expect(await guarded.Query.note(null, { id: "2" }, a, info("note"))).toBeNull();
    expect(await guarded.Query.note(null, { id: "9" }, a, info("note"))).toBeNull();
    expect(() => guarded.Query.note(null, { id: "1" }, anonymous, info("note"))).toThrow("Sign in first");
    expect(await guarded.Query.notes(null, {}, a, info("notes"))).toEqual([notes[0]]);
  });

  it("hide before the resolver answers null, or [] for a list", () => {
    expect(guarded.Query.mine(null, {}, anonymous, info("mine"))).toEqual([]);
    expect(guarded.Query.mine(null, {}, a, info("mine"))).toBe(notes);
    expect(guarded.Note.secret(notes[1], {}, a, info("secret"))).toBeNull();
    expect(guarded.Note.secret(notes[0], {}, a, info("secret"))).toBe("s1");
  });

  it("rules see the arguments; false refuses with the default code", async () => {
    await expect(guarded.Mutation.rename(null, { id: "a" }, a, info("rename"))).resolves.toBeUndefined();
    await expect(guarded.Mutation.rename(null, { id: "1" }, a, info("rename"))).rejects.toMatchObject({
      extensions: { code: "FORBIDDEN" },
    });
    await expect(guarded.Mutation.rename(null, { id: "1" }, anonymous, info("rename"))).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("an entity reference refused or hidden is null", async () => {
    expect(await guarded.Note.__resolveReference({ id: "1" }, a)).toEqual(notes[0]);
    expect(await guarded.Note.__resolveReference({ id: "2" }, a)).toBeNull();
    expect(await guarded.Note.__resolveReference({ id: "1" }, anonymous)).toBeNull();
  });

  it("Type.* guards every field but the key and those with their own rule", () => {
    expect(guarded.Note.id).toBeUndefined();
    expect(() => guarded.Note.text(notes[0], {}, anonymous, info("text"))).toThrow("Sign in first");
    expect(guarded.Note.owner(notes[0], {}, a, info("owner"))).toBe("a");
  });

  it("refuses to build when a rule names a field the schema does not have", () => {
    expect(() => applyPolicy(parse(`type Query { a: Int }`), {}, { "Query.a": allow.anyone(), "Query.b": allow.anyone() })).toThrow(
      /Query\.b, which is not in the schema/,
    );
  });
});
