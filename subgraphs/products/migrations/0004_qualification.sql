CREATE TABLE "products"."counterparty_qualifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"status" text DEFAULT 'UNDER_ASSESSMENT' NOT NULL,
	"checks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"valid_from" timestamp with time zone,
	"valid_to" timestamp with time zone,
	"reason" text,
	"assessed_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."prequalification_requirements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"product_version_id" uuid NOT NULL,
	"level" text NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"mandatory" boolean DEFAULT true NOT NULL,
	"can_be_done_on_sfe" boolean DEFAULT true NOT NULL,
	"common_key" text,
	"value_type" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."qualification_answers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"answer_key" text NOT NULL,
	"value" text,
	"evidence_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."qualification_application_products" (
	"application_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"product_version_id" uuid NOT NULL,
	CONSTRAINT "qualification_application_products_application_id_product_id_pk" PRIMARY KEY("application_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "products"."qualification_applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"applicant_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"submitted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."qualification_assessments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"product_version_id" uuid NOT NULL,
	"so_org_id" uuid NOT NULL,
	"applicant_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"status" text DEFAULT 'UNDER_ASSESSMENT' NOT NULL,
	"reason" text,
	"valid_from" timestamp with time zone,
	"valid_to" timestamp with time zone,
	"assessed_by" uuid,
	"decided_at" timestamp with time zone,
	"reassessment_required_at" timestamp with time zone,
	"reassessment_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products"."prequalification_requirements" ADD CONSTRAINT "prequalification_requirements_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."prequalification_requirements" ADD CONSTRAINT "prequalification_requirements_product_version_id_product_versions_id_fk" FOREIGN KEY ("product_version_id") REFERENCES "products"."product_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_answers" ADD CONSTRAINT "qualification_answers_application_id_qualification_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "products"."qualification_applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_application_products" ADD CONSTRAINT "qualification_application_products_application_id_qualification_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "products"."qualification_applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_application_products" ADD CONSTRAINT "qualification_application_products_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_application_products" ADD CONSTRAINT "qualification_application_products_product_version_id_product_versions_id_fk" FOREIGN KEY ("product_version_id") REFERENCES "products"."product_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_assessments" ADD CONSTRAINT "qualification_assessments_application_id_qualification_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "products"."qualification_applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_assessments" ADD CONSTRAINT "qualification_assessments_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."qualification_assessments" ADD CONSTRAINT "qualification_assessments_product_version_id_product_versions_id_fk" FOREIGN KEY ("product_version_id") REFERENCES "products"."product_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "counterparty_qualifications_organisation_unique" ON "products"."counterparty_qualifications" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "prequalification_requirements_version_idx" ON "products"."prequalification_requirements" USING btree ("product_version_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prequalification_requirements_common_key_unique" ON "products"."prequalification_requirements" USING btree ("product_version_id","common_key");--> statement-breakpoint
CREATE UNIQUE INDEX "qualification_answers_application_key_unique" ON "products"."qualification_answers" USING btree ("application_id","answer_key");--> statement-breakpoint
CREATE INDEX "qualification_applications_applicant_idx" ON "products"."qualification_applications" USING btree ("applicant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "qualification_assessments_application_product_unique" ON "products"."qualification_assessments" USING btree ("application_id","product_id");--> statement-breakpoint
CREATE INDEX "qualification_assessments_so_idx" ON "products"."qualification_assessments" USING btree ("so_org_id","status");--> statement-breakpoint
CREATE INDEX "qualification_assessments_subject_idx" ON "products"."qualification_assessments" USING btree ("subject_id","product_id");