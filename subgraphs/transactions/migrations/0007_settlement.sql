CREATE TABLE "transactions"."invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'INVOICE' NOT NULL,
	"statement_id" uuid NOT NULL,
	"original_invoice_id" uuid,
	"product_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"issuer_side" text NOT NULL,
	"month" text NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"net_pence" bigint NOT NULL,
	"vat_pence" bigint NOT NULL,
	"total_pence" bigint NOT NULL,
	"vat_rate" numeric(6, 4) NOT NULL,
	"invoice_day" integer NOT NULL,
	"payment_days" integer NOT NULL,
	"issued_at" timestamp with time zone,
	"due_at" timestamp with time zone,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"amount_pence" bigint NOT NULL,
	"method" text DEFAULT 'BACS' NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_amount_check" CHECK ("transactions"."payments"."amount_pence" > 0)
);
--> statement-breakpoint
CREATE TABLE "transactions"."settlement_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"statement_id" uuid,
	"credit_note_id" uuid,
	"position" integer NOT NULL,
	"type" text NOT NULL,
	"key" text NOT NULL,
	"period" text NOT NULL,
	"quantity" numeric(20, 6) NOT NULL,
	"unit_price_gbp" numeric(16, 4) NOT NULL,
	"factor" numeric(12, 6) NOT NULL,
	"factor_exact" text NOT NULL,
	"amount_pence" bigint NOT NULL,
	"assessment_id" uuid,
	"penalty_id" uuid,
	"award_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"basis" text,
	CONSTRAINT "settlement_lines_owner_check" CHECK (("transactions"."settlement_lines"."statement_id" is null) <> ("transactions"."settlement_lines"."credit_note_id" is null))
);
--> statement-breakpoint
CREATE TABLE "transactions"."settlement_statements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"month" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"total_pence" bigint NOT NULL,
	"terms" jsonb NOT NULL,
	"unavailable_windows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"adjustments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"held_out" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"generated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions"."settlement_terms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"utilisation_scale" text NOT NULL,
	"floor_ratio" numeric(12, 6),
	"full_ratio" numeric(12, 6),
	"availability_rule" text NOT NULL,
	"vat_rate" numeric(6, 4) NOT NULL,
	"invoice_day" integer NOT NULL,
	"payment_days" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settlement_terms_invoice_day_check" CHECK ("transactions"."settlement_terms"."invoice_day" between 1 and 28),
	CONSTRAINT "settlement_terms_payment_days_check" CHECK ("transactions"."settlement_terms"."payment_days" between 0 and 365)
);
--> statement-breakpoint
CREATE TABLE "transactions"."disputes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"raised_by_org_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"category" text NOT NULL,
	"description" text NOT NULL,
	"evidence" text[] DEFAULT '{}'::text[] NOT NULL,
	"sla_due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'SUBMITTED' NOT NULL,
	"subject_status_before" text,
	"outcome" text,
	"correction" jsonb,
	"credit_note_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transactions"."invoices" ADD CONSTRAINT "invoices_statement_id_settlement_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "transactions"."settlement_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."invoices" ADD CONSTRAINT "invoices_original_invoice_id_invoices_id_fk" FOREIGN KEY ("original_invoice_id") REFERENCES "transactions"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."payments" ADD CONSTRAINT "payments_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "transactions"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."settlement_lines" ADD CONSTRAINT "settlement_lines_statement_id_settlement_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "transactions"."settlement_statements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."settlement_lines" ADD CONSTRAINT "settlement_lines_credit_note_id_invoices_id_fk" FOREIGN KEY ("credit_note_id") REFERENCES "transactions"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_statement_invoice_unique" ON "transactions"."invoices" USING btree ("statement_id") WHERE "transactions"."invoices"."kind" = 'INVOICE';--> statement-breakpoint
CREATE INDEX "invoices_original_idx" ON "transactions"."invoices" USING btree ("original_invoice_id");--> statement-breakpoint
CREATE INDEX "invoices_provider_idx" ON "transactions"."invoices" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "invoices_buyer_idx" ON "transactions"."invoices" USING btree ("buyer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_invoice_reference_unique" ON "transactions"."payments" USING btree ("invoice_id","reference");--> statement-breakpoint
CREATE INDEX "settlement_lines_statement_idx" ON "transactions"."settlement_lines" USING btree ("statement_id");--> statement-breakpoint
CREATE INDEX "settlement_lines_credit_note_idx" ON "transactions"."settlement_lines" USING btree ("credit_note_id");--> statement-breakpoint
CREATE INDEX "settlement_lines_assessment_idx" ON "transactions"."settlement_lines" USING btree ("assessment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_statements_scope_unique" ON "transactions"."settlement_statements" USING btree ("product_id","provider_id","month");--> statement-breakpoint
CREATE INDEX "settlement_statements_provider_idx" ON "transactions"."settlement_statements" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "settlement_statements_buyer_idx" ON "transactions"."settlement_statements" USING btree ("buyer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_terms_product_unique" ON "transactions"."settlement_terms" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "disputes_subject_idx" ON "transactions"."disputes" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "disputes_provider_idx" ON "transactions"."disputes" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "disputes_buyer_idx" ON "transactions"."disputes" USING btree ("buyer_id");