import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";

/** Every error a client can cause carries one of these stable codes. */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RULE_VIOLATION"
  /** A response to a market test (consultation) after it closed. */
  | "CONSULTATION_CLOSED"
  | "UPSTREAM_UNAVAILABLE"
  | "TOO_MANY_REQUESTS"
  | "BAD_REQUEST"
  | "INTERNAL_SERVER_ERROR";

/** A client-caused error with a stable `extensions.code` and a message a person can act on. */
export class SfeError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { ...details, code } });
  }
}

export const badInput = (message: string, field?: string) => new SfeError("BAD_USER_INPUT", message, field ? { field } : {});
export const notFound = (entity: string, id: string) => new SfeError("NOT_FOUND", `${entity} ${id} does not exist`, { entity, id });
export const conflict = (message: string, details: Record<string, unknown> = {}) => new SfeError("CONFLICT", message, details);
export const forbidden = (message = "You are not allowed to do this") => new SfeError("FORBIDDEN", message);
export const unauthenticated = (message = "Sign in first") => new SfeError("UNAUTHENTICATED", message);

/** Quotes a client's value for an error message, cut to a short prefix (a 4 MB id never comes back whole). */
export function quote(value: unknown, max = 40): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/** Throws BAD_USER_INPUT unless `value` is a well-formed id. */
export function requireUuid(value: string, field: string): string {
  if (!isUuid(value)) throw badInput(`${field} must be an id (UUID), got ${quote(value)}`, field);
  return value;
}

/** The Postgres error under whatever drizzle wrapped it in. */
function sqlState(error: unknown): { code: string; constraint?: string; detail?: string } | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
      const pg = e as { code: string; constraint?: string; constraint_name?: string; detail?: string };
      return { code: pg.code, constraint: pg.constraint ?? pg.constraint_name, detail: pg.detail };
    }
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Whether `error` (or what drizzle wrapped) is a unique-constraint violation (SQLSTATE 23505). */
export const isUniqueViolation = (error: unknown) => sqlState(error)?.code === "23505";

/** Maps database errors a client can cause to coded errors; anything else is masked. */
function classify(error: unknown): SfeError | undefined {
  const pg = sqlState(error);
  if (!pg) return undefined;
  switch (pg.code) {
    case "23505":
      return conflict(`A record with the same ${describeConstraint(pg.constraint)} already exists`, {
        constraint: pg.constraint,
      });
    case "23503":
      return badInput("The record refers to something that does not exist");
    case "23514":
    case "22P02":
    case "22003":
    case "22007":
    case "22008":
      return badInput("A value is out of range or malformed");
    default:
      return undefined;
  }
}

function describeConstraint(constraint: string | undefined): string {
  if (!constraint) return "key";
  // <plural table>_<columns>_unique: organisations_company_number_unique → "company number",
  // market_rules_code_unique → "code"
  return constraint
    .replace(/^[a-z_]*?s_/, "")
    .replace(/_(unique|key|idx)$/, "")
    .replaceAll("_", " ");
}

/** Codes that already say what the client did wrong (ours, GraphQL's and Apollo Server's). */
const PASSED_THROUGH = new Set<string>([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RULE_VIOLATION",
  "CONSULTATION_CLOSED",
  "UPSTREAM_UNAVAILABLE",
  "TOO_MANY_REQUESTS",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * Apollo Server `formatError`: keeps coded errors, turns SQL constraint failures into CONFLICT or
 * BAD_USER_INPUT, and masks everything else (no SQL, stack or vendor text reaches a client).
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (error: unknown) => void = (e) => console.error(e),
): GraphQLFormattedError {
  // Duck-typed rather than Apollo's unwrapResolverError: `instanceof GraphQLError` fails when two copies
  // of graphql are loaded (ESM and CJS), and then a constraint error would be masked.
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (original instanceof SfeError) return strip(formatted, original.extensions);
  const code = formatted.extensions?.code;
  if (typeof code === "string" && PASSED_THROUGH.has(code)) return strip(formatted, formatted.extensions ?? {});
  const mapped = classify(original);
  if (mapped) return { message: mapped.message, path: formatted.path, extensions: mapped.extensions };
  log(original);
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/**
 * What a client sees of a coded error: no stack, no transport details (`http`, the gateway's `serviceName`),
 * and a message that quotes at most a short prefix of any value it echoes.
 */
function strip(formatted: GraphQLFormattedError, extensions: Record<string, unknown>): GraphQLFormattedError {
  const { stacktrace: _stack, exception: _exception, http: _http, serviceName: _service, ...safe } = extensions as Record<string, unknown>;
  return { ...formatted, message: shortenMessage(formatted.message), extensions: safe };
}

/** Cuts quoted values longer than 40 characters (graphql-js echoes whole inputs) and the message at 500. */
export function shortenMessage(message: string): string {
  const head = message.length > 2_000 ? message.slice(0, 2_000) : message; // bounds the regex's work
  // Every quoted value is matched whole, left to right, so a closing quote never opens one; a value cut off
  // by `head` has no closing quote: the end of the text closes it.
  const quoted = head.replace(/"((?:[^"\\]|\\.)*)(?:"|$)/g, (whole, inner: string) =>
    inner.length > 40 ? `"${inner.slice(0, 40)}…"` : whole,
  );
  return quoted.length > 500 ? `${quoted.slice(0, 500)}…` : quoted;
}
