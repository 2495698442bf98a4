import { loaderByKey, loaderOfLists, perRequest } from "@sfe/kit";
import DataLoader from "dataloader";
import type { ContractVisibility } from "./policy.js";
import type { ContractCallOffRow, ContractRepository, ContractRow, ContractTemplateRow } from "./repository.js";

/**
 * The module's DataLoaders, made on first use in a request and kept with its context (a new object per request, as
 * the kit's audit-trail loaders do), so the subgraph's shared loaders.ts needs no entry for them.
 */
export function moduleLoaders(repo: ContractRepository) {
  const make = () => {
    const byVisibility = new Map<string, DataLoader<string, ContractRow | null>>();
    const agreementByVisibility = new Map<string, DataLoader<string, ContractRow | null>>();
    return {
      /** Contracts by id, null where missing or not visible (one loader per visibility filter). */
      contract(visible: ContractVisibility): DataLoader<string, ContractRow | null> {
        const key = JSON.stringify(visible);
        const loader =
          byVisibility.get(key) ??
          loaderByKey(
            (ids: readonly string[]) => repo.byIds(ids, visible),
            (row) => row.id,
          );
        byVisibility.set(key, loader);
        return loader;
      },
      /** The agreement of "productId|providerId" (repository.agreementsByProductProvider), one loader per visibility. */
      agreement(visible: ContractVisibility): DataLoader<string, ContractRow | null> {
        const key = JSON.stringify(visible);
        const loader =
          agreementByVisibility.get(key) ??
          new DataLoader<string, ContractRow | null>(async (keys) => {
            const found = await repo.agreementsByProductProvider(keys, visible);
            return keys.map((k) => found.get(k) ?? null);
          });
        agreementByVisibility.set(key, loader);
        return loader;
      },
      template: loaderByKey(
        (ids: readonly string[]): Promise<ContractTemplateRow[]> => repo.templatesByIds(ids),
        (row) => row.id,
      ),
      callOffs: loaderOfLists(
        (ids: readonly string[]): Promise<ContractCallOffRow[]> => repo.callOffsByContractIds(ids),
        (row) => row.contractId,
      ),
    };
  };
  return perRequest(make);
}
