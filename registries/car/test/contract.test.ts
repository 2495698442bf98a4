/**
 * Pins the stand-in register and the hub's CAR client to one contract: the requests and answers in
 * contract-fixture.ts. If either side drifts from it (a parameter renamed, a field dropped, a status
 * changed), a test here fails. The client is imported from the assets subgraph (tests may import
 * anything; the client itself never imports this package).
 */
import { createServer } from "node:http";
import { close, listen } from "@sfe/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCarClient } from "../../../subgraphs/assets/src/clients/car.js";
import { type CarRegistry, createCarRegistry } from "../src/server.js";
import { CONTRACT_EXCHANGES, CONTRACT_RECORDS, type ContractExchange } from "./contract-fixture.js";

/** A batch answer's assets come in any order: sorted by CAR id for comparing. */
function comparable(body: unknown): unknown {
  const assets = (body as { assets?: { carId: string }[] } | null)?.assets;
  return Array.isArray(assets) ? { ...(body as object), assets: [...assets].sort((a, b) => a.carId.localeCompare(b.carId)) } : body;
}

describe("the stand-in answers every request of the contract with the contract's answer", () => {
  let registry: CarRegistry;
  beforeAll(async () => {
    registry = await createCarRegistry({ records: CONTRACT_RECORDS, latencyMs: 0 });
  });
  afterAll(() => registry.stop());

  it.each(CONTRACT_EXCHANGES.filter((exchange) => !exchange.clientOnly).map((exchange) => [exchange.name, exchange] as const))(
    "%s",
    async (_name, { request, response }) => {
      const answer = await fetch(`${registry.url}${request.path}`, { method: request.method });
      expect(answer.status).toBe(response.status);
      expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
      for (const [name, value] of Object.entries(response.headers ?? {})) expect(answer.headers.get(name)).toBe(value);
      expect(comparable(await answer.json())).toEqual(comparable(response.body));
    },
  );
});

describe("the CAR client sends exactly the contract's requests and maps its answers", () => {
  /** Replays the fixture's answers; records what it was asked; anything not in the fixture answers 500. */
  const asked: string[] = [];
  const stub = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    const exchange = CONTRACT_EXCHANGES.find(({ request }) => request.method === req.method && request.path === req.url);
    res.statusCode = exchange?.response.status ?? 500;
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify(exchange?.response.body ?? { error: `not in the contract fixture: ${req.method} ${req.url}` }));
  });
  let base = "";
  beforeAll(async () => {
    base = await listen(stub, 0, "127.0.0.1");
  });
  afterAll(() => close(stub));

  const byClient = CONTRACT_EXCHANGES.filter((exchange): exchange is Required<Pick<ContractExchange, "client">> & ContractExchange =>
    Boolean(exchange.client),
  );

  it("covers both batch endpoints", () => {
    expect(new Set(byClient.map((exchange) => exchange.client.call))).toEqual(new Set(["byIds", "byMeterPoints"]));
  });

  it.each(byClient.map((exchange) => [exchange.name, exchange] as const))("%s", async (_name, { request, client }) => {
    const car = createCarClient({ baseUrl: base, retries: 0 }); // fresh: its own cache; one attempt, so a miss shows
    try {
      asked.length = 0;
      expect(await car[client.call](client.keys)).toEqual(client.answers);
      expect(asked).toEqual([`${request.method} ${request.path}`]);
    } finally {
      await car.close();
    }
  });
});
