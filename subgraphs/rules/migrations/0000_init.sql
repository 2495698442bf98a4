CREATE SCHEMA "rules";
--> statement-breakpoint
CREATE TABLE "rules"."audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_user_id" uuid,
	"actor_organisation_id" uuid,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "rules"."conflict_assets" (
	"conflict_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	CONSTRAINT "conflict_assets_conflict_id_asset_id_pk" PRIMARY KEY("conflict_id","asset_id")
);
--> statement-breakpoint
CREATE TABLE "rules"."conflict_instructions" (
	"conflict_id" uuid NOT NULL,
	"instruction_id" uuid NOT NULL,
	CONSTRAINT "conflict_instructions_conflict_id_instruction_id_pk" PRIMARY KEY("conflict_id","instruction_id")
);
--> statement-breakpoint
CREATE TABLE "rules"."conflicts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'OPEN' NOT NULL,
	"overlap_start" timestamp with time zone NOT NULL,
	"overlap_end" timestamp with time zone NOT NULL,
	"rule_id" uuid,
	"description" text,
	"resolution" text,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conflicts_overlap_window_check" CHECK ("overlap_end" > "overlap_start")
);
--> statement-breakpoint
CREATE TABLE "rules"."market_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"product_id" uuid,
	"kind" text NOT NULL,
	"parameters" jsonb NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"effective_from" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "market_rules_code_unique" UNIQUE("code")
);
--> statement-breakpoint
ALTER TABLE "rules"."conflict_assets" ADD CONSTRAINT "conflict_assets_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "rules"."conflicts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules"."conflict_instructions" ADD CONSTRAINT "conflict_instructions_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "rules"."conflicts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD CONSTRAINT "conflicts_rule_id_market_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "rules"."market_rules"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conflict_assets_asset_idx" ON "rules"."conflict_assets" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "conflicts_rule_idx" ON "rules"."conflicts" USING btree ("rule_id");--> statement-breakpoint
CREATE INDEX "conflicts_detected_at_idx" ON "rules"."conflicts" USING btree ("detected_at");--> statement-breakpoint
CREATE INDEX "market_rules_product_idx" ON "rules"."market_rules" USING btree ("product_id");