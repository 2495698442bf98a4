import { type EntityReferences, gatewayCaller, type HttpRoute, type IdentityVerifier, isUuid, sendError, setScopeIdentity } from "@sfe/kit";
import type { ServiceWindow } from "../../db/schema.js";
import type { createProductRepository } from "../../repositories/products.js";
import { readContracts, visibleContracts } from "./policy.js";
import type { ContractCallOffRow, ContractRepository, ContractRow } from "./repository.js";
import { pounds } from "./validation.js";

/** The products subgraph's route the gateway's `GET /documents/contracts/<id>.html` forwards to. */
export const CONTRACT_DOCUMENT_PATH = "/internal/contracts/document";

/** Every character HTML gives meaning to, escaped: whatever a user wrote is shown as text, never run. */
export const escapeHtml = (value: unknown): string =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const when = (value: Date | string | null | undefined) => (value == null ? "—" : new Date(value).toISOString().replace(".000Z", "Z"));
const windows = (values: readonly ServiceWindow[]) =>
  values.length === 0
    ? "—"
    : values
        .map((w) => {
          const season = w.seasonStart || w.seasonEnd ? ` (${w.seasonStart ?? "…"} to ${w.seasonEnd ?? "…"})` : "";
          return `${w.daysOfWeek.map((d) => DAYS[d - 1]).join(", ")} ${w.startLocal}–${w.endLocal}${season}`;
        })
        .join("; ");

export interface DocumentParties {
  /** Names as the users subgraph answers them; null where it could not (the id is shown instead). */
  companyName: string | null;
  providerName: string | null;
  productName: string | null;
}

/**
 * The contract as a plain, printable HTML page: parties, status, the document stack, the clauses as issued,
 * signatures, variations and call-offs. Every value is escaped.
 */
export function renderContractHtml(contract: ContractRow, callOffs: readonly ContractCallOffRow[], parties: DocumentParties): string {
  const e = escapeHtml;
  const company = parties.companyName ?? contract.companyId;
  const provider = parties.providerName ?? contract.providerId;
  const side = (s: string) => (s === "SO" ? `${e(company)} (Company)` : `${e(provider)} (Provider)`);
  const rows = (cells: string[][]) => cells.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("\n");
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>${e(contract.agreementVersion)} agreement ${e(contract.id)}</title>
<style>
body { font-family: Georgia, serif; max-width: 50em; margin: 2em auto; padding: 0 1em; line-height: 1.45; color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb; padding: .3em .5em; text-align: left; vertical-align: top; }
dt { font-weight: bold; } dd { margin: 0 0 .5em 0; } .clause h3 { font-size: 1em; margin-bottom: .2em; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Flexibility Services Agreement (${e(contract.agreementVersion)})</h1>
<p>Contract ${e(contract.id)} — ${e(contract.type === "OVERARCHING_AGREEMENT" ? "Overarching agreement" : "Call-off")} — status <strong>${e(contract.status)}</strong></p>

<h2>Parties</h2>
<dl>
<dt>Company (system operator)</dt><dd>${e(company)}</dd>
<dt>Provider (flexibility service provider)</dt><dd>${e(provider)}</dd>
<dt>Product</dt><dd>${e(parties.productName ?? contract.productId)}</dd>
<dt>Term</dt><dd>${e(when(contract.startsAt))} to ${e(when(contract.endsAt))}</dd>
</dl>

<h2>Documents</h2>
<dl>
<dt>Service Terms</dt><dd>${e(contract.serviceTermsRef)}</dd>
<dt>Procurement Rules</dt><dd>${e(contract.procurementRulesRef)}</dd>
<dt>Referenced rules (as applicable at the time of each Call-Off)</dt><dd>${contract.referencedRules.length === 0 ? "—" : contract.referencedRules.map(e).join("; ")}</dd>
<dt>Liability cap</dt><dd>£${e(pounds(contract.liabilityCapPence))}</dd>
<dt>Issued from</dt><dd>template version ${e(contract.templateVersion)}</dd>
</dl>

<h2>Terms</h2>
${contract.clauses.map((c) => `<div class="clause"><h3>${e(c.number)}. ${e(c.heading)}</h3><p>${e(c.text)}</p></div>`).join("\n")}

<h2>Variations</h2>
${
  contract.variations.length === 0
    ? "<p>None.</p>"
    : `<table><tr><th>Clause</th><th>Variation</th><th>Initiated by</th><th>Recorded</th><th>Reported to MF</th><th>Shared with all</th></tr>
${rows(contract.variations.map((v) => [e(v.clause), e(v.text), `${side(v.initiatedBy)}: ${e(v.initiatedByUserName)}`, e(when(v.createdAt)), e(when(v.reportedToMfAt)), e(when(v.sharedWithAllAt))]))}
</table>`
}

<h2>Call-offs</h2>
${
  callOffs.length === 0
    ? "<p>None.</p>"
    : `<table><tr><th>Award</th><th>MW</th><th>Availability £/MW/h</th><th>Utilisation £/MWh</th><th>Windows</th><th>From</th><th>To</th></tr>
${rows(callOffs.map((c) => [e(c.awardId), e(c.contractedMw), e(c.availabilityPriceGbpPerMwH ?? "—"), e(c.utilisationPriceGbpPerMwh ?? "—"), e(windows(c.serviceWindows)), e(when(c.start)), e(when(c.end))]))}
</table>`
}

<h2>Signatures</h2>
${
  contract.signatures.length === 0
    ? "<p>Not signed yet.</p>"
    : `<table><tr><th>For</th><th>Signed by</th><th>At</th></tr>
${rows(contract.signatures.map((s) => [side(s.side), e(s.userName), e(when(s.signedAt))]))}
</table>`
}
</body>
</html>
`;
}

/**
 * `GET /internal/contracts/document?id=<contract id>`: the contract as HTML, for a caller who may see it (the
 * gateway's identity token says who). Anything else, unknown or not theirs, is the same 404.
 */
export function documentRoute(deps: {
  contracts: ContractRepository;
  products: ReturnType<typeof createProductRepository>;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute {
  return {
    method: "GET",
    path: CONTRACT_DOCUMENT_PATH,
    async handle(req, res, url) {
      const caller = await gatewayCaller(deps.verifier, req, res);
      if (!caller) return;
      const { identity } = caller;
      if (!identity) return sendError(res, 401, "UNAUTHENTICATED", "Sign in first");
      const id = url.searchParams.get("id") ?? "";
      // Investors and others party to no contract get the same answer as for a contract that is not there.
      const mayRead = readContracts(identity) === null;
      const [contract] = mayRead && isUuid(id) ? await deps.contracts.byIds([id], visibleContracts(identity)) : [];
      if (!contract) return sendError(res, 404, "NOT_FOUND", "There is no such contract you may see");
      // The parties' names are the users subgraph's, looked up as this caller.
      setScopeIdentity(identity);
      const [names, [product], callOffs] = await Promise.all([
        deps.references
          .lookup<{ name?: string }>("Organisation", [contract.companyId, contract.providerId], "name")
          .catch(() => [null, null] as const),
        deps.products.byIds([contract.productId], { everything: true }),
        deps.contracts.callOffsByContractIds([contract.id]),
      ]);
      const html = renderContractHtml(contract, callOffs, {
        companyName: names[0]?.name ?? null,
        providerName: names[1]?.name ?? null,
        productName: product ? `${product.name} (${product.code})` : null,
      });
      res.statusCode = 200;
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.setHeader("content-disposition", `inline; filename="contract-${contract.id}.html"`);
      res.setHeader("cache-control", "private, no-store");
      // A page of text: no scripts, no requests of its own, whatever a user wrote into it.
      res.setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
      res.setHeader("x-content-type-options", "nosniff");
      res.end(html);
    },
  };
}
