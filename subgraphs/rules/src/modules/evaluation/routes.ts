import { gatewayJsonRequest, type HttpRoute, type IdentityVerifier, SfeError, sendError, sendJson } from "@sfe/kit";
import type { SubjectKind } from "../../db/schema.js";
import { checkRequest, type EvaluationRequest, type EvaluationResult, evaluateRulesMany, type RuleSources } from "./engine.js";
import type { RuleEvaluationRepository } from "./repository.js";

export const RULES_EVALUATE_PATH = "/internal/rules/evaluate";

const USAGE =
  'Send { "subjectKind": "BID", "subject": { "type": "Bid", "id": "<id>" }, "facts": { … }, "productIds": ["<uuid>"], "at"?: "<ISO time>", "subMarketIds"?: [], "partyIds"?: ["<org uuid>"] }, or { "requests": [<that>, …] } (at most 1000)';
/** Subjects one call may evaluate (a file's dispatch groups are sent in calls of at most this many). */
export const MAX_EVALUATIONS_PER_CALL = 1000;

/**
 * `POST /internal/rules/evaluate`, for the hub's other subgraphs only (the gateway's identity token): the body is an
 * evaluation request (engine.ts EvaluationRequest, `at` an ISO time, default now); the answer the EvaluationResult
 * as JSON (`decision` ALLOW | NOTIFY | BLOCK, `outcomes`, `evaluationId`, `inputHash`), every outcome recorded.
 * `{ "requests": [...] }` evaluates many subjects in one call (one read of the rules, one insert of the outcomes):
 * `{ "results": [...] }` in the same order. A malformed request: 400 in GraphQL's error shape, `extensions: { code:
 * "BAD_USER_INPUT", field }` (`requests.<i>.<field>` in a batch: then none of the batch is evaluated).
 */
export const evaluationRoutes = (deps: {
  sources: RuleSources;
  evaluations: RuleEvaluationRepository;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute[] => [
  {
    method: "POST",
    path: RULES_EVALUATE_PATH,
    async handle(req, res) {
      const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 4 * 1024 * 1024, usage: USAGE });
      if (!request) return;
      const { status, body } = await answerEvaluation(deps, request.body);
      if (status === 200) return sendJson(res, 200, body);
      const error = body as { message: string; field?: unknown };
      return sendError(res, status, "BAD_USER_INPUT", error.message, error.field === undefined ? undefined : { field: error.field });
    },
  },
];

/**
 * The route's answer to one request body, without HTTP: 200 and the EvaluationResult (or `{ results }` for a batch),
 * or 400 and `{ message, field }` for a malformed request. Also what in-process tests of other subgraphs call
 * (in-process.ts).
 */
export async function answerEvaluation(
  deps: { sources: RuleSources; evaluations: RuleEvaluationRepository },
  raw: unknown,
): Promise<
  { status: 200; body: EvaluationResult | { results: EvaluationResult[] } } | { status: 400; body: { message: string; field?: unknown } }
> {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(raw)) return { status: 400, body: { message: USAGE } };
  const batch = "requests" in raw;
  const bodies = batch ? raw.requests : [raw];
  if (!Array.isArray(bodies) || bodies.length === 0 || bodies.length > MAX_EVALUATIONS_PER_CALL || !bodies.every(isObject)) {
    return { status: 400, body: { message: USAGE, field: "requests" } };
  }
  const requests = bodies.map((body): EvaluationRequest => {
    const at = body.at === undefined ? new Date() : typeof body.at === "string" ? new Date(body.at) : new Date(Number.NaN);
    return {
      subjectKind: body.subjectKind as SubjectKind,
      subject: body.subject as { type: string; id: string },
      facts: body.facts as Record<string, unknown>,
      productIds: (body.productIds ?? []) as string[],
      subMarketIds: (body.subMarketIds ?? []) as string[],
      partyIds: (body.partyIds ?? []) as string[],
      at,
    };
  });
  try {
    // In a batch, the first malformed request is named by its place: requests.<i>.<field>.
    if (batch) {
      for (const [i, request] of requests.entries()) {
        try {
          checkRequest(request);
        } catch (error) {
          if (!(error instanceof SfeError)) throw error;
          const field = `requests.${i}.${String(error.extensions.field ?? "")}`;
          throw new SfeError("BAD_USER_INPUT", `requests[${i}]: ${error.message}`, { field });
        }
      }
    }
    const results = await evaluateRulesMany(deps, requests);
    return { status: 200, body: batch ? { results } : results[0]! };
  } catch (error) {
    if (error instanceof SfeError && error.extensions.code === "BAD_USER_INPUT") {
      return { status: 400, body: { message: error.message, field: error.extensions.field } };
    }
    throw error;
  }
}
