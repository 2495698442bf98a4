import { badInput, requireText, requireUuid } from "@sfe/kit";
import type { AddRuleDocumentVersionInput, CreateRuleDocumentInput } from "../../__generated__/resolvers-types.js";

const CODE = /^[A-Z][A-Z0-9_-]{1,39}$/;
const TAG = /^[A-Z][A-Z0-9_]{1,39}$/;
const MAX_BODY = 200_000;
const MAX_TAGS = 30;

export function documentCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!CODE.test(code))
    throw badInput("code must be 2–40 characters: a letter, then letters, digits, '_' or '-' (e.g. FMR-PRIMACY)", "code");
  return code;
}

/** Upper-case tag codes (BATTERY, QUALIFICATION), de-duplicated. */
export function tags(values: readonly string[] | null | undefined, field: string): string[] {
  const list = [...new Set((values ?? []).map((value) => value.trim().toUpperCase()))];
  if (list.length > MAX_TAGS) throw badInput(`${field}: at most ${MAX_TAGS}`, field);
  for (const tag of list)
    if (!TAG.test(tag)) throw badInput(`${field}: ${tag} is not a tag code (letters, digits, '_', e.g. BATTERY)`, field);
  return list;
}

export const tag = (value: string | null | undefined, field: string): string | null =>
  value == null ? null : (tags([value], field)[0] ?? null);

function url(value: string | null | undefined): string | null {
  if (value == null || value.trim() === "") return null;
  try {
    const parsed = new URL(value.trim());
    if (parsed.protocol === "https:" || parsed.protocol === "http:") return parsed.toString();
  } catch {}
  throw badInput("sourceUrl must be an http(s) URL", "sourceUrl");
}

/** A search string: 1–200 characters, or none. */
export function searchText(value: string | null | undefined): string | null {
  if (value == null || value.trim() === "") return null;
  if (value.length > 200) throw badInput("search must be at most 200 characters", "search");
  return value.trim();
}

function version(input: { title: string; body: string; effectiveFrom: Date; effectiveTo?: Date | null }) {
  if (input.effectiveTo != null && input.effectiveTo.getTime() <= input.effectiveFrom.getTime()) {
    throw badInput("effectiveTo must be after effectiveFrom", "effectiveTo");
  }
  return {
    title: requireText(input.title, "title", 300),
    body: requireText(input.body, "body", MAX_BODY),
    effectiveFrom: input.effectiveFrom,
    effectiveTo: input.effectiveTo ?? null,
  };
}

export const documentValues = (input: CreateRuleDocumentInput) => ({
  document: {
    code: documentCode(input.code),
    kind: input.kind,
    sourceUrl: url(input.sourceUrl),
    licence: input.licence == null || input.licence.trim() === "" ? null : requireText(input.licence, "licence", 200),
    productIds: [...new Set((input.productIds ?? []).map((id) => requireUuid(id, "productIds")))],
    technologies: tags(input.technologies, "technologies"),
    phases: tags(input.phases, "phases"),
  },
  first: version(input),
});

export const versionValues = (input: AddRuleDocumentVersionInput) => ({
  documentId: requireUuid(input.documentId, "documentId"),
  next: version(input),
});
