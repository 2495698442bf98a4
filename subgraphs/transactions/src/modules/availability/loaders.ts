import { loaderByKey, perRequest } from "@sfe/kit";
import type DataLoader from "dataloader";
import type { AvailabilityDeclarationRow, AvailabilityRepository, AvailabilityVisibility, UnavailabilityNoticeRow } from "./repository.js";

/** The module's DataLoaders, per request and per visibility filter (a request has one caller: one filter). */
export function moduleLoaders(repo: AvailabilityRepository) {
  return perRequest(() => {
    const made = new Map<string, unknown>();
    const once = <T>(key: string, make: () => T): T => {
      if (!made.has(key)) made.set(key, make());
      return made.get(key) as T;
    };
    return {
      declaration: (visible: AvailabilityVisibility): DataLoader<string, AvailabilityDeclarationRow | null> =>
        once(`declaration|${JSON.stringify(visible)}`, () =>
          loaderByKey(
            (ids: readonly string[]) => repo.declarationsByIds(ids, visible),
            (row) => row.id,
          ),
        ),
      successor: (visible: AvailabilityVisibility): DataLoader<string, AvailabilityDeclarationRow | null> =>
        once(`successor|${JSON.stringify(visible)}`, () =>
          loaderByKey(
            (ids: readonly string[]) => repo.successorsOf(ids, visible),
            (row) => row.supersedesId ?? "",
          ),
        ),
      notice: (visible: AvailabilityVisibility): DataLoader<string, UnavailabilityNoticeRow | null> =>
        once(`notice|${JSON.stringify(visible)}`, () =>
          loaderByKey(
            (ids: readonly string[]) => repo.noticesByIds(ids, visible),
            (row) => row.id,
          ),
        ),
    };
  });
}
