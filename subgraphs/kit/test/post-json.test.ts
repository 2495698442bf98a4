import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, getJson, type JsonCallOptions, listen, postJson } from "../src/index.js";

/** A stand-in service: answers what the test's path asks for, and records what it was sent. */
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const held = new Set<ServerResponse>();
const server = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  if (req.url === "/echo") return res.end(JSON.stringify({ got: body ? JSON.parse(body) : null }));
  if (req.url === "/teapot") {
    res.statusCode = 418;
    return res.end(JSON.stringify({ error: "short and stout" }));
  }
  if (req.url === "/html") {
    res.statusCode = 502;
    return res.end("<html>Bad gateway</html>");
  }
  if (req.url === "/silent") {
    held.add(res); // never answers: the caller's timeout must end the call
    return;
  }
  res.statusCode = 404;
  res.end();
});
let base = "";
beforeAll(async () => {
  base = await listen(server, 0, "127.0.0.1");
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await close(server);
});

const USERS: JsonCallOptions = { upstream: { subgraph: "users" }, unavailable: "The users subgraph is unavailable" };
const UNAVAILABLE = { message: "The users subgraph is unavailable", extensions: { code: "UPSTREAM_UNAVAILABLE", subgraph: "users" } };

describe("postJson", () => {
  it("POSTs the payload as JSON with the given headers and returns the status and parsed body", async () => {
    seen.length = 0;
    const answer = await postJson(`${base}/echo`, { key: "k1" }, { ...USERS, headers: { "x-test": "yes" } });
    expect(answer).toEqual({ status: 200, body: { got: { key: "k1" } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "POST",
      body: '{"key":"k1"}',
      headers: { "content-type": "application/json", "x-test": "yes" },
    });
  });

  it("returns any status with its body: the caller judges it", async () => {
    expect(await postJson(`${base}/teapot`, {}, USERS)).toEqual({ status: 418, body: { error: "short and stout" } });
  });

  it("says UPSTREAM_UNAVAILABLE naming the upstream when the body is not JSON", async () => {
    await expect(postJson(`${base}/html`, {}, USERS)).rejects.toMatchObject(UNAVAILABLE);
  });

  it("hands back an undefined body instead, when asked to", async () => {
    expect(await postJson(`${base}/html`, {}, { ...USERS, invalidBody: "undefined" })).toEqual({ status: 502, body: undefined });
  });

  it("says UPSTREAM_UNAVAILABLE when nothing listens, with a message that may quote the cause", async () => {
    await expect(postJson("http://127.0.0.1:9/graphql", {}, USERS)).rejects.toMatchObject(UNAVAILABLE);
    const registry: JsonCallOptions = { upstream: { registry: "CAR" }, unavailable: (cause) => `CAR down: ${(cause as Error).name}` };
    await expect(postJson("http://127.0.0.1:9/v1", {}, registry)).rejects.toMatchObject({
      message: expect.stringMatching(/^CAR down: /),
      extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "CAR" },
    });
  });

  it("says UPSTREAM_UNAVAILABLE when the answer does not come within the timeout, or the caller aborts", async () => {
    await expect(postJson(`${base}/silent`, {}, { ...USERS, timeoutMs: 50 })).rejects.toMatchObject(UNAVAILABLE);
    const aborted = new AbortController();
    const call = postJson(`${base}/silent`, {}, { ...USERS, signal: aborted.signal });
    aborted.abort();
    await expect(call).rejects.toMatchObject(UNAVAILABLE);
  });
});

describe("getJson", () => {
  it("GETs without a body and parses the answer", async () => {
    seen.length = 0;
    expect(await getJson(`${base}/echo`, USERS)).toEqual({ status: 200, body: { got: null } });
    expect(seen[0]).toMatchObject({ method: "GET", body: "", headers: { accept: "application/json" } });
    expect(seen[0]!.headers["content-type"]).toBeUndefined();
  });
});
