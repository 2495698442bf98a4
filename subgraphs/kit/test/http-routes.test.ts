import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, createHttpServer, listen, routeMatches } from "../src/http.js";

describe("plain HTTP routes", () => {
  it("match their exact path, and a path ending in / every path under it", () => {
    expect(routeMatches("/healthz", "/healthz")).toBe(true);
    expect(routeMatches("/healthz", "/healthz/x")).toBe(false);
    expect(routeMatches("/documents/contracts/", "/documents/contracts/abc.html")).toBe(true);
    expect(routeMatches("/documents/contracts/", "/documents/contracts/")).toBe(true);
    expect(routeMatches("/documents/contracts/", "/documents/contracts")).toBe(false);
    expect(routeMatches("/documents/contracts/", "/documents/contractsx/a")).toBe(false);
  });

  let server: ReturnType<typeof createHttpServer>;
  let url: string;
  beforeAll(async () => {
    const apollo = new ApolloServer({ typeDefs: "type Query { ok: Boolean }" });
    await apollo.start();
    server = createHttpServer(apollo, {
      context: async () => ({}),
      routes: [{ method: "GET", path: "/files/", handle: (_req, res, u) => void res.end(`file ${u.pathname.slice("/files/".length)}`) }],
    });
    url = await listen(server, 0, "127.0.0.1");
  });
  afterAll(() => close(server));

  it("serve a prefix route for the paths under it, and 404 beside it", async () => {
    expect(await (await fetch(`${url}/files/a%20b.html`)).text()).toBe("file a%20b.html");
    expect((await fetch(`${url}/filesx`)).status).toBe(404);
  });
});
