import type { ServerResponse } from "node:http";
import { sendJson } from "@sfe/kit";
import { listParam, type StandIn, startStandIn } from "@sfe/kit/stand-in";
import { type CarAsset, MAX_BATCH } from "./contract.js";
import { demoRegister } from "./data.js";

export * from "./contract.js";
export { carId, demoRegister, isValidMpanCore, LICENCE_AREAS, mpanCheckDigit, mpanCore } from "./data.js";

export interface CarRegistryOptions {
  /** The register's contents; the ILLUSTRATIVE demo register (300 records) when omitted. */
  records?: CarAsset[];
  /** Delay before every /v1 answer (slowness injection). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running stand-in register, with the knobs tests use to count requests and inject faults (the kit's StandIn). */
export interface CarRegistry extends StandIn {
  /** Adds or replaces a record (by carId). */
  put(record: CarAsset): void;
}

/**
 * Starts the stand-in Central Asset Register on node:http, speaking the contract in CONTRACT.md:
 * GET /v1/assets?ids=… | ?meterPointIds=…, GET /v1/assets/{carId}, GET /healthz.
 */
export async function createCarRegistry(options: CarRegistryOptions = {}): Promise<CarRegistry> {
  const byCarId = new Map<string, CarAsset>();
  const byMeterPoint = new Map<string, CarAsset>();
  const put = (record: CarAsset) => {
    const previous = byCarId.get(record.carId);
    if (previous && byMeterPoint.get(previous.meterPointId) === previous) byMeterPoint.delete(previous.meterPointId);
    byCarId.set(record.carId, record);
    byMeterPoint.set(record.meterPointId, record); // one asset per MPAN core in this register
  };
  for (const record of options.records ?? demoRegister()) put(record);

  function answer(url: URL, res: ServerResponse) {
    if (url.pathname === "/v1/assets") return batch(url, res);
    const one = /^\/v1\/assets\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const record = byCarId.get(decodeURIComponent(one[1]!));
      return record ? sendJson(res, 200, record) : sendJson(res, 404, { error: `No asset ${decodeURIComponent(one[1]!)} in the register` });
    }
    sendJson(res, 404, { error: "not found" });
  }

  function batch(url: URL, res: ServerResponse) {
    const ids = listParam(url, "ids");
    const meterPointIds = listParam(url, "meterPointIds");
    if ((ids === undefined) === (meterPointIds === undefined))
      return sendJson(res, 400, { error: "Give exactly one of ids or meterPointIds" });
    const keys = (ids ?? meterPointIds)!;
    if (keys.length === 0) return sendJson(res, 400, { error: "Give at least one id" });
    if (keys.length > MAX_BATCH) return sendJson(res, 400, { error: `At most ${MAX_BATCH} ids per request, got ${keys.length}` });
    const index = ids ? byCarId : byMeterPoint;
    const found = new Map<string, CarAsset>();
    for (const key of keys) {
      const record = index.get(key);
      if (record) found.set(record.carId, record);
    }
    sendJson(res, 200, { assets: [...found.values()] });
  }

  const standIn = await startStandIn({
    title: "The register",
    methods: ["GET"],
    answer: ({ url }, res) => answer(url, res),
    latencyMs: options.latencyMs,
    port: options.port,
    host: options.host,
  });
  return { ...standIn, put };
}
