import {
  type BreakerState,
  createRegistryClient,
  type HttpRoute,
  isUuid,
  namedJsonList,
  parseConfig,
  type RegistryClient,
  settingName,
  sendJson,
  z,
} from "@sfe/kit";
import type { RuleMode, RuleSeverity, SubjectKind } from "../../db/schema.js";
import type { EvaluableRule } from "./engine.js";
import { checkExpression } from "./expression.js";
import { SUBJECT_KINDS } from "./facts.js";

/** One SO rules API (registries/rules-api/CONTRACT.md): its rules apply to the products they name. */
export interface RulesApiConfig {
  name: string;
  operatorId: string;
  url: string;
}

const api = z.object({
  name: settingName.optional(),
  operatorId: z.string().refine(isUuid, "must be an organisation id (UUID)"),
  url: z.string().url(),
});

/** What the rules subgraph reads of its settings for SO rules APIs (as products' SO_PRODUCT_APIS). */
export const rulesApisEnv = {
  /** A JSON list: [{"operatorId":"<SO org uuid>","url":"http://…","name"?:"…"}]; names default to rules-api-<n>. */
  RULES_APIS: namedJsonList(api, (_api, i) => `rules-api-${i + 1}`),
  RULES_API_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(800),
  RULES_API_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
};

export function rulesApisSettings(env: Record<string, string | undefined>) {
  const config = parseConfig(rulesApisEnv, env);
  return { apis: config.RULES_APIS, timeoutMs: config.RULES_API_TIMEOUT_MS, cacheTtlMs: config.RULES_API_CACHE_TTL_MS };
}

interface WireRule {
  ruleId: string;
  title: string;
  subjectKind: SubjectKind;
  expression: unknown;
  parameters: Record<string, unknown>;
  severity: RuleSeverity;
  mode: "NOTIFY_ONLY" | "BLOCKING";
  version: number;
  productIds: string[];
  effectiveFrom: string;
  effectiveTo: string | null;
  documentRef: string | null;
}

/** An external rule checked as a stored one is when saved; a reason when it is not valid (it is then dropped). */
/** A rule read from an SO rules API: the engine's view, with its dates and the products it names. */
export type FetchedRule = EvaluableRule & { effectiveFrom: Date; effectiveTo: Date | null; productIds: string[] };

export function externalRule(api: RulesApiConfig, value: unknown): { rule: FetchedRule } | { invalid: string } {
  const r = value as Partial<WireRule> | null;
  const ok =
    r !== null &&
    typeof r === "object" &&
    typeof r.ruleId === "string" &&
    /^[A-Z][A-Z0-9_-]{1,39}$/.test(r.ruleId) &&
    typeof r.title === "string" &&
    SUBJECT_KINDS.includes(r.subjectKind as SubjectKind) &&
    (r.severity === "INFO" || r.severity === "WARN" || r.severity === "BLOCK") &&
    (r.mode === "NOTIFY_ONLY" || r.mode === "BLOCKING") &&
    Number.isInteger(r.version) &&
    Array.isArray(r.productIds) &&
    r.productIds.every((id) => typeof id === "string" && isUuid(id)) &&
    typeof r.effectiveFrom === "string" &&
    !Number.isNaN(Date.parse(r.effectiveFrom)) &&
    (r.effectiveTo == null || (typeof r.effectiveTo === "string" && !Number.isNaN(Date.parse(r.effectiveTo)))) &&
    typeof r.parameters === "object" &&
    r.parameters !== null;
  if (!ok) return { invalid: "off-contract rule" };
  const rule = r as WireRule;
  try {
    checkExpression(rule.expression, rule.subjectKind, rule.parameters);
  } catch (error) {
    return { invalid: `${rule.ruleId}: ${(error as Error).message}` };
  }
  const mode: RuleMode = rule.mode === "BLOCKING" ? "BLOCK" : "NOTIFY";
  return {
    rule: {
      id: null,
      code: rule.ruleId,
      name: rule.title,
      version: rule.version,
      subjectKind: rule.subjectKind,
      expression: rule.expression,
      parameters: rule.parameters,
      severity: rule.severity,
      mode,
      source: "EXTERNAL_API",
      productId: null,
      scope: { subMarketIds: [], technologies: [], productPairs: [] },
      documentRef: rule.documentRef ?? `${api.name}:${rule.ruleId}`,
      effectiveFrom: new Date(rule.effectiveFrom),
      effectiveTo: rule.effectiveTo ? new Date(rule.effectiveTo) : null,
      productIds: rule.productIds,
    },
  };
}

export interface RulesApis {
  apis: readonly RulesApiConfig[];
  /** The valid rules of every API for `subjectKind` in force `at` naming one of `productIds` (UPSTREAM_UNAVAILABLE naming a failed API). */
  rulesFor(subjectKind: SubjectKind, productIds: readonly string[], at: Date): Promise<EvaluableRule[]>;
  /** For /readyz: each API's breaker and how many of its rules were dropped as invalid at the last read. */
  state(): { name: string; breaker: BreakerState; invalidRules: number }[];
  close(): Promise<void>;
}

/** The SO rules APIs on the kit's registry client (timeout, retries, breaker, cache: one listing read per TTL). */
export function createRulesApis({
  apis,
  ...settings
}: {
  apis: readonly RulesApiConfig[];
  timeoutMs?: number;
  cacheTtlMs?: number;
}): RulesApis {
  const invalid = new Map<string, number>();
  const clients = apis.map((config) => ({
    config,
    client: createRegistryClient<FetchedRule>({
      ...settings,
      registry: config.name,
      title: `The SO rules API (${config.name})`,
      baseUrl: config.url,
      // Rules are read as one listing; by-key reads are not part of the hub's use.
      fetchBatch: async () => new Map(),
    }),
  }));

  async function listing(config: RulesApiConfig, client: RegistryClient<FetchedRule>): Promise<FetchedRule[]> {
    return client.read("listing", async (http) => {
      const answer = (await http.getJson("/v1/rules")) as { rules?: unknown } | null;
      if (!Array.isArray(answer?.rules)) throw new Error("The rules API's listing has no rules array");
      const checked = answer.rules.map((value) => externalRule(config, value));
      invalid.set(config.name, checked.filter((c) => "invalid" in c).length);
      return checked.flatMap((c) => ("rule" in c ? [c.rule] : []));
    });
  }

  return {
    apis,
    async rulesFor(subjectKind, productIds, at) {
      if (clients.length === 0 || productIds.length === 0) return [];
      const lists = await Promise.all(clients.map(({ config, client }) => listing(config, client)));
      // A rule is evaluated once, as a rule of the first of its products the subject concerns.
      return lists.flat().flatMap((rule) => {
        const inForce =
          rule.subjectKind === subjectKind &&
          rule.effectiveFrom.getTime() <= at.getTime() &&
          (rule.effectiveTo == null || rule.effectiveTo.getTime() > at.getTime());
        const productId = inForce ? rule.productIds.find((id) => productIds.includes(id)) : undefined;
        return productId ? [{ ...rule, productId }] : [];
      });
    },
    state: () =>
      clients.map(({ config, client }) => ({
        name: config.name,
        breaker: client.state().breaker,
        invalidRules: invalid.get(config.name) ?? 0,
      })),
    close: async () => {
      await Promise.all(clients.map(({ client }) => client.close()));
    },
  };
}

/** `GET /readyz`: each SO rules API client's breaker and dropped-rule count, for operators. */
export const rulesApisReadiness = (rulesApis: RulesApis): HttpRoute => ({
  method: "GET",
  path: "/readyz",
  handle: (_req, res) => sendJson(res, 200, { ready: true, registries: Object.fromEntries(rulesApis.state().map((s) => [s.name, s])) }),
});
