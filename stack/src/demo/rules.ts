/**
 * The demo's rules engine data and rules library (issue 11): every domain §8 rule the fact schemas can express, as
 * DATA (JSONLogic over the subject kind's declared facts, checked here exactly as createMarketRule checks it), and a
 * library of rule documents from domain §8, §11 and the seed documents, with their sources.
 *
 * ILLUSTRATIVE: thresholds beyond those domain §5 sources (DC 1 MW minimum, 1 s full delivery, 15 min duration, LCM
 * 60 min acknowledgement) and the documents' bodies, which are short summaries written for the demo, not the texts.
 * Idempotent like the rest of the seed: stable ids, `onConflictDoNothing`.
 */
import type { Database } from "@sfe/kit";
import { products } from "@sfe/products/db";
import { marketRules, marketRuleVersions, ruleDocuments, ruleDocumentVersions } from "@sfe/rules/db";
import { checkExpression } from "@sfe/rules/evaluation";
import { inArray, sql } from "drizzle-orm";
import { stableId } from "./ids.js";

type RuleRow = typeof marketRules.$inferInsert;
type Expression = Record<string, unknown>;

const v = (name: string) => ({ var: name });
const p = (name: string) => ({ var: `params.${name}` });

interface RuleSeed {
  code: string;
  name: string;
  /** The product's code (looked up among the demo's products); null: market-wide. */
  product: string | null;
  /** Both products' codes: a stacking permission of the pair. */
  pair?: [string, string];
  kind: RuleRow["kind"] & string;
  subjectKind: NonNullable<RuleRow["subjectKind"]>;
  expression: Expression;
  parameters?: Record<string, unknown>;
  severity: "INFO" | "WARN" | "BLOCK";
  mode: "NOTIFY" | "BLOCK";
  documentRef: string;
  technologies?: string[];
  effectiveFrom?: string;
}

/** Domain §8 as data. Codes are the domain's rule ids, suffixed where one rule is held per product. */
export const DEMO_RULES: RuleSeed[] = [
  // §8.3 eligibility: bidding and pre-qualification
  ...["DCL", "DML", "DRL", "PQR"].map(
    (product): RuleSeed => ({
      code: `R-ELG-1-${product}`,
      name: product === "DCL" ? "NESO DCL minimum 1 MW" : `NESO ${product} minimum 1 MW`,
      product,
      kind: "ELIGIBILITY",
      subjectKind: "BID",
      expression: { ">=": [v("capacityMw"), p("minimumMw")] },
      parameters: { minimumMw: 1 },
      severity: "BLOCK",
      mode: "BLOCK",
      documentRef: "R-ELG-1; NESO-DYNAMIC-SERVICES-TERMS",
    }),
  ),
  {
    code: "R-ELG-1-QA-DCL",
    name: "DCL unit capacity at least 1 MW to pre-qualify",
    product: "DCL",
    kind: "ELIGIBILITY",
    subjectKind: "QUALIFICATION_APPLICATION",
    expression: { ">=": [v("unitCapacityMw"), p("minimumMw")] },
    parameters: { minimumMw: 1 },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-1; NESO-DYNAMIC-SERVICES-TERMS",
  },
  {
    code: "R-ELG-2-DCL",
    name: "DCL full delivery within 1 s",
    product: "DCL",
    kind: "ELIGIBILITY",
    subjectKind: "QUALIFICATION_APPLICATION",
    expression: { "<=": [v("fullDeliverySeconds"), p("maxFullDeliverySeconds")] },
    parameters: { maxFullDeliverySeconds: 1 },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-2; NESO-DYNAMIC-SERVICES-TERMS",
  },
  {
    code: "R-ELG-3-DCL",
    name: "DCL energy-limited units sustain 15 minutes at the MW offered",
    product: "DCL",
    kind: "ELIGIBILITY",
    subjectKind: "BID",
    expression: { ">=": [v("energyMwh"), { "*": [v("capacityMw"), { "/": [p("durationMinutes"), 60] }] }] },
    parameters: { durationMinutes: 15 },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-3; NESO-DYNAMIC-SERVICES-TERMS",
    technologies: ["BESS"],
  },
  {
    code: "R-ELG-4",
    name: "Every member inside the requirement's CMZ",
    product: null,
    kind: "ELIGIBILITY",
    subjectKind: "QUALIFICATION_APPLICATION",
    expression: { "==": [v("withinRequirementCmz"), true] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-4",
  },
  {
    code: "R-ELG-5",
    name: "Unit technology among the product's eligible technologies",
    product: null,
    kind: "ELIGIBILITY",
    subjectKind: "QUALIFICATION_APPLICATION",
    expression: { in: [v("technology"), v("productTechnologies")] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-5",
  },
  {
    code: "R-ELG-6",
    name: "Half-hourly metering where the product requires it",
    product: null,
    kind: "ELIGIBILITY",
    subjectKind: "QUALIFICATION_APPLICATION",
    expression: { "==": [v("halfHourlyMetered"), true] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-6",
  },
  {
    code: "R-ELG-7",
    name: "Bid only with a current qualification for the product",
    product: null,
    kind: "ELIGIBILITY",
    subjectKind: "BID",
    expression: { "==": [v("qualified"), true] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-7",
  },
  {
    code: "R-ELG-8",
    name: "Bid only as a commercially qualified counterparty",
    product: null,
    kind: "ELIGIBILITY",
    subjectKind: "BID",
    expression: { "==": [v("counterpartyQualified"), true] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-8; SA-V3",
  },
  {
    code: "R-ELG-9-DCL",
    name: "DCL nominated baseline submitted before the cut-off",
    product: "DCL",
    kind: "DATA_QUALITY",
    subjectKind: "BID",
    expression: { "==": [v("baselineSubmitted"), true] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-ELG-9",
  },
  ...["SAOU", "DA", "SU_HV"].map(
    (product): RuleSeed => ({
      code: `R-ELG-10-${product.replace("_", "-")}`,
      name: `${product}: utilisation price at most the ceiling`,
      product,
      kind: "ELIGIBILITY",
      subjectKind: "BID",
      expression: { "<=": [v("priceGbpPerMwh"), v("ceilingPriceGbpPerMwh")] },
      severity: "BLOCK",
      mode: "BLOCK",
      documentRef: "R-ELG-10",
    }),
  ),
  {
    code: "R-ELG-11",
    name: "Bids only between gate opening and gate closure",
    product: null,
    kind: "TIMING",
    subjectKind: "BID",
    expression: { "==": [v("withinGateWindow"), true] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-ELG-11",
  },
  // §8.4 stacking
  {
    code: "R-STK-1",
    name: "No overlapping commitment of the same MW unless the pair allows co-delivery",
    product: null,
    kind: "STACKING",
    subjectKind: "BID",
    expression: { or: [{ "<=": [v("overlappingCommittedMw"), 0] }, { "==": [v("coDeliveryAllowed"), true] }] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-1; STACKING-GUIDANCE",
  },
  {
    code: "R-STK-1-DCL-PQR",
    name: "NESO: no co-delivery of DCL with Quick Reserve in the same period",
    product: null,
    pair: ["DCL", "PQR"],
    kind: "STACKING",
    subjectKind: "BID",
    expression: { "<=": [v("overlappingCommittedMw"), 0] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-1; NESO-DYNAMIC-SERVICES-TERMS",
  },
  {
    code: "R-STK-2",
    name: "Committed MW per direction within the unit's capability (splitting)",
    product: null,
    kind: "STACKING",
    subjectKind: "AWARD",
    expression: { "<=": [v("committedMwSameDirection"), v("unitCapacityMw")] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-2; STACKING-GUIDANCE",
  },
  {
    code: "R-STK-2-BID",
    name: "Bid MW with existing commitments within the unit's capability",
    product: null,
    kind: "STACKING",
    subjectKind: "BID",
    expression: { "<=": [v("committedMwSameDirection"), v("unitCapacityMw")] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-2; STACKING-GUIDANCE",
  },
  {
    code: "R-STK-3",
    name: "No opposite-direction commitments at once unless the product is bidirectional",
    product: null,
    kind: "STACKING",
    subjectKind: "AWARD",
    expression: { or: [{ "!": [v("oppositeDirectionCommitted")] }, { "==": [v("bidirectionalProduct"), true] }] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-3; STACKING-GUIDANCE",
  },
  {
    code: "R-STK-6",
    name: "DSO instruction after BM gate closure: flagged for imbalance adjustment",
    product: null,
    kind: "TIMING",
    subjectKind: "DISPATCH_INSTRUCTION",
    expression: { "!": [v("afterBmGateClosure")] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-STK-6; FMR-DAY1",
  },
  // §8.5 dispatch and verification
  {
    code: "R-DSP-1",
    name: "Instruction within an awarded window and at most the awarded MW",
    product: null,
    kind: "CONTRACT",
    subjectKind: "DISPATCH_INSTRUCTION",
    expression: { and: [{ "==": [v("withinAwardedWindow"), true] }, { "<=": [v("instructedMw"), v("awardedMw")] }] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-DSP-1",
  },
  {
    code: "R-DSP-2",
    name: "Acknowledgement within the product's deadline",
    product: null,
    kind: "TIMING",
    subjectKind: "DISPATCH_INSTRUCTION",
    expression: { "<=": [v("acknowledgementMinutes"), v("acknowledgementDeadlineMinutes")] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-DSP-2",
  },
  {
    code: "R-VER-1",
    name: "Meter data complete for every settlement period of the event window",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "DISPATCH_INSTRUCTION",
    expression: { "<=": [v("missingMeterPeriods"), 0] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-VER-1; BSC-BASELINING",
  },
  {
    code: "R-AVL-1",
    name: "Declared availability within the unit's capability",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "AVAILABILITY_DECLARATION",
    expression: { "<=": [v("declaredMw"), v("unitCapacityMw")] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-STK-2",
  },
  {
    code: "R-AVL-2",
    name: "Declared availability below the awarded MW",
    product: null,
    kind: "CONTRACT",
    subjectKind: "AVAILABILITY_DECLARATION",
    expression: { ">=": [v("declaredMw"), v("awardedMw")] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-SET-1",
  },
  // §8.2 assets and units
  {
    code: "R-AST-4",
    name: "Energy-limited assets declare their energy capacity",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "ASSET_CHANGE",
    expression: { or: [{ "!": [v("energyLimited")] }, { ">": [v("energyCapacityKwh"), 0] }] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-AST-4; FMAR-GUIDANCE",
  },
  {
    code: "R-AST-5",
    name: "Declared export within the connection limit",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "ASSET_CHANGE",
    expression: { "<=": [v("exportKw"), v("connectionLimitKw")] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-AST-5; FMAR-GUIDANCE",
  },
  {
    code: "R-AST-7",
    name: "Material capacity change (over 10%) triggers reassessment",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "ASSET_CHANGE",
    expression: { "<=": [v("capacityChangePct"), p("thresholdPct")] },
    parameters: { thresholdPct: 10 },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-AST-7; FMAR-GUIDANCE",
  },
  {
    code: "R-MU-1",
    name: "A unit has an active member; an SPU's members share one accounting point",
    product: null,
    kind: "DATA_QUALITY",
    subjectKind: "MARKET_UNIT",
    expression: {
      and: [{ ">=": [v("memberCount"), 1] }, { or: [{ "!=": [v("unitType"), "SPU"] }, { "<=": [v("accountingPointCount"), 1] }] }],
    },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-MU-1; FMAR-GUIDANCE",
  },
  {
    code: "R-MU-2-PQR",
    name: "Quick Reserve units aggregate within one GSP group",
    product: "PQR",
    kind: "ELIGIBILITY",
    subjectKind: "MARKET_UNIT",
    expression: { "<=": [v("memberGspGroupCount"), 1] },
    severity: "BLOCK",
    mode: "BLOCK",
    documentRef: "R-MU-2",
  },
  ...["SAOU", "DA", "SU_HV"].map(
    (product): RuleSeed => ({
      code: `R-MU-2-${product.replace("_", "-")}`,
      name: `${product} units aggregate within one CMZ`,
      product,
      kind: "ELIGIBILITY",
      subjectKind: "MARKET_UNIT",
      expression: { "<=": [v("memberCmzCount"), 1] },
      severity: "BLOCK",
      mode: "BLOCK",
      documentRef: "R-MU-2",
    }),
  ),
  {
    code: "R-MU-3",
    name: "An asset in several units only with disjoint commitments",
    product: null,
    kind: "STACKING",
    subjectKind: "MARKET_UNIT",
    expression: { "!": [v("sharedMemberOverlappingCommitments")] },
    severity: "WARN",
    mode: "NOTIFY",
    documentRef: "R-MU-3; STACKING-GUIDANCE",
  },
];

const MF_REPO = "https://github.com/mez-FMDA/test2";
const MF_LICENCE = "CC-BY-4.0 (Elexon Market Facilitator documents, as mirrored); summary written for the demo";

interface DocumentSeed {
  code: string;
  kind: "FLEXIBILITY_MARKET_RULES" | "SERVICE_TERMS" | "STACKING" | "PRIMACY" | "GUIDANCE";
  sourceUrl: string;
  licence: string;
  products?: string[];
  technologies?: string[];
  phases?: string[];
  versions: { title: string; body: string; effectiveFrom: string; effectiveTo?: string }[];
}

/** The library: summaries of domain §6, §8, §11 and the seeds, each with where it comes from. */
export const DEMO_DOCUMENTS: DocumentSeed[] = [
  {
    code: "FMR-DAY1",
    kind: "FLEXIBILITY_MARKET_RULES",
    sourceUrl: MF_REPO,
    licence: MF_LICENCE,
    phases: ["QUALIFICATION", "COMPETITION", "DISPATCH", "SETTLEMENT"],
    versions: [
      {
        title: "Day-1 Flexibility Market Rule: the Standard Agreement",
        body:
          "The Standard Agreement v3.0 is handed to Elexon as a Day-1 Flexibility Market Rule, effective 1 April 2026 for DSOs " +
          "(NESO to be confirmed). Every call-off after that date uses the rule. Variations are allowed if referred to the Market " +
          "Facilitator ahead (SO-initiated) or after (FSP-driven), annotated and shared with all signatories within six months; " +
          "variation counts are tracked quarterly. Settlement, metering and baselining follow the FMRs as applicable at the time of contract call-off.",
        effectiveFrom: "2026-04-01T00:00:00Z",
      },
    ],
  },
  {
    code: "SA-V3",
    kind: "SERVICE_TERMS",
    sourceUrl: MF_REPO,
    licence: MF_LICENCE,
    phases: ["QUALIFICATION"],
    versions: [
      {
        title: "Standard Agreement v2.1 (DNO/NESO alignment)",
        body:
          "Standard flexibility services agreement aligned between DNOs and NESO: service definition, metering, payment " +
          "calculation, performance monitoring and system communications; site access and service windows in each company's terms.",
        effectiveFrom: "2023-04-01T00:00:00Z",
      },
      {
        title: "Standard Agreement v3.0 (ENA)",
        body:
          "Version 3.0 adds the provider's duty to avoid duplicate asset registration for the same service at the same time, " +
          "introduces a liability cap, signposts cyber security per company, removes voluntary-participation wording, moves " +
          "site access to the service terms and service-specific information such as windows to contract award notifications, " +
          "and is reviewed annually. A counterparty must have signed it before bidding.",
        effectiveFrom: "2024-04-01T00:00:00Z",
      },
    ],
  },
  {
    code: "FMR-PRIMACY",
    kind: "PRIMACY",
    sourceUrl: MF_REPO,
    licence: MF_LICENCE,
    phases: ["DISPATCH", "SETTLEMENT"],
    versions: [
      {
        title: "Primacy rules for DSO–NESO conflicts",
        body:
          "Primacy types: no primacy (the default), DSO primacy, NESO primacy and joint primacy. When a DSO counters a NESO action " +
          "with negative or positive flexibility to manage a thermal constraint (into a constraint, cases 1 and 4) DSO primacy applies. " +
          "When the DSO action only absorbs headroom newly created by NESO (out of a constraint, cases 2 and 3) NESO primacy applies. " +
          "With no primacy rule matched the first-committed instruction wins, both system operators are notified and the conflict is " +
          "resolved by hand. The governing version is the one applicable at the time of the service window; the losing side is not " +
          "penalised for unavailability when the conflict record is attached.",
        effectiveFrom: "2026-04-01T00:00:00Z",
      },
    ],
  },
  {
    code: "STACKING-GUIDANCE",
    kind: "STACKING",
    sourceUrl: "https://www.enwl.co.uk/",
    licence: "Summary written for the demo from public guidance (ENWL revenue stacking; Market Facilitator market coordination WG1–WG3)",
    phases: ["QUALIFICATION", "COMPETITION"],
    versions: [
      {
        title: "Revenue stacking: jumping, splitting and co-delivery",
        body:
          "Jumping earns from different services in different time periods: windows must not overlap after ramp and state-of-energy buffers. " +
          "Splitting commits different megawatts of one asset at the same time: committed MW per direction must not exceed the unit's " +
          "capability, and both products must permit it. Co-delivery pays the same MW at the same time in the same direction twice and is " +
          "allowed only where explicitly permitted, for example the Capacity Market with a relevant balancing service. Stacking by default: " +
          "every active-power service should be jumpable and splittable across NESO, DSO and wholesale markets; avoid exclusivity clauses and " +
          "DSO dispatch after BM gate closure.",
        effectiveFrom: "2024-04-01T00:00:00Z",
      },
    ],
  },
  {
    code: "NESO-DYNAMIC-SERVICES-TERMS",
    kind: "SERVICE_TERMS",
    sourceUrl: "https://www.neso.energy/",
    licence: "Summary written for the demo from NESO's published dynamic services technical requirements",
    products: ["DCL", "DML", "DRL"],
    technologies: ["BESS", "CHP", "INDUSTRIAL_LOAD"],
    phases: ["QUALIFICATION", "COMPETITION", "VERIFICATION"],
    versions: [
      {
        title: "Dynamic Containment, Moderation and Regulation service terms",
        body:
          "Dynamic Containment is a post-fault frequency response service: full delivery within one second, sustained for fifteen minutes. " +
          "The minimum contracted quantity is 1 MW per unit. Energy-limited units must hold enough state of energy for the duration at the MW " +
          "offered. Units are procured in the Enduring Auction Capability with results per service window in UTC; no co-delivery with another " +
          "NESO reserve service in the same period.",
        effectiveFrom: "2023-11-01T00:00:00Z",
      },
    ],
  },
  {
    code: "NESO-QUICK-RESERVE",
    kind: "SERVICE_TERMS",
    sourceUrl: "https://www.neso.energy/",
    licence: "Summary written for the demo from NESO's published Quick Reserve technical requirements",
    products: ["PQR"],
    phases: ["QUALIFICATION", "COMPETITION", "DISPATCH"],
    versions: [
      {
        title: "Quick Reserve technical requirements",
        body:
          "Positive Quick Reserve: units of at least 1 MW reaching full delivery within one minute of instruction; an aggregated unit's " +
          "members lie within one GSP group. Instructions are issued through the balancing mechanism or the ASDP.",
        effectiveFrom: "2024-12-01T00:00:00Z",
      },
    ],
  },
  {
    code: "UKPN-FLEX-TERMS",
    kind: "SERVICE_TERMS",
    sourceUrl: "https://ukpowernetworks.opendatasoft.com/",
    licence: "Summary written for the demo; UKPN dispatch data under UKPN's open data licence",
    products: ["PR", "LTU", "SAOU", "DA"],
    phases: ["COMPETITION", "DISPATCH", "SETTLEMENT"],
    versions: [
      {
        title: "UK Power Networks flexibility services",
        body:
          "Peak Reduction, Long-Term Utilisation, Scheduled Availability with Operational Utilisation (SAOU) and Day-Ahead products. " +
          "One flexible unit takes part in one product at a time; an aggregated unit's members lie within one constraint managed zone. " +
          "Utilisation bids above the zone's ceiling price are rejected; availability is paid per hour of the window.",
        effectiveFrom: "2024-04-01T00:00:00Z",
      },
    ],
  },
  {
    code: "FMAR-GUIDANCE",
    kind: "GUIDANCE",
    sourceUrl: MF_REPO,
    licence: MF_LICENCE,
    phases: ["QUALIFICATION"],
    versions: [
      {
        title: "Flexibility Market Asset Register: registering assets and units",
        body:
          "Ofgem mandates a common asset registration solution: the asset registration module and the single point of unit management " +
          "first, API-first with a front door for single submissions. MPAN cores carry a check digit and a distributor id; duplicate assets " +
          "(same serial, or same MPAN and technology) are refused; energy-limited assets declare their energy capacity; a material capacity " +
          "change triggers reassessment of the units and qualifications it belongs to.",
        effectiveFrom: "2025-07-31T00:00:00Z",
      },
    ],
  },
  {
    code: "BSC-BASELINING",
    kind: "GUIDANCE",
    sourceUrl: "https://bscdocs.elexon.co.uk/",
    licence: "Summary written for the demo from Elexon's Baselining Methodology Document",
    phases: ["VERIFICATION", "SETTLEMENT"],
    versions: [
      {
        title: "Baselining methodology",
        body:
          "Baselines estimate what a site would have done without the instruction: X-of-Y day selection excluding prior event days and " +
          "abnormal days, with same-day adjustment. Baseline method and parameters are locked at gate opening; meter data must be complete " +
          "for every half-hour settlement period of the event window before assessment. Credited volume is capped at the instructed volume.",
        effectiveFrom: "2023-10-01T00:00:00Z",
      },
    ],
  },
  {
    code: "E2E-TOOLKIT",
    kind: "GUIDANCE",
    sourceUrl: MF_REPO,
    licence: MF_LICENCE,
    versions: [
      {
        title: "Common End-to-End Process Workstream Toolkit",
        body:
          "Six phases of a flexibility market — exploration, qualification, competition, schedule and dispatch, verification, settlement — " +
          "and their building blocks E.1 to S.2, from defining a sub-market to processing payments.",
        effectiveFrom: "2025-01-01T00:00:00Z",
      },
    ],
  },
];

/**
 * Seeds the demo's rules (domain §8, as data) and rules library, resolving the products they name among those the
 * demo loaded (one read); a rule, tag or document naming only products the demo lacks is left out. Returns how many of each exist.
 */
export async function seedRules(db: Database): Promise<{ rules: number; documents: number }> {
  const codes = [
    ...new Set([...DEMO_RULES.flatMap((r) => [r.product, ...(r.pair ?? [])]), ...DEMO_DOCUMENTS.flatMap((d) => d.products ?? [])]),
  ];
  const found = await db
    .select({ id: products.id, code: products.code, ownerId: products.ownerId })
    .from(products)
    .where(
      inArray(
        products.code,
        codes.filter((c): c is string => c !== null),
      ),
    );
  const byCode = new Map(found.map((row) => [row.code, row]));

  const ruleRows: RuleRow[] = DEMO_RULES.flatMap((seed) => {
    const product = seed.product ? byCode.get(seed.product) : null;
    const pair = seed.pair?.map((code) => byCode.get(code)?.id);
    if (product === undefined || pair?.some((id) => id === undefined)) return [];
    const parameters = seed.parameters ?? {};
    checkExpression(seed.expression, seed.subjectKind, parameters); // as createMarketRule checks it
    return [
      {
        id: stableId("rule", seed.code),
        code: seed.code,
        name: seed.name,
        productId: product?.id ?? null,
        kind: seed.kind,
        parameters,
        mode: seed.mode,
        subjectKind: seed.subjectKind,
        expression: seed.expression,
        severity: seed.severity,
        scope: {
          subMarketIds: [],
          technologies: seed.technologies ?? [],
          productPairs: pair ? [{ productIds: pair as [string, string], stackingMode: "CO_DELIVERY", direction: "BOTH" }] : [],
        },
        ownerOrgId: product?.ownerId ?? (pair ? byCode.get(seed.pair![0])!.ownerId : null),
        documentRef: seed.documentRef,
        effectiveFrom: new Date(seed.effectiveFrom ?? "2024-04-01T00:00:00Z"),
        createdAt: new Date("2025-06-01T00:00:00Z"),
        updatedAt: new Date("2025-06-01T00:00:00Z"),
      },
    ];
  });
  if (ruleRows.length > 0) {
    // Version 1 of each rule this run inserted (a code already taken through the graph keeps its own rule).
    const inserted = new Set(
      (await db.insert(marketRules).values(ruleRows).onConflictDoNothing().returning({ id: marketRules.id })).map((r) => r.id),
    );
    const versions = ruleRows
      .filter((row) => inserted.has(row.id!))
      .map((row) => ({ ruleId: row.id!, version: 1, snapshot: JSON.parse(JSON.stringify({ ...row, version: 1 })) }));
    if (versions.length > 0) await db.insert(marketRuleVersions).values(versions).onConflictDoNothing();
  }

  // The seed's other rules (seed.ts, written without the graph) get their version 1 too, once.
  await db.execute(sql`
    insert into ${marketRuleVersions} (rule_id, version, snapshot)
    select r.id, r.version, to_jsonb(r) from ${marketRules} r
    where not exists (select 1 from ${marketRuleVersions} v where v.rule_id = r.id and v.version = r.version)`);

  // A document of products the demo lacks is left out (untagged, it would concern every product).
  const documents = DEMO_DOCUMENTS.filter((d) => !d.products || d.products.some((code) => byCode.has(code)));
  const documentRows = documents.map((d) => ({
    id: stableId("rule-document", d.code),
    code: d.code,
    kind: d.kind,
    sourceUrl: d.sourceUrl,
    licence: d.licence,
    productIds: (d.products ?? []).flatMap((code) => byCode.get(code)?.id ?? []),
    technologies: d.technologies ?? [],
    phases: d.phases ?? [],
    createdAt: new Date("2025-06-01T00:00:00Z"),
  }));
  await db.insert(ruleDocuments).values(documentRows).onConflictDoNothing();
  // Versions of the documents held under the demo's ids (a code taken through the graph first keeps its own).
  const held = new Set(
    (
      await db
        .select({ id: ruleDocuments.id })
        .from(ruleDocuments)
        .where(
          inArray(
            ruleDocuments.id,
            documentRows.map((d) => d.id),
          ),
        )
    ).map((r) => r.id),
  );
  const versionRows = documents
    .filter((d) => held.has(stableId("rule-document", d.code)))
    .flatMap((d) =>
      d.versions.map((version, i) => ({
        id: stableId("rule-document-version", `${d.code}:${i + 1}`),
        documentId: stableId("rule-document", d.code),
        version: i + 1,
        title: version.title,
        body: version.body,
        effectiveFrom: new Date(version.effectiveFrom),
        // Each version ends where the next begins.
        effectiveTo: d.versions[i + 1]
          ? new Date(d.versions[i + 1]!.effectiveFrom)
          : version.effectiveTo
            ? new Date(version.effectiveTo)
            : null,
      })),
    );
  if (versionRows.length > 0) await db.insert(ruleDocumentVersions).values(versionRows).onConflictDoNothing();
  return { rules: ruleRows.length, documents: documentRows.length };
}
