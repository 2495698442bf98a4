import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorCode, type Identity, SfeError, sendError } from "@sfe/kit";

/**
 * For the gateway's plain HTTP routes (CSV files, documents): who is calling, authenticated as GraphQL callers
 * are, or undefined once answered — 401 for no credential or a bad one, 503 when the users subgraph cannot say.
 */
export async function authenticatedCaller(
  authenticate: (req: IncomingMessage) => Promise<Identity | null>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Identity | undefined> {
  let identity: Identity | null;
  try {
    identity = await authenticate(req);
  } catch (error) {
    if (!(error instanceof SfeError)) throw error;
    const code = error.extensions.code as ErrorCode;
    const status = code === "UNAUTHENTICATED" ? 401 : code === "UPSTREAM_UNAVAILABLE" ? 503 : 400;
    const { reason, subgraph } = error.extensions;
    return void sendError(res, status, code, error.message, {
      ...(typeof reason === "string" && { reason }),
      ...(typeof subgraph === "string" && { subgraph }),
    });
  }
  if (!identity) {
    return void sendError(res, 401, "UNAUTHENTICATED", "Sign in first: send Authorization: Bearer <access token>, or an API key");
  }
  return identity;
}
