CREATE TABLE "transactions"."meter_readings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid,
	"market_unit_id" uuid,
	"meter_reference" text,
	"provider_id" uuid NOT NULL,
	"interval_start" timestamp with time zone NOT NULL,
	"interval_end" timestamp with time zone NOT NULL,
	"granularity" text DEFAULT 'PT30M' NOT NULL,
	"active_import_wh" bigint NOT NULL,
	"active_export_wh" bigint NOT NULL,
	"quality" text DEFAULT 'ACTUAL' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meter_readings_interval_check" CHECK ("transactions"."meter_readings"."interval_end" > "transactions"."meter_readings"."interval_start"),
	CONSTRAINT "meter_readings_registers_check" CHECK ("transactions"."meter_readings"."active_import_wh" >= 0 and "transactions"."meter_readings"."active_export_wh" >= 0),
	CONSTRAINT "meter_readings_target_check" CHECK ("transactions"."meter_readings"."asset_id" is not null or "transactions"."meter_readings"."market_unit_id" is not null or "transactions"."meter_readings"."meter_reference" is not null)
);
--> statement-breakpoint
CREATE TABLE "transactions"."penalties" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"assessment_id" uuid NOT NULL,
	"type" text NOT NULL,
	"amount_pence" bigint NOT NULL,
	"basis" text NOT NULL,
	"waived_by_conflict_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "penalties_amount_check" CHECK ("transactions"."penalties"."amount_pence" > 0)
);
--> statement-breakpoint
CREATE TABLE "transactions"."performance_assessments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dispatch_instruction_id" uuid,
	"award_id" uuid,
	"asset_id" uuid,
	"market_unit_id" uuid,
	"product_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"baseline_method" text NOT NULL,
	"method_version" integer DEFAULT 1 NOT NULL,
	"baseline_wh" bigint NOT NULL,
	"metered_wh" bigint NOT NULL,
	"delivered_wh" bigint NOT NULL,
	"instructed_wh" bigint NOT NULL,
	"credited_wh" bigint NOT NULL,
	"delivery_ratio" numeric(12, 6),
	"availability_ratio" numeric(12, 6),
	"late_data_periods" text[] DEFAULT '{}'::text[] NOT NULL,
	"periods" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'PROVISIONAL' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "performance_assessments_window_check" CHECK ("transactions"."performance_assessments"."end_at" > "transactions"."performance_assessments"."start_at")
);
--> statement-breakpoint
ALTER TABLE "transactions"."penalties" ADD CONSTRAINT "penalties_assessment_id_performance_assessments_id_fk" FOREIGN KEY ("assessment_id") REFERENCES "transactions"."performance_assessments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."performance_assessments" ADD CONSTRAINT "performance_assessments_dispatch_instruction_id_dispatch_instructions_id_fk" FOREIGN KEY ("dispatch_instruction_id") REFERENCES "transactions"."dispatch_instructions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions"."performance_assessments" ADD CONSTRAINT "performance_assessments_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "transactions"."awards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "meter_readings_asset_interval_idx" ON "transactions"."meter_readings" USING btree ("asset_id","interval_start");--> statement-breakpoint
CREATE INDEX "meter_readings_unit_interval_idx" ON "transactions"."meter_readings" USING btree ("market_unit_id","interval_start");--> statement-breakpoint
CREATE INDEX "meter_readings_provider_idx" ON "transactions"."meter_readings" USING btree ("provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "meter_readings_source_external_id_unique" ON "transactions"."meter_readings" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "penalties_assessment_idx" ON "transactions"."penalties" USING btree ("assessment_id");--> statement-breakpoint
CREATE INDEX "performance_assessments_instruction_idx" ON "transactions"."performance_assessments" USING btree ("dispatch_instruction_id");--> statement-breakpoint
CREATE INDEX "performance_assessments_award_idx" ON "transactions"."performance_assessments" USING btree ("award_id");--> statement-breakpoint
CREATE INDEX "performance_assessments_provider_idx" ON "transactions"."performance_assessments" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "performance_assessments_buyer_idx" ON "transactions"."performance_assessments" USING btree ("buyer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "performance_assessments_source_external_id_unique" ON "transactions"."performance_assessments" USING btree ("source","external_id");