/** True when `error` (or what drizzle wrapped) is Postgres' unique violation on `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === "23505") {
      const pg = e as { constraint?: string; constraint_name?: string };
      return (pg.constraint ?? pg.constraint_name) === constraint;
    }
    e = e.cause as typeof e;
  }
  return false;
}
