import { gatewayJsonRequest, type HttpRoute, type IdentityVerifier, SfeError, sendError, sendJson } from "@sfe/kit";
import type { SubjectKind } from "../../db/schema.js";
import { type EvaluationResult, evaluateRules, type RuleSources } from "./engine.js";
import type { RuleEvaluationRepository } from "./repository.js";

export const RULES_EVALUATE_PATH = "/internal/rules/evaluate";

const USAGE =
  'Send { "subjectKind": "BID", "subject": { "type": "Bid", "id": "<id>" }, "facts": { … }, "productIds": ["<uuid>"], "at"?: "<ISO time>", "subMarketIds"?: [], "partyIds"?: ["<org uuid>"] }';

/**
 * `POST /internal/rules/evaluate`, for the hub's other subgraphs only (the gateway's identity token): the body is an
 * evaluation request (engine.ts EvaluationRequest, `at` an ISO time, default now); the answer the EvaluationResult
 * as JSON (`decision` ALLOW | NOTIFY | BLOCK, `outcomes`, `evaluationId`, `inputHash`), every outcome recorded.
 * A malformed request: 400 in GraphQL's error shape, `extensions: { code: "BAD_USER_INPUT", field }`.
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
      const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 128 * 1024, usage: USAGE });
      if (!request) return;
      const { status, body } = await answerEvaluation(deps, request.body);
      if (status === 200) return sendJson(res, 200, body);
      const error = body as { message: string; field?: unknown };
      return sendError(res, status, "BAD_USER_INPUT", error.message, error.field === undefined ? undefined : { field: error.field });
    },
  },
];

/**
 * The route's answer to one request body, without HTTP: 200 and the EvaluationResult, or 400 and `{ message, field }`
 * for a malformed request. Also what in-process tests of other subgraphs call (in-process.ts).
 */
export async function answerEvaluation(
  deps: { sources: RuleSources; evaluations: RuleEvaluationRepository },
  raw: unknown,
): Promise<{ status: 200; body: EvaluationResult } | { status: 400; body: { message: string; field?: unknown } }> {
  const body = raw as Record<string, unknown> | null;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { status: 400, body: { message: USAGE } };
  const at = body.at === undefined ? new Date() : typeof body.at === "string" ? new Date(body.at) : new Date(Number.NaN);
  try {
    const result = await evaluateRules(deps, {
      subjectKind: body.subjectKind as SubjectKind,
      subject: body.subject as { type: string; id: string },
      facts: body.facts as Record<string, unknown>,
      productIds: (body.productIds ?? []) as string[],
      subMarketIds: (body.subMarketIds ?? []) as string[],
      partyIds: (body.partyIds ?? []) as string[],
      at,
    });
    return { status: 200, body: result };
  } catch (error) {
    if (error instanceof SfeError && error.extensions.code === "BAD_USER_INPUT") {
      return { status: 400, body: { message: error.message, field: error.extensions.field } };
    }
    throw error;
  }
}
