import { type Identity, loaderByKey, loaderOfLists, perRequest } from "@sfe/kit";
import type DataLoader from "dataloader";
import { visibilityKey, visibleTransactions } from "../../access.js";
import type { InvoiceRow, SettlementRepository, StatementRow } from "./repository.js";

/** The settlement module's per-request loaders (kept with the request's context): N records cost one read per hop. */
export function settlementLoaders(repo: SettlementRepository) {
  return perRequest(() => {
    const visibleLoaders = new Map<
      string,
      { statement: DataLoader<string, StatementRow | null>; invoice: DataLoader<string, InvoiceRow | null> }
    >();
    return {
      visibleTo(identity: Identity | null) {
        const visible = visibleTransactions(identity);
        const key = visibilityKey(visible);
        let loaders = visibleLoaders.get(key);
        if (!loaders) {
          loaders = {
            statement: loaderByKey(
              (ids: readonly string[]) => repo.statementsByIds(ids, visible),
              (row) => row.id,
            ),
            invoice: loaderByKey(
              (ids: readonly string[]) => repo.invoicesByIds(ids, visible),
              (row) => row.id,
            ),
          };
          visibleLoaders.set(key, loaders);
        }
        return { ...loaders, visible };
      },
      // Hops from a record the caller already sees: not filtered again.
      terms: loaderByKey(
        (ids: readonly string[]) => repo.termsOf(ids),
        (row) => row.productId,
      ),
      statementLines: loaderOfLists(
        (ids: readonly string[]) => repo.linesOfStatements(ids),
        (row) => row.statementId ?? [],
      ),
      creditNoteLines: loaderOfLists(
        (ids: readonly string[]) => repo.linesOfCreditNotes(ids),
        (row) => row.creditNoteId ?? [],
      ),
      invoiceOfStatement: loaderByKey(
        (ids: readonly string[]) => repo.invoicesOfStatements(ids),
        (row) => row.statementId,
      ),
      creditNotes: loaderOfLists(
        (ids: readonly string[]) => repo.creditNotesOf(ids),
        (row) => row.originalInvoiceId ?? [],
      ),
      payments: loaderOfLists(
        (ids: readonly string[]) => repo.paymentsOf(ids),
        (row) => row.invoiceId,
      ),
    };
  });
}

export type SettlementLoaders = ReturnType<ReturnType<typeof settlementLoaders>>;
