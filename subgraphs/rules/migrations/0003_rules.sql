CREATE TABLE "rules"."market_rule_versions" (
	"rule_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "market_rule_versions_rule_id_version_pk" PRIMARY KEY("rule_id","version")
);
--> statement-breakpoint
CREATE TABLE "rules"."rule_evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"evaluation_id" uuid NOT NULL,
	"rule_id" uuid,
	"rule_code" text NOT NULL,
	"rule_version" integer NOT NULL,
	"rule_source" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"input_hash" text NOT NULL,
	"outcome" text NOT NULL,
	"severity" text NOT NULL,
	"mode" text NOT NULL,
	"message" text NOT NULL,
	"values_compared" jsonb NOT NULL,
	"party_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"evaluated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rules"."rule_document_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"effective_to" timestamp with time zone,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rules"."rule_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"source_url" text,
	"licence" text,
	"product_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"technologies" text[] DEFAULT '{}'::text[] NOT NULL,
	"phases" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rule_documents_code_unique" UNIQUE("code")
);
--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "effective_to" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "subject_kind" text;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "expression" jsonb;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "severity" text DEFAULT 'WARN' NOT NULL;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "scope" jsonb DEFAULT '{"subMarketIds":[],"technologies":[],"productPairs":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "owner_org_id" uuid;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "document_ref" text;--> statement-breakpoint
ALTER TABLE "rules"."market_rules" ADD COLUMN "source" text DEFAULT 'SFE_STORED' NOT NULL;--> statement-breakpoint
ALTER TABLE "rules"."market_rule_versions" ADD CONSTRAINT "market_rule_versions_rule_id_market_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "rules"."market_rules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules"."rule_evaluations" ADD CONSTRAINT "rule_evaluations_rule_id_market_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "rules"."market_rules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules"."rule_document_versions" ADD CONSTRAINT "rule_document_versions_document_id_rule_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "rules"."rule_documents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rule_evaluations_subject_idx" ON "rules"."rule_evaluations" USING btree ("subject_id","evaluated_at");--> statement-breakpoint
CREATE INDEX "rule_evaluations_rule_idx" ON "rules"."rule_evaluations" USING btree ("rule_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rule_document_versions_document_version_unique" ON "rules"."rule_document_versions" USING btree ("document_id","version");--> statement-breakpoint
CREATE INDEX "rule_document_versions_search_idx" ON "rules"."rule_document_versions" USING gin ("search");--> statement-breakpoint
CREATE INDEX "market_rules_subject_kind_idx" ON "rules"."market_rules" USING btree ("subject_kind");--> statement-breakpoint
-- Hand-written (a data backfill drizzle cannot express): every rule that exists becomes its version 1.
INSERT INTO "rules"."market_rule_versions" ("rule_id", "version", "snapshot", "created_at")
SELECT "id", "version", jsonb_build_object('id', "id", 'code', "code", 'name', "name", 'productId', "product_id", 'kind', "kind",
  'parameters', "parameters", 'mode', "mode", 'status', "status", 'effectiveFrom', "effective_from", 'effectiveTo', "effective_to",
  'subjectKind', "subject_kind", 'expression', "expression", 'severity', "severity", 'scope', "scope", 'ownerOrgId', "owner_org_id",
  'version', "version", 'documentRef', "document_ref", 'source', "source", 'createdAt', "created_at", 'updatedAt', "updated_at"), "updated_at"
FROM "rules"."market_rules"
ON CONFLICT DO NOTHING;
