/**
 * Query abuse and malformed requests through the gateway, over real HTTP: each answers a coded GraphQL
 * error with a client status, never a 500, a crash or a hanging socket.
 */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const post = async (body: string, headers: Record<string, string> = {}) => {
  const response = await fetch(stack.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${stack.admin.token}`, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
};

describe("malformed input", () => {
  it("answers a NUL byte in any argument with BAD_USER_INPUT naming the argument (D6)", async () => {
    const signInResult = await gql(stack.url, `mutation ($i: SignInInput!) { signIn(input: $i) { accessToken } }`, {
      i: { email: "a\u0000@example.org", password: "whatever-it-is" },
    });
    expect(codes(signInResult)).toEqual(["BAD_USER_INPUT"]);
    expect(signInResult.errors?.[0]?.message).toMatch(/\$i\.email.*NUL/);
    const register = await gql(
      stack.url,
      `mutation ($n: String!) { registerOrganisation(input: { name: $n, roles: [FSP] }) { organisation { id } } }`,
      { n: "Nul\u0000 Ltd" },
      stack.admin,
    );
    expect(codes(register)).toEqual(["BAD_USER_INPUT"]);
    const listed = await gql(stack.url, `{ organisations { name } }`, {}, stack.admin);
    expect(JSON.stringify(listed.data)).not.toContain("Nul");
    const query = await gql(stack.url, `query ($c: ID) { assets(categoryCode: $c) { id } }`, { c: "BE\u0000SS" }, stack.admin);
    expect(codes(query)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses deeply nested JSON variables with 400 before forwarding anything (D12)", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const answer = await post(`{"query":"query ($v: JSONObject) { __typename }","variables":{"v":${deep}}}`);
    expect(answer.status).toBe(400);
    expect(answer.json().errors[0].extensions.code).toBe("BAD_REQUEST");
    expect((await gql(stack.url, "{ __typename }")).data).toEqual({ __typename: "Query" }); // still serving
  });

  it("quotes at most a short prefix of a value in an error message (D13)", async () => {
    const huge = "x".repeat(4 * 1024 * 1024);
    const answer = await post(JSON.stringify({ query: "query ($id: ID!) { asset(id: $id) { id } }", variables: { id: huge } }));
    expect(answer.text.length).toBeLessThan(2_000);
    const typed = await post(JSON.stringify({ query: "query ($n: Int) { assets(first: $n) { id } }", variables: { n: huge } }));
    expect(typed.text.length).toBeLessThan(2_000);
    expect(typed.json().errors[0].extensions.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
  });

  it("answers an unknown operationName and the token limit as client errors, not 500 (D15)", async () => {
    const unknown = await post(JSON.stringify({ query: "query A { __typename }", operationName: "B" }));
    expect(unknown.status).toBe(400);
    expect(unknown.json().errors[0].extensions.code).toBe("OPERATION_RESOLUTION_FAILURE");
    const tokens = await post(JSON.stringify({ query: `{ ${"__typename ".repeat(25_000)} }` }));
    expect(tokens.status).toBe(400);
    expect(tokens.json().errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(tokens.json().errors[0].message).toMatch(/tokens/);
  });

  it("answers an over-large body with 413 in GraphQL's error shape and closes the connection (D14)", async () => {
    const big = JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(6 * 1024 * 1024) } });
    const answer = await request(stack.url, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(answer.statusCode).toBe(413);
    expect(answer.headers.connection).toBe("close");
    const json = (await answer.body.json()) as { errors: { extensions: { code: string } }[] };
    expect(json.errors[0]!.extensions.code).toBe("BAD_REQUEST");
  });
});

describe("query cost", () => {
  it("counts what is fetched: ten chained fragments selecting id cost about ten, not thousands (D16)", async () => {
    const fragments = Array.from({ length: 10 }, (_, i) =>
      i < 9 ? `fragment F${i} on Asset { id ...F${i + 1} }` : `fragment F${i} on Asset { id }`,
    ).join("\n");
    const result = await gql(stack.url, `{ assets(first: 5) { ...F0 } }\n${fragments}`, {}, stack.admin);
    expect(result.errors).toBeUndefined();
  });

  it("still refuses an operation that fetches too much", async () => {
    const aliases = Array.from(
      { length: 140 },
      (_, i) => `a${i}: assets(first: 100) { id name owner { name } awards { id product { name } } }`,
    );
    const result = await gql(stack.url, `{ ${aliases.join(" ")} }`, {}, stack.admin);
    expect(codes(result)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(result.errors?.[0]?.message).toMatch(/cost/i);
  });
});

describe("credentials and error shape (D21)", () => {
  it("refuses a bearer token followed by anything else", async () => {
    const answer = await post(JSON.stringify({ query: "{ me { id } }" }), { authorization: `Bearer ${stack.admin.token} junk` });
    expect(answer.status).toBe(401);
    expect(answer.json().errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("never puts extensions.http or serviceName into an error", async () => {
    const anonymous = await post(JSON.stringify({ query: "{ me { id } }" }), { authorization: "Bearer nonsense" });
    const coded = await post(JSON.stringify({ query: `{ asset(id: "not-a-uuid") { id } }` }));
    for (const answer of [anonymous, coded]) {
      expect(answer.text).not.toMatch(/"http"|serviceName/);
    }
  });
});

describe("readiness (D19)", () => {
  it("is not ready while a subgraph is down, and names it", async () => {
    const readyz = () => fetch(stack.url.replace(/graphql$/, "readyz")).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect((await readyz()).status).toBe(200);
    await stack.subgraphs.get("rules")!.stop();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ready: false, down: ["rules"] });
  });
});
