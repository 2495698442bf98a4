import { gatewayJsonRequest, type HttpRoute, type IdentityVerifier, SfeError, sendError, sendJson } from "@sfe/kit";
import type { SubjectKind } from "../../db/schema.js";
import { evaluateRules, type RuleSources } from "./engine.js";
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
      const body = request.body as Record<string, unknown> | null;
      if (typeof body !== "object" || body === null || Array.isArray(body)) return sendError(res, 400, "BAD_USER_INPUT", USAGE);
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
        sendJson(res, 200, result);
      } catch (error) {
        if (error instanceof SfeError && error.extensions.code === "BAD_USER_INPUT") {
          return sendError(res, 400, "BAD_USER_INPUT", error.message, { field: error.extensions.field });
        }
        throw error;
      }
    },
  },
];
