import { badInput, EVENT_TYPE, isUuid } from "@sfe/kit";

/** An event type as stored: SCREAMING_SNAKE, e.g. QUALIFICATION_DECIDED; BAD_USER_INPUT naming `field` otherwise. */
export function requireEventType(value: string, field: string): string {
  const type = value.trim();
  if (!EVENT_TYPE.test(type)) throw badInput(`${field}: an event type is SCREAMING_SNAKE (A–Z, 0–9, _), e.g. QUALIFICATION_DECIDED`, field);
  return type;
}

export const optionalEventType = (value: string | null | undefined) =>
  value === null || value === undefined ? null : requireEventType(value, "type");

/** An endpoint's filter: at most 50 distinct types; empty means every type. */
export function eventTypes(values: readonly string[] | null | undefined): string[] {
  const types = [...new Set((values ?? []).map((value) => requireEventType(value, "eventTypes")))];
  if (types.length > 50) throw badInput("eventTypes: at most 50 types", "eventTypes");
  return types;
}

/** `first` 1–500, `offset` ≥ 0. */
export function page(args: { first?: number | null; offset?: number | null }): { limit: number; offset: number } {
  const limit = args.first ?? 50;
  const offset = args.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput("first: between 1 and 500", "first");
  if (!Number.isInteger(offset) || offset < 0) throw badInput("offset: 0 or more", "offset");
  return { limit, offset };
}

/** `ids` (1–1000 ids) or `all: true`, not both. */
export function readTargets(input: { ids?: readonly string[] | null; all?: boolean | null }): readonly string[] | "all" {
  const hasIds = input.ids !== null && input.ids !== undefined;
  if (input.all === true && hasIds) throw badInput("ids: give ids or all, not both", "ids");
  if (input.all === true) return "all";
  if (!hasIds || input.ids!.length === 0) throw badInput("ids: name the notifications to mark read, or set all: true", "ids");
  if (input.ids!.length > 1000) throw badInput("ids: at most 1000", "ids");
  const bad = input.ids!.find((id) => !isUuid(id));
  if (bad !== undefined) throw badInput("ids: each must be a notification id", "ids");
  return input.ids!;
}
