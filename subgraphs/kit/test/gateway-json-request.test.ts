import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson } from "../src/http.js";
import { gatewayJsonRequest } from "../src/identity-token.js";
import { testGateway, testIdentity } from "../src/testing.js";

// A route on gatewayJsonRequest answers the parsed body; everything before that is the kit's to refuse.
let server: Server;
let url: string;
beforeAll(async () => {
  const verifier = testGateway.verifier("products");
  server = createServer(async (req, res) => {
    const request = await gatewayJsonRequest(verifier, req, res, { maxBytes: 64, usage: 'Send { "ids": [] }' });
    if (request) sendJson(res, 200, { body: request.body, roles: request.caller.identity?.roles });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = async (body: string, audience = "products") => {
  const headers = await testGateway.headers(audience, testIdentity({ roles: ["FSP"] }));
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const json = (await res.json()) as { body?: unknown; errors?: { message: string; extensions: { code: string } }[] };
  return { status: res.status, json };
};

describe("gatewayJsonRequest", () => {
  it("hands the route the verified caller and the parsed body", async () => {
    expect(await post('{"ids":[1]}')).toEqual({ status: 200, json: { body: { ids: [1] }, roles: ["FSP"] } });
  });

  it("refuses a token for another audience (401), a body past maxBytes (413) and one that is not JSON (400 with the usage)", async () => {
    expect((await post("{}", "assets")).status).toBe(401);
    const large = await post(JSON.stringify({ ids: "x".repeat(100) }));
    expect([large.status, large.json.errors?.[0]?.extensions.code]).toEqual([413, "BAD_REQUEST"]);
    const bad = await post("{not json");
    expect([bad.status, bad.json.errors?.[0]?.extensions.code, bad.json.errors?.[0]?.message]).toEqual([
      400,
      "BAD_REQUEST",
      'Send { "ids": [] }',
    ]);
  });
});
