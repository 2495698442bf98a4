import { type Identity, loaderByKey, loaderOfLists, perRequest } from "@sfe/kit";
import type DataLoader from "dataloader";
import { type Visibility, visibilityKey, visibleTransactions } from "../../access.js";
import { type Window, windowKey } from "../../repositories/window.js";
import type { AssessmentRow, MeterReadingRow, VerificationRepository } from "./repository.js";

/** The module's loaders for one visibility filter: N parents cost one read per field. */
function visibleLoaders(repo: VerificationRepository, visible: Visibility) {
  const readings = new Map<string, DataLoader<string, MeterReadingRow[]>>();
  const readingsOf = (by: "asset" | "unit", window: { from: Date; to: Date }) => {
    const key = `${by}|${window.from.toISOString()}|${window.to.toISOString()}`;
    let loader = readings.get(key);
    if (!loader) {
      loader = loaderOfLists(
        (ids: readonly string[]) => repo.readingsOf(by, ids, window, visible),
        (row) => (by === "asset" ? row.assetId : row.marketUnitId) ?? [],
      );
      readings.set(key, loader);
    }
    return loader;
  };
  const assessments = new Map<string, DataLoader<string, AssessmentRow[]>>();
  const assessmentsOf = (by: "asset" | "unit", window: Window) => {
    const key = `${by}|${windowKey(window)}`;
    let loader = assessments.get(key);
    if (!loader) {
      loader = loaderOfLists(
        (ids: readonly string[]) => repo.assessmentsOf(by, ids, window, visible),
        (row) => (by === "asset" ? row.assetId : row.marketUnitId) ?? [],
      );
      assessments.set(key, loader);
    }
    return loader;
  };
  return {
    assessmentsOf,
    reading: loaderByKey(
      (ids: readonly string[]) => repo.readingsByIds(ids, visible),
      (row) => row.id,
    ),
    readingsOf,
    assessment: loaderByKey(
      (ids: readonly string[]) => repo.assessmentsByIds(ids, visible),
      (row) => row.id,
    ),
    assessmentByInstruction: loaderByKey(
      (ids: readonly string[]) => repo.assessmentsByInstructions(ids, visible),
      (row) => row.dispatchInstructionId ?? "",
    ),
    penalty: loaderByKey(
      (ids: readonly string[]) => repo.penaltiesOf("id", ids, visible),
      (row) => row.id,
    ),
    penaltiesByAssessment: loaderOfLists(
      (ids: readonly string[]) => repo.penaltiesOf("assessment", ids, visible),
      (row) => row.assessmentId,
    ),
    baseline: loaderByKey(
      (ids: readonly string[]) => repo.baselinesByIds(ids, visible),
      (row) => row.id,
    ),
  };
}

export type VerificationLoaders = ReturnType<typeof visibleLoaders>;

/** Per request (kept with the context), per caller's visibility filter. */
export function moduleLoaders(repo: VerificationRepository) {
  const byRequest = perRequest(() => new Map<string, VerificationLoaders>());
  return (context: object, identity: Identity | null): VerificationLoaders => {
    const visible = visibleTransactions(identity);
    const key = visibilityKey(visible);
    const cache = byRequest(context);
    let loaders = cache.get(key);
    if (!loaders) {
      loaders = visibleLoaders(repo, visible);
      cache.set(key, loaders);
    }
    return loaders;
  };
}
