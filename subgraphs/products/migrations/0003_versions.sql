CREATE TABLE "products"."consultations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_version_id" uuid NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"summary" text,
	"summary_published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consultations_product_version_unique" UNIQUE("product_version_id")
);
--> statement-breakpoint
CREATE TABLE "products"."product_feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"consultation_id" uuid NOT NULL,
	"author_org_id" uuid NOT NULL,
	"author_user_id" uuid,
	"answers" jsonb NOT NULL,
	"would_participate" boolean,
	"indicative_mw" double precision,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."product_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"effective_from" timestamp with time zone,
	"supersedes_id" uuid,
	"published_at" timestamp with time zone,
	"superseded_at" timestamp with time zone,
	"name" text NOT NULL,
	"need_type" text,
	"fault_timing" text,
	"service_type" text NOT NULL,
	"directions" text[] NOT NULL,
	"minimum_capacity_kw" double precision NOT NULL,
	"maximum_capacity_kw" double precision,
	"response_time_seconds" double precision,
	"duration_minutes" integer,
	"notice_minutes" integer,
	"aggregation_scope" text,
	"locations" text[] DEFAULT '{}' NOT NULL,
	"service_windows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"efa_blocks" integer[] DEFAULT '{}' NOT NULL,
	"procurement" jsonb,
	"availability_unit" text,
	"utilisation_unit" text,
	"metering" jsonb,
	"baseline_methods" text[] DEFAULT '{}' NOT NULL,
	"stacking_rules_ref" text,
	"eligible_technologies" text[] DEFAULT '{}' NOT NULL,
	"agreement_version" text,
	"dispatch_method" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."sub_markets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"operator_id" uuid NOT NULL,
	"procurer_id" uuid NOT NULL,
	"need_type" text NOT NULL,
	"geography" text[] NOT NULL,
	"objective" text,
	"rule_document_refs" text[] DEFAULT '{}' NOT NULL,
	"timing_profile" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products"."products" ADD COLUMN "sub_market_id" uuid;--> statement-breakpoint
-- Hand-written: every existing product becomes its version 1 (the product keeps its id; the version gets its own).
INSERT INTO "products"."product_versions" ("product_id", "version", "status", "published_at", "name", "service_type", "directions", "minimum_capacity_kw", "response_time_seconds", "duration_minutes", "service_windows", "eligible_technologies", "locations", "created_at", "updated_at")
SELECT "id", 1, "status", CASE WHEN "status" IN ('PUBLISHED', 'SUSPENDED', 'RETIRED') THEN "updated_at" END, "name", "service_type", "directions", "minimum_capacity_kw", "response_time_seconds", "duration_minutes", "service_windows", "eligible_technologies", "locations", "created_at", "updated_at"
FROM "products"."products";--> statement-breakpoint
ALTER TABLE "products"."consultations" ADD CONSTRAINT "consultations_product_version_id_product_versions_id_fk" FOREIGN KEY ("product_version_id") REFERENCES "products"."product_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."product_feedback" ADD CONSTRAINT "product_feedback_consultation_id_consultations_id_fk" FOREIGN KEY ("consultation_id") REFERENCES "products"."consultations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."product_versions" ADD CONSTRAINT "product_versions_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."product_versions" ADD CONSTRAINT "product_versions_supersedes_id_product_versions_id_fk" FOREIGN KEY ("supersedes_id") REFERENCES "products"."product_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "product_feedback_consultation_author_unique" ON "products"."product_feedback" USING btree ("consultation_id","author_org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "product_versions_product_version_unique" ON "products"."product_versions" USING btree ("product_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "sub_markets_operator_name_unique" ON "products"."sub_markets" USING btree ("operator_id","name");--> statement-breakpoint
ALTER TABLE "products"."products" ADD CONSTRAINT "products_sub_market_id_sub_markets_id_fk" FOREIGN KEY ("sub_market_id") REFERENCES "products"."sub_markets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "name";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "service_type";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "directions";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "minimum_capacity_kw";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "response_time_seconds";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "duration_minutes";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "service_windows";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "eligible_technologies";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "locations";--> statement-breakpoint
ALTER TABLE "products"."products" DROP COLUMN "status";