import { type HttpRoute, sendJson } from "@sfe/kit";
import type { CarClient } from "../../clients/car.js";

/** `GET /readyz`: the CAR client's circuit breaker and cache, for operators. */
export const carReadiness = (car: CarClient): HttpRoute => ({
  method: "GET",
  path: "/readyz",
  handle: (_req, res) => sendJson(res, 200, { ready: true, registries: { CAR: car.state() } }),
});
