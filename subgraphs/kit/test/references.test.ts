import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { close, createEntityReferences, IDENTITY_HEADER, listen } from "../src/index.js";
import { runInRequestScope, setScopeIdentity } from "../src/request-scope.js";
import { testGateway, testIdentity } from "../src/testing.js";

/** A stand-in owning subgraph: answers _entities for ids it knows and records what it was sent. */
const seen: { headers: IncomingHttpHeaders; body: { variables: { r: { id: string }[] } } }[] = [];
const server = createServer(async (req, res) => {
  let text = "";
  for await (const chunk of req) text += chunk;
  const body = JSON.parse(text);
  seen.push({ headers: req.headers, body });
  const entities = body.variables.r.map(({ id }: { id: string }) => (id.startsWith("known") ? { id, owner: { id: "org-1" } } : null));
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ data: { _entities: entities } }));
});
let url = "";
beforeAll(async () => {
  url = `${await listen(server, 0, "127.0.0.1")}/graphql`;
});
afterAll(() => close(server));

const references = () => createEntityReferences({ urlOf: () => url, signer: testGateway.signer });

it("looks up many entities in one request, in order, duplicates collapsed, unknown as null", async () => {
  seen.length = 0;
  const found = await references().lookup("Asset", ["known-1", "nope", "known-1", "known-2"], "owner { id }");
  expect(found).toEqual([
    { id: "known-1", owner: { id: "org-1" } },
    null,
    { id: "known-1", owner: { id: "org-1" } },
    { id: "known-2", owner: { id: "org-1" } },
  ]);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.body.variables.r.map((r) => r.id)).toEqual(["known-1", "nope", "known-2"]);
  expect(await references().missing("Asset", ["known-1", "nope", "nope"])).toEqual(["nope"]);
});

it("forwards the identity of the request being served, signed for the owning subgraph alone", async () => {
  seen.length = 0;
  const caller = testIdentity({ roles: ["FSP"] });
  await runInRequestScope(async () => {
    setScopeIdentity(caller);
    await references().missing("Asset", ["known-1"]);
  });
  await references().missing("Asset", ["known-1"]); // outside any request: anonymous
  const sent = (i: number) => ({ [IDENTITY_HEADER]: String(seen[i]!.headers[IDENTITY_HEADER]) });
  expect(await testGateway.verifier("assets").verify(sent(0))).toMatchObject({ identity: caller });
  await expect(testGateway.verifier("users").verify(sent(0))).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  expect(await testGateway.verifier("assets").verify(sent(1))).toMatchObject({ identity: null }); // anonymous
});

it("says UPSTREAM_UNAVAILABLE when the owner cannot be reached", async () => {
  const down = createEntityReferences({ urlOf: () => "http://127.0.0.1:9/graphql" });
  await expect(down.missing("Asset", ["known-1"])).rejects.toMatchObject({
    extensions: { code: "UPSTREAM_UNAVAILABLE", subgraph: "assets" },
  });
});
