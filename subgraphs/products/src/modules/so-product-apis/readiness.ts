import { type HttpRoute, sendJson } from "@sfe/kit";
import type { SoProductApis } from "./catalogue.js";

/** `GET /readyz`: each SO product API client's circuit breaker and cache, for operators (as the assets subgraph's CAR). */
export const soProductApisReadiness = (soProductApis: SoProductApis): HttpRoute => ({
  method: "GET",
  path: "/readyz",
  handle: (_req, res) =>
    sendJson(res, 200, { ready: true, registries: Object.fromEntries(soProductApis.apis.map((api) => [api.name, api.client.state()])) }),
});
