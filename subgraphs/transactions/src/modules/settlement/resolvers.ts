import { badInput, conflict, type EntityReferences, notFound, page, requireReferences, requireText, requireUuid, isUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { organisationRef, productRef } from "../../mappers.js";
import { lookupOwned } from "../../validation.js";
import type { settlementLoaders } from "./loaders.js";
import { creditNoteRefusal, invoiceMoveRefusal, issuerRefusal, payerRefusal, productOwnerRefusal } from "./policy.js";
import { type SettlementRepository, snapshotOf } from "./repository.js";
import type { SettlementService } from "./service.js";
import { penceText } from "./statement.js";
import { calendarMonth, generateValues, paymentValues, termsValues } from "./validation.js";

interface Deps {
  repo: SettlementRepository;
  service: SettlementService;
  references: EntityReferences;
  loaders: ReturnType<typeof settlementLoaders>;
}

const MAX_PAGE = 500;
const optionalId = (value: string | null | undefined, field: string) => (value == null ? null : requireUuid(value, field));

export const resolvers = ({ repo, service, references, loaders: loadersOf }: Deps): Resolvers => ({
  Query: {
    settlementTerms: (_, { productId }, context) => (isUuid(productId) ? loadersOf(context).terms.load(productId) : null),
    settlementStatement: (_, { id }, context) => loadersOf(context).visibleTo(context.identity).statement.load(id),
    settlementStatements: (_, args, context) => {
      const { limit, offset } = page(args.first, args.offset, MAX_PAGE);
      return repo.listStatements({
        productId: optionalId(args.productId, "productId"),
        providerId: optionalId(args.providerId, "providerId"),
        month: args.month == null ? null : calendarMonth(args.month).label,
        limit,
        offset,
        visible: loadersOf(context).visibleTo(context.identity).visible,
      });
    },
    invoice: (_, { id }, context) => loadersOf(context).visibleTo(context.identity).invoice.load(id),
    invoices: (_, args, context) => {
      const { limit, offset } = page(args.first, args.offset, MAX_PAGE);
      return repo.listInvoices({
        productId: optionalId(args.productId, "productId"),
        providerId: optionalId(args.providerId, "providerId"),
        month: args.month == null ? null : calendarMonth(args.month).label,
        status: args.status ?? null,
        limit,
        offset,
        visible: loadersOf(context).visibleTo(context.identity).visible,
      });
    },
  },

  Mutation: {
    async setSettlementTerms(_, { input }, { identity }) {
      const values = termsValues(input);
      const product = await lookupOwned(references, "Product", values.productId, "productId");
      const refused = productOwnerRefusal(identity, product.owner, "set its settlement terms");
      if (refused) throw refused;
      return { terms: await repo.setTerms({ ...values, buyerId: product.owner }, identity) };
    },

    async generateSettlementStatement(_, { input }, context) {
      const { identity } = context;
      const values = generateValues(input);
      const product = await lookupOwned(references, "Product", values.productId, "productId");
      const refused = productOwnerRefusal(identity, product.owner, "generate its settlement statements");
      if (refused) throw refused;
      await requireReferences(references, "Organisation", [values.providerId], "providerId");
      const terms = await loadersOf(context).terms.load(values.productId);
      if (!terms) {
        throw conflict(`Product ${values.productId} has no settlement terms: set them first (setSettlementTerms)`, { field: "productId" });
      }
      const scope = { productId: values.productId, providerId: values.providerId, buyerId: product.owner, month: values.month };
      const snapshot = snapshotOf(terms);
      const computed = await service.compute(scope, snapshot, values.unavailableWindows, values.adjustments);
      values.unavailableWindows.forEach((window, i) => {
        if (!computed.awardIds.has(window.awardId)) {
          throw badInput(
            `unavailableWindows[${i}].awardId: award ${window.awardId} is not one of this provider's awards of the product in ${values.month.label}`,
            `unavailableWindows[${i}].awardId`,
          );
        }
      });
      const statement = await repo.saveStatement(
        scope,
        computed,
        {
          terms: snapshot,
          unavailableWindows: values.unavailableWindows.map((w) => ({
            awardId: w.awardId,
            from: w.from.toISOString(),
            to: w.to.toISOString(),
            reason: w.reason,
          })),
          adjustments: values.adjustments.map((a) => ({ amountPence: a.amountPence.toString(), description: a.description })),
        },
        identity,
      );
      return { statement };
    },

    async createInvoice(_, { input }, context) {
      const { identity } = context;
      const id = requireUuid(input.statementId, "statementId");
      const statement = await loadersOf(context).visibleTo(identity).statement.load(id);
      if (!statement) throw notFound("SettlementStatement", input.statementId);
      const refused = issuerRefusal(identity, statement, input.issuerSide);
      if (refused) throw refused;
      return { invoice: await repo.createInvoice(id, input.issuerSide, identity) };
    },

    async updateInvoiceStatus(_, { input }, context) {
      const { identity } = context;
      const id = requireUuid(input.id, "id");
      const loaders = loadersOf(context).visibleTo(identity);
      const invoice = await repo.updateInvoiceStatus(id, input.status, identity, loaders.visible, (row) =>
        invoiceMoveRefusal(identity, row, input.status),
      );
      if (!invoice) throw notFound("Invoice", input.id);
      loaders.invoice.clear(id).prime(id, invoice);
      return { invoice };
    },

    async issueCreditNote(_, { input }, context) {
      const { identity } = context;
      const id = requireUuid(input.invoiceId, "invoiceId");
      const reason = requireText(input.reason, "reason", 500);
      const loaders = loadersOf(context).visibleTo(identity);
      const note = await repo.withInvoiceLocked(id, loaders.visible, async (tx, invoice) => {
        const refused = creditNoteRefusal(identity, invoice);
        if (refused) throw refused;
        if (invoice.kind !== "INVOICE" || invoice.status === "DRAFT") {
          throw conflict(
            invoice.kind === "INVOICE"
              ? `Invoice ${id} is a DRAFT: it follows its statement (re-generate the statement)`
              : `Invoice ${id} is a credit note: credit its original invoice`,
            { currentStatus: invoice.status, kind: invoice.kind },
          );
        }
        const made = await service.creditInvoice(tx, invoice, reason, identity);
        if (!made) throw conflict(`Nothing on invoice ${id} differs from today's data: there is nothing to credit`, { invoiceId: id });
        return made;
      });
      if (!note) throw notFound("Invoice", input.invoiceId);
      loaders.invoice.clear(id);
      return { invoice: note };
    },

    async recordPayment(_, { input }, context) {
      const { identity } = context;
      const values = paymentValues(input);
      const loaders = loadersOf(context).visibleTo(identity);
      const recorded = await repo.recordPayment(
        values,
        identity,
        loaders.visible,
        (row) => payerRefusal(identity, row),
        (outstanding) => badInput(`amountGbp: the payment exceeds the £${penceText(outstanding)} outstanding on the invoice`, "amountGbp"),
      );
      if (!recorded) throw notFound("Invoice", input.invoiceId);
      loaders.invoice.clear(values.invoiceId).prime(values.invoiceId, recorded.invoice);
      return recorded;
    },
  },

  SettlementTerms: {
    product: (row) => productRef(row.productId),
    invoiceDayOfMonth: (row) => row.invoiceDay,
  },

  SettlementStatement: {
    __resolveReference: ({ id }, context) => loadersOf(context).visibleTo(context.identity).statement.load(id),
    product: (row) => productRef(row.productId),
    provider: (row) => organisationRef(row.providerId),
    buyer: (row) => organisationRef(row.buyerId),
    lines: (row, _, context) => loadersOf(context).statementLines.load(row.id),
    totalGbp: (row) => penceText(row.totalPence),
    heldOut: (row) => row.heldOut,
    unavailableWindows: (row) => row.unavailableWindows,
    invoice: (row, _, context) => loadersOf(context).invoiceOfStatement.load(row.id),
  },

  SettlementLine: {
    amountGbp: (row) => penceText(row.amountPence),
  },

  UnavailableWindow: {
    from: (row) => new Date(row.from),
    to: (row) => new Date(row.to),
  },

  Invoice: {
    __resolveReference: ({ id }, context) => loadersOf(context).visibleTo(context.identity).invoice.load(id),
    statement: (row, _, context) => loadersOf(context).visibleTo(context.identity).statement.load(row.statementId),
    originalInvoice: (row, _, context) =>
      row.originalInvoiceId ? loadersOf(context).visibleTo(context.identity).invoice.load(row.originalInvoiceId) : null,
    creditNotes: (row, _, context) => loadersOf(context).creditNotes.load(row.id),
    issuer: (row) => organisationRef(row.issuerSide === "SYSTEM_OPERATOR" ? row.buyerId : row.providerId),
    recipient: (row) => organisationRef(row.issuerSide === "SYSTEM_OPERATOR" ? row.providerId : row.buyerId),
    provider: (row) => organisationRef(row.providerId),
    buyer: (row) => organisationRef(row.buyerId),
    product: (row) => productRef(row.productId),
    lines: (row, _, context) =>
      row.kind === "INVOICE" ? loadersOf(context).statementLines.load(row.statementId) : loadersOf(context).creditNoteLines.load(row.id),
    netGbp: (row) => penceText(row.netPence),
    vatGbp: (row) => penceText(row.vatPence),
    totalGbp: (row) => penceText(row.totalPence),
    paidGbp: async (row, _, context) => penceText(paidPence(await loadersOf(context).payments.load(row.id))),
    outstandingGbp: async (row, _, context) => penceText(row.totalPence - paidPence(await loadersOf(context).payments.load(row.id))),
    payments: (row, _, context) => loadersOf(context).payments.load(row.id),
  },

  Payment: {
    invoice: (row, _, context) => loadersOf(context).visibleTo(context.identity).invoice.load(row.invoiceId),
    amountGbp: (row) => penceText(row.amountPence),
  },
});

const paidPence = (rows: readonly { amountPence: bigint }[]) => rows.reduce((sum, row) => sum + row.amountPence, 0n);
