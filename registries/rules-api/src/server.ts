import type { ServerResponse } from "node:http";
import { sendJson } from "@sfe/kit";
import { type StandIn, startStandIn } from "@sfe/kit/stand-in";
import type { ExternalRule } from "./contract.js";

export * from "./contract.js";

export interface RulesApiOptions {
  /** The rules published (none when omitted). */
  rules?: ExternalRule[];
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running stand-in SO rules API, with the kit's stand-in knobs (request log, latency, down, failNext). */
export interface RulesApi extends StandIn {
  /** Publishes a rule, or replaces it (by ruleId). */
  put(rule: ExternalRule): void;
}

/** Starts the stand-in SO rules API on node:http, speaking CONTRACT.md: GET /v1/rules, GET /v1/rules/{ruleId}, GET /healthz. */
export async function createRulesApi(options: RulesApiOptions = {}): Promise<RulesApi> {
  const rules = new Map<string, ExternalRule>();
  const put = (rule: ExternalRule) => void rules.set(rule.ruleId, rule);
  for (const rule of options.rules ?? []) put(rule);

  function answer(method: string, url: URL, res: ServerResponse) {
    if (url.pathname === "/v1/rules" && method === "GET") return sendJson(res, 200, { rules: [...rules.values()] });
    const one = /^\/v1\/rules\/([^/]+)$/.exec(url.pathname);
    if (one && method === "GET") {
      const rule = rules.get(decodeURIComponent(one[1]!));
      return rule ? sendJson(res, 200, rule) : sendJson(res, 404, { error: `No rule ${one[1]}` });
    }
    sendJson(res, 404, { error: "not found" });
  }

  const standIn = await startStandIn({
    title: "The SO rules API",
    methods: ["GET"],
    answer: ({ method, url }, res) => answer(method, url, res),
    latencyMs: options.latencyMs,
    port: options.port,
    host: options.host,
  });
  return { ...standIn, put };
}
