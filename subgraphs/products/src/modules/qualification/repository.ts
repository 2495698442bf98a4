import {
  appendAudit,
  badInput,
  conflict,
  type Database,
  enqueueEvent,
  guardedUpdate,
  type Identity,
  type OutboxEvent,
  isUniqueViolation,
  isUuid,
  loaderByKey,
  loaderOfLists,
  SfeError,
} from "@sfe/kit";
import { and, asc, desc, eq, inArray, notInArray, or, type SQL, sql } from "drizzle-orm";
import {
  auditEvents,
  outboxEvents,
  prequalificationRequirements,
  productVersions,
  products,
  type QualificationStatus,
  type QualificationSubjectType,
  qualificationAnswers,
  qualificationApplicationLifecycle,
  qualificationApplicationProducts,
  qualificationApplications,
  qualificationAssessments,
  qualificationLifecycle,
} from "../../db/schema.js";
import type { CounterpartyQualificationRepository } from "../counterparty-qualification/repository.js";
import type {
  PrequalificationRequirementMapper as RequirementRow,
  QualificationApplicationMapper as ApplicationRow,
  QualificationAssessmentMapper as AssessmentRow,
  QualificationAnswerMapper as AnswerRow,
} from "./mappers.js";
import { type AssessmentDecision, answerValues, type MergedRequirement, mergeRequirements, unanswered } from "./validation.js";

/** Whose applications and assessments a caller sees: every one (hub administrator), or its organisation's. */
export type Viewer = { all: true } | { all: false; organisationId: string; asSo: boolean };

export function viewerOf(identity: Identity | null): Viewer {
  if (identity?.roles.includes("ADMIN")) return { all: true };
  return { all: false, organisationId: identity?.organisationId ?? "", asSo: identity?.roles.includes("SYSTEM_OPERATOR") === true };
}

/**
 * Called once an assessment becomes QUALIFIED, in the transaction that made it so (a refusal rolls the decision
 * back). The contracts module issues the system operator's agreement here; the default does nothing.
 */
export type OnQualified = (event: { tx: Database; assessment: AssessmentRow; actor: Identity | null }) => Promise<void>;

export interface ProductVersionRef {
  productId: string;
  productVersionId: string;
}

/** Refused because the applicant's organisation is not commercially qualified (R-ELG-8). */
const counterpartyRefusal = (organisationId: string) =>
  new SfeError("RULE_VIOLATION", `Organisation ${organisationId} is not commercially qualified (Q.2): ask the hub to assess it first`, {
    rule: "R-ELG-8",
    reason: "COUNTERPARTY_NOT_QUALIFIED",
  });

/** Statuses (as read) that leave a subject free to apply again for the product. */
const CLOSED: string[] = ["FAILED", "REVOKED", "EXPIRED"];

/** QUALIFIED, and valid at `at`. */
export const qualifiesAt = (row: Pick<AssessmentRow, "status" | "validFrom" | "validTo">, at: Date) =>
  row.status === "QUALIFIED" && !!row.validFrom && !!row.validTo && row.validFrom <= at && row.validTo > at;

/** The status a caller reads: QUALIFIED past its validity is EXPIRED. */
export const effectiveStatus = (row: Pick<AssessmentRow, "status" | "validTo">, now = new Date()) =>
  row.status === "QUALIFIED" && row.validTo && row.validTo <= now ? ("EXPIRED" as const) : row.status;

/** The same, in SQL, for filters. */
const effectiveStatusSql = sql<string>`case when ${qualificationAssessments.status} = 'QUALIFIED' and ${qualificationAssessments.validTo} <= now() then 'EXPIRED' else ${qualificationAssessments.status} end`;

export function createQualificationRepository(db: Database, counterparty: CounterpartyQualificationRepository) {
  const A = qualificationAssessments;
  const applicationsVisible = (viewer: Viewer): SQL | undefined =>
    viewer.all ? undefined : eq(qualificationApplications.applicantId, viewer.organisationId);
  const assessmentsVisible = (viewer: Viewer): SQL | undefined =>
    viewer.all
      ? undefined
      : viewer.asSo
        ? or(eq(A.applicantId, viewer.organisationId), eq(A.soOrgId, viewer.organisationId))
        : eq(A.applicantId, viewer.organisationId);
  /** Whose assessments a caller decides: its own products' (a system operator), every one (administrator). */
  const assessedBy = (viewer: Viewer): SQL | undefined =>
    viewer.all ? undefined : viewer.asSo ? eq(A.soOrgId, viewer.organisationId) : sql`false`;

  const requirementsOf = async (tx: Database, versionIds: readonly string[]): Promise<RequirementRow[]> => {
    const valid = versionIds.filter(isUuid);
    if (valid.length === 0) return [];
    const R = prequalificationRequirements;
    return tx.select().from(R).where(inArray(R.productVersionId, valid)).orderBy(asc(R.createdAt), asc(R.id));
  };

  /** The versions with their product's owner and code, locked against a status change (`for share`). */
  const lockVersions = (tx: Database, versionIds: readonly string[]) =>
    tx
      .select({ id: productVersions.id, status: productVersions.status, ownerId: products.ownerId, code: products.code })
      .from(productVersions)
      .innerJoin(products, eq(products.id, productVersions.productId))
      .where(inArray(productVersions.id, [...versionIds]))
      .for("share"); // both rows: drizzle writes `of` schema-qualified, which Postgres refuses

  /** BAD_USER_INPUT unless every version is PUBLISHED. */
  const requirePublished = (versions: readonly { code: string; status: string }[], field: string) => {
    const unpublished = versions.filter((v) => v.status !== "PUBLISHED");
    if (unpublished.length > 0) {
      const list = unpublished.map((v) => `${v.code} is ${v.status}`).join(", ");
      throw badInput(`${field}: ${list}: only PUBLISHED products take applications`, field);
    }
  };

  const productsOfApplication = (tx: Database, applicationId: string) =>
    tx.select().from(qualificationApplicationProducts).where(eq(qualificationApplicationProducts.applicationId, applicationId));

  /** The application's lines: its products' requirements for its subject, merged by key. */
  const linesOf = async (tx: Database, application: Pick<ApplicationRow, "id" | "subjectType">, refs?: readonly ProductVersionRef[]) => {
    const versions = (refs ?? (await productsOfApplication(tx, application.id))).map((ref) => ref.productVersionId);
    return mergeRequirements(await requirementsOf(tx, versions), application.subjectType);
  };

  /** Locks the application (within what `viewer` sees); null when there is none. */
  const lockApplication = async (tx: Database, id: string, viewer: Viewer) => {
    if (!isUuid(id)) return null;
    const [row] = await tx
      .select()
      .from(qualificationApplications)
      .where(and(eq(qualificationApplications.id, id), applicationsVisible(viewer)))
      .for("update");
    return row ?? null;
  };

  return {
    /** A product version's requirement, audited. CONFLICT when the version already has the commonKey. */
    async declareRequirement(values: typeof prequalificationRequirements.$inferInsert, actor: Identity | null): Promise<RequirementRow> {
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx.insert(prequalificationRequirements).values(values).returning();
          if (!row) throw new Error("insert returned no row");
          await appendAudit(tx, auditEvents, actor, {
            action: "CREATE",
            entityType: "PrequalificationRequirement",
            entityId: row.id,
            after: row,
          });
          return row;
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(`Product version ${values.productVersionId} already asks for ${values.commonKey}`, {
            commonKey: values.commonKey,
          });
        }
        throw error;
      }
    },

    requirementsOfVersions: (versionIds: readonly string[]) => requirementsOf(db, versionIds),

    /**
     * A DRAFT application of `applicantId` for one subject and the products, each at the version given (the one in
     * force), audited. Refused, writing nothing: RULE_VIOLATION when the applicant is not
     * commercially qualified; BAD_USER_INPUT for a product that is unknown or not PUBLISHED; CONFLICT when the subject
     * already has an open application or assessment for one of them, or the products' commonKeys disagree.
     */
    apply: (
      input: { applicantId: string; subjectType: QualificationSubjectType; subjectId: string; products: ProductVersionRef[] },
      actor: Identity | null,
    ): Promise<ApplicationRow> =>
      db.transaction(async (tx) => {
        // One application at a time per subject, so two racing ones cannot both pass the "already open" check.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`qualification:${input.subjectId}`}))`);
        if (!(await counterparty.isQualified(input.applicantId, new Date(), tx))) throw counterpartyRefusal(input.applicantId);
        const refs = input.products;
        const productIds = refs.map((ref) => ref.productId);
        requirePublished(
          await lockVersions(
            tx,
            refs.map((ref) => ref.productVersionId),
          ),
          "productIds",
        );
        const open = await tx
          .select({ productId: A.productId })
          .from(A)
          .where(
            and(
              eq(A.subjectId, input.subjectId),
              inArray(A.productId, productIds),
              notInArray(effectiveStatusSql, CLOSED), // an EXPIRED qualification is applied for anew
            ),
          );
        const drafts = await tx
          .select({ productId: qualificationApplicationProducts.productId })
          .from(qualificationApplicationProducts)
          .innerJoin(qualificationApplications, eq(qualificationApplications.id, qualificationApplicationProducts.applicationId))
          .where(
            and(
              eq(qualificationApplications.subjectId, input.subjectId),
              eq(qualificationApplications.status, "DRAFT"),
              inArray(qualificationApplicationProducts.productId, productIds),
            ),
          );
        const taken = [...new Set([...open, ...drafts].map((r) => r.productId))];
        if (taken.length > 0) {
          throw conflict(`The subject already has an open application or assessment for product ${taken.join(", ")}`, {
            productIds: taken,
          });
        }
        await linesOf(tx, { id: "", subjectType: input.subjectType }, refs); // CONFLICT when commonKeys disagree
        const [application] = await tx
          .insert(qualificationApplications)
          .values({ applicantId: input.applicantId, subjectType: input.subjectType, subjectId: input.subjectId })
          .returning();
        if (!application) throw new Error("insert returned no row");
        await tx.insert(qualificationApplicationProducts).values(refs.map((ref) => ({ ...ref, applicationId: application.id })));
        await appendAudit(tx, auditEvents, actor, {
          action: "CREATE",
          entityType: "QualificationApplication",
          entityId: application.id,
          after: { ...application, products: refs },
        });
        return application;
      }),

    /**
     * Stores answers once per key (audited), all or none. A DRAFT application takes any of its keys; a SUBMITTED one
     * only the keys of products whose assessment is INFO_REQUESTED, and those assessments return to UNDER_ASSESSMENT.
     * Null when the caller sees no such application.
     */
    answer: (
      applicationId: string,
      viewer: Viewer,
      answers: readonly { key: string; value?: string | null; evidenceRef?: string | null }[],
      actor: Identity | null,
    ): Promise<ApplicationRow | null> =>
      db.transaction(async (tx) => {
        const application = await lockApplication(tx, applicationId, viewer);
        if (!application) return null;
        const lines = await linesOf(tx, application);
        const waiting =
          application.status === "DRAFT"
            ? []
            : await tx
                .select()
                .from(A)
                .where(and(eq(A.applicationId, application.id), eq(A.status, "INFO_REQUESTED")))
                .for("update");
        if (application.status !== "DRAFT" && waiting.length === 0) {
          throw conflict(
            `Application ${application.id} is under assessment: its answers change only when a system operator requests information`,
            {
              currentStatus: application.status,
            },
          );
        }
        const open = (line: MergedRequirement) =>
          application.status === "DRAFT" || line.requirements.some((r) => waiting.some((w) => w.productId === r.productId));
        const seen = new Set<string>();
        const values = answers.map((answer, i) => {
          const field = `answers[${i}]`;
          const key = answer.key.trim();
          const line = lines.find((l) => l.key === key);
          if (!line) throw badInput(`${field}.key: the application asks for no ${key}`, `${field}.key`);
          if (!open(line)) throw badInput(`${field}.key: no system operator asked for more on ${key}`, `${field}.key`);
          if (seen.has(key)) throw badInput(`${field}.key: ${key} is answered twice`, `${field}.key`);
          seen.add(key);
          return { key, ...answerValues(line, answer, field) };
        });
        if (values.length === 0) throw badInput("answers must hold at least one answer", "answers");
        const existing = await tx
          .select()
          .from(qualificationAnswers)
          .where(and(eq(qualificationAnswers.applicationId, application.id), inArray(qualificationAnswers.answerKey, [...seen])));
        for (const { key, value, evidenceRef } of values) {
          const before = existing.find((row) => row.answerKey === key);
          if (before && before.value === value && before.evidenceRef === evidenceRef) continue;
          const [after] = before
            ? await tx
                .update(qualificationAnswers)
                .set({ value, evidenceRef, updatedAt: new Date() })
                .where(eq(qualificationAnswers.id, before.id))
                .returning()
            : await tx
                .insert(qualificationAnswers)
                .values({ applicationId: application.id, answerKey: key, value, evidenceRef })
                .returning();
          if (!after) throw new Error("answer write returned no row");
          await appendAudit(tx, auditEvents, actor, {
            action: before ? "UPDATE" : "CREATE",
            entityType: "QualificationAnswer",
            entityId: after.id,
            before,
            after,
          });
        }
        for (const assessment of waiting) {
          await guardedUpdate(tx, {
            table: A,
            lifecycle: qualificationLifecycle,
            audit: auditEvents,
            actor,
            id: assessment.id,
            change: () => ({ status: "UNDER_ASSESSMENT" as const }),
          });
        }
        const [touched] = await tx
          .update(qualificationApplications)
          .set({ updatedAt: new Date() })
          .where(eq(qualificationApplications.id, application.id))
          .returning();
        return touched ?? application;
      }),

    /**
     * DRAFT → SUBMITTED, and one UNDER_ASSESSMENT assessment per product for its owner, all audited in one
     * transaction. Refused, writing nothing: BAD_USER_INPUT naming the mandatory keys unanswered, or a product no
     * longer PUBLISHED; RULE_VIOLATION when the applicant's commercial qualification lapsed; CONFLICT once submitted.
     */
    submit: (
      applicationId: string,
      viewer: Viewer,
      actor: Identity | null,
      /** A NOTIFY evaluation's notification (kit ruleWarningEvent): recorded with the submission, or not at all. */
      ruleWarning: OutboxEvent | null = null,
    ): Promise<ApplicationRow | null> =>
      db.transaction(async (tx) => {
        const application = await lockApplication(tx, applicationId, viewer);
        if (!application) return null;
        if (application.status !== "DRAFT")
          throw conflict(`Application ${application.id} is already SUBMITTED`, { currentStatus: application.status });
        const refs = await productsOfApplication(tx, application.id);
        const lines = await linesOf(tx, application, refs);
        const answered = await tx
          .select({ key: qualificationAnswers.answerKey })
          .from(qualificationAnswers)
          .where(eq(qualificationAnswers.applicationId, application.id));
        const missing = unanswered(lines, new Set(answered.map((a) => a.key)));
        if (missing.length > 0) {
          throw new SfeError("BAD_USER_INPUT", `Answer every mandatory requirement before submitting: ${missing.join(", ")}`, {
            field: "answers",
            missing,
          });
        }
        if (!(await counterparty.isQualified(application.applicantId, new Date(), tx))) throw counterpartyRefusal(application.applicantId);
        const owned = await lockVersions(
          tx,
          refs.map((ref) => ref.productVersionId),
        );
        requirePublished(owned, "applicationId");
        const submitted = await guardedUpdate(tx, {
          table: qualificationApplications,
          lifecycle: qualificationApplicationLifecycle,
          audit: auditEvents,
          actor,
          id: application.id,
          change: () => ({ status: "SUBMITTED" as const, submittedAt: new Date() }),
        });
        const assessments = await tx
          .insert(A)
          .values(
            refs.map((ref) => ({
              applicationId: application.id,
              productId: ref.productId,
              productVersionId: ref.productVersionId,
              soOrgId: owned.find((v) => v.id === ref.productVersionId)?.ownerId ?? "",
              applicantId: application.applicantId,
              subjectType: application.subjectType,
              subjectId: application.subjectId,
            })),
          )
          .returning();
        for (const row of assessments) {
          await appendAudit(tx, auditEvents, actor, {
            action: "CREATE",
            entityType: "QualificationAssessment",
            entityId: row.id,
            after: row,
          });
        }
        if (ruleWarning) await enqueueEvent(tx, outboxEvents, ruleWarning);
        return submitted;
      }),

    /**
     * A system operator's decision on an assessment of its product (`viewer`), checked against the lifecycle with the
     * row locked, audited; `onQualified` runs in the same transaction when it becomes QUALIFIED. Null when the caller
     * decides no such assessment.
     */
    assess: (
      id: string,
      viewer: Viewer,
      decision: AssessmentDecision,
      actor: Identity | null,
      onQualified: OnQualified,
    ): Promise<AssessmentRow | null> =>
      db.transaction(async (tx) => {
        let was: QualificationStatus | undefined;
        const after = await guardedUpdate(tx, {
          table: A,
          lifecycle: qualificationLifecycle,
          audit: auditEvents,
          actor,
          id,
          visible: assessedBy(viewer),
          change: (locked) => {
            was = locked.status;
            // Final means final: not even its reason changes.
            if (qualificationLifecycle.isFinal(locked.status)) {
              throw conflict(`QualificationAssessment ${locked.id} is ${locked.status}, which is final`, {
                currentStatus: locked.status,
                requestedStatus: decision.status,
              });
            }
            const decided = { assessedBy: actor?.userId ?? null, decidedAt: new Date() };
            switch (decision.status) {
              case "QUALIFIED":
                return {
                  status: "QUALIFIED" as const,
                  reason: decision.reason,
                  validFrom: decision.validFrom,
                  validTo: decision.validTo,
                  ...decided,
                };
              case "UNDER_ASSESSMENT":
                return { status: "UNDER_ASSESSMENT" as const };
              default:
                return { status: decision.status, reason: decision.reason, ...decided };
            }
          },
        });
        if (after && after.status === "QUALIFIED" && was !== "QUALIFIED") await onQualified({ tx, assessment: after, actor });
        // The applicant is told (kit outbox, in this transaction: no event for a decision that rolls back).
        if (after && was !== after.status && (after.status === "QUALIFIED" || after.status === "FAILED")) {
          await enqueueEvent(tx, outboxEvents, {
            type: "QUALIFICATION_DECIDED",
            subject: { type: "QualificationAssessment", id: after.id },
            recipients: { organisations: [after.applicantId] },
            payload: {
              title: `Qualification ${after.status === "QUALIFIED" ? "granted" : "refused"}`,
              body: `The system operator decided ${after.status} for product ${after.productId}${after.reason ? `: ${after.reason}` : ""}`,
              assessmentId: after.id,
              productId: after.productId,
              subjectId: after.subjectId,
              status: after.status,
              reason: after.reason ?? null,
            },
          });
        }
        return after;
      }),

    /**
     * Every QUALIFIED assessment of the market units becomes REASSESSMENT_REQUIRED, stamped with when and why, each
     * audited. Answers the assessments changed.
     */
    /**
     * The products each subject (asset or unit) holds or is being assessed for: every assessment not FAILED or REVOKED,
     * distinct, in id order. For the market rules of a unit's member change (R-MU-2: the aggregation scope per product).
     */
    async productsOfSubjects(subjectIds: readonly string[]): Promise<{ subjectId: string; productId: string }[]> {
      const ids = [...new Set(subjectIds.filter(isUuid))];
      if (ids.length === 0) return [];
      return db
        .selectDistinct({ subjectId: A.subjectId, productId: A.productId })
        .from(A)
        .where(and(inArray(A.subjectId, ids), notInArray(A.status, ["FAILED", "REVOKED"])))
        .orderBy(A.subjectId, A.productId);
    },

    requireReassessment: (
      marketUnitIds: readonly string[],
      reason: (unitId: string) => string,
      actor: Identity | null,
    ): Promise<AssessmentRow[]> =>
      db.transaction(async (tx) => {
        const ids = marketUnitIds.filter(isUuid);
        if (ids.length === 0) return [];
        const qualified = await tx
          .select({ id: A.id, subjectId: A.subjectId })
          .from(A)
          .where(and(eq(A.subjectType, "MARKET_UNIT"), inArray(A.subjectId, ids), eq(A.status, "QUALIFIED")));
        const changed: AssessmentRow[] = [];
        for (const { id, subjectId } of qualified) {
          const row = await guardedUpdate(tx, {
            table: A,
            lifecycle: qualificationLifecycle,
            audit: auditEvents,
            actor,
            id,
            change: (locked) =>
              locked.status === "QUALIFIED"
                ? { status: "REASSESSMENT_REQUIRED" as const, reassessmentRequiredAt: new Date(), reassessmentReason: reason(subjectId) }
                : {},
          });
          if (row?.status === "REASSESSMENT_REQUIRED") changed.push(row);
        }
        return changed;
      }),

    applicationsByIds: (ids: readonly string[], viewer: Viewer): Promise<ApplicationRow[]> => {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return Promise.resolve([]);
      return db
        .select()
        .from(qualificationApplications)
        .where(and(inArray(qualificationApplications.id, valid), applicationsVisible(viewer)));
    },

    listApplications: (viewer: Viewer, limit: number, offset: number): Promise<ApplicationRow[]> =>
      db
        .select()
        .from(qualificationApplications)
        .where(applicationsVisible(viewer))
        .orderBy(desc(qualificationApplications.createdAt), desc(qualificationApplications.id))
        .limit(limit)
        .offset(offset),

    productsOfApplications: (applicationIds: readonly string[]) =>
      db
        .select()
        .from(qualificationApplicationProducts)
        .where(inArray(qualificationApplicationProducts.applicationId, applicationIds.filter(isUuid))),

    answersOfApplications: (applicationIds: readonly string[]): Promise<AnswerRow[]> =>
      db
        .select()
        .from(qualificationAnswers)
        .where(inArray(qualificationAnswers.applicationId, applicationIds.filter(isUuid)))
        .orderBy(asc(qualificationAnswers.createdAt), asc(qualificationAnswers.id)),

    assessmentsOfApplications: (applicationIds: readonly string[], viewer: Viewer): Promise<AssessmentRow[]> =>
      db
        .select()
        .from(A)
        .where(and(inArray(A.applicationId, applicationIds.filter(isUuid)), assessmentsVisible(viewer)))
        .orderBy(asc(A.createdAt), asc(A.id)),

    listAssessments: (
      viewer: Viewer,
      filter: { status?: string | null; productId?: string | null; needsReassessment?: boolean | null; limit: number; offset: number },
    ): Promise<AssessmentRow[]> => {
      if (filter.productId != null && !isUuid(filter.productId)) return Promise.resolve([]);
      return db
        .select()
        .from(A)
        .where(
          and(
            assessmentsVisible(viewer),
            filter.status != null ? eq(effectiveStatusSql, filter.status) : undefined,
            filter.productId != null ? eq(A.productId, filter.productId) : undefined,
            filter.needsReassessment === true ? eq(A.status, "REASSESSMENT_REQUIRED") : undefined,
            filter.needsReassessment === false ? sql`${A.status} <> 'REASSESSMENT_REQUIRED'` : undefined,
          ),
        )
        .orderBy(desc(A.createdAt), desc(A.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * For each (subject, product): whether a QUALIFIED assessment covers `at` and whether the applicant is commercially
     * qualified then, from the latest assessment `viewer` sees (one query for all, one for the applicants).
     */
    async checks(items: readonly { subjectId: string; productId: string; at: Date }[], viewer: Viewer) {
      const valid = items.filter((item) => isUuid(item.subjectId) && isUuid(item.productId));
      const rows =
        valid.length === 0
          ? []
          : await db
              .select()
              .from(A)
              .where(
                and(
                  assessmentsVisible(viewer),
                  or(...valid.map((item) => and(eq(A.subjectId, item.subjectId), eq(A.productId, item.productId)))),
                ),
              )
              .orderBy(desc(A.createdAt), desc(A.id));
      const applicants = await counterparty.byOrganisationIds([...new Set(rows.map((row) => row.applicantId))]);
      return items.map(({ subjectId, productId, at }) => {
        const assessment = rows.find((row) => row.subjectId === subjectId && row.productId === productId) ?? null;
        const standing = assessment && applicants.find((c) => c.organisationId === assessment.applicantId);
        const counterpartyQualified =
          !!standing &&
          standing.status === "QUALIFIED" &&
          !!standing.validFrom &&
          !!standing.validTo &&
          standing.validFrom <= at &&
          standing.validTo > at;
        return { subjectId, productId, at, qualified: !!assessment && qualifiesAt(assessment, at), counterpartyQualified, assessment };
      });
    },
  };
}

export type QualificationRepository = ReturnType<typeof createQualificationRepository>;

/** Per-request loaders of the module, made fresh for every request (src/loaders.ts). */
export function createQualificationLoaders(repo: QualificationRepository) {
  const perViewer = <L>(make: (viewer: Viewer) => L) => {
    const made = new Map<string, L>();
    return (viewer: Viewer): L => {
      const key = JSON.stringify(viewer);
      const loader = made.get(key) ?? make(viewer);
      made.set(key, loader);
      return loader;
    };
  };
  return {
    requirementsOfVersion: loaderOfLists(
      (ids: readonly string[]) => repo.requirementsOfVersions(ids),
      (row) => row.productVersionId,
    ),
    productsOfApplication: loaderOfLists(
      (ids: readonly string[]) => repo.productsOfApplications(ids),
      (row) => row.applicationId,
    ),
    answersOfApplication: loaderOfLists(
      (ids: readonly string[]) => repo.answersOfApplications(ids),
      (row) => row.applicationId,
    ),
    application: perViewer((viewer) =>
      loaderByKey(
        (ids: readonly string[]) => repo.applicationsByIds(ids, viewer),
        (row) => row.id,
      ),
    ),
    assessmentsOfApplication: perViewer((viewer) =>
      loaderOfLists(
        (ids: readonly string[]) => repo.assessmentsOfApplications(ids, viewer),
        (row) => row.applicationId,
      ),
    ),
  };
}

export type QualificationLoaders = ReturnType<typeof createQualificationLoaders>;
