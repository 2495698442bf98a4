CREATE TABLE "products"."contract_call_offs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contract_id" uuid NOT NULL,
	"award_id" uuid NOT NULL,
	"contracted_mw" double precision NOT NULL,
	"availability_price_gbp_per_mw_h" numeric(12, 4),
	"utilisation_price_gbp_per_mwh" numeric(12, 4),
	"service_windows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"baseline_method" text,
	"metering_point" text,
	"start" timestamp with time zone NOT NULL,
	"end" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."contract_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"agreement_version" text NOT NULL,
	"service_terms_ref" text NOT NULL,
	"procurement_rules_ref" text NOT NULL,
	"referenced_rules" text[] DEFAULT '{}' NOT NULL,
	"liability_cap_pence" bigint NOT NULL,
	"clauses" jsonb NOT NULL,
	"call_off_fields" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products"."contracts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text DEFAULT 'OVERARCHING_AGREEMENT' NOT NULL,
	"company_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"template_id" uuid NOT NULL,
	"template_version" integer NOT NULL,
	"qualification_id" uuid,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"agreement_version" text NOT NULL,
	"service_terms_ref" text NOT NULL,
	"procurement_rules_ref" text NOT NULL,
	"referenced_rules" text[] DEFAULT '{}' NOT NULL,
	"liability_cap_pence" bigint NOT NULL,
	"clauses" jsonb NOT NULL,
	"call_off_fields" text[] NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"signatures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"variations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products"."contract_call_offs" ADD CONSTRAINT "contract_call_offs_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "products"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."contract_templates" ADD CONSTRAINT "contract_templates_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."contracts" ADD CONSTRAINT "contracts_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "products"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products"."contracts" ADD CONSTRAINT "contracts_template_id_contract_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "products"."contract_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contract_call_offs_award_unique" ON "products"."contract_call_offs" USING btree ("award_id");--> statement-breakpoint
CREATE INDEX "contract_call_offs_contract_idx" ON "products"."contract_call_offs" USING btree ("contract_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contract_templates_product_unique" ON "products"."contract_templates" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "contract_templates_owner_idx" ON "products"."contract_templates" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contracts_standing_agreement_unique" ON "products"."contracts" USING btree ("company_id","product_id","provider_id") WHERE "products"."contracts"."type" = 'OVERARCHING_AGREEMENT' and "products"."contracts"."status" in ('DRAFT', 'ISSUED', 'SIGNED', 'ACTIVE');--> statement-breakpoint
CREATE INDEX "contracts_company_idx" ON "products"."contracts" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "contracts_provider_idx" ON "products"."contracts" USING btree ("provider_id");