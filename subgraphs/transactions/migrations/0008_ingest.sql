CREATE TABLE "transactions"."ingest_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"entity" text NOT NULL,
	"source" text NOT NULL,
	"adapter" text NOT NULL,
	"file_name" text,
	"format" text NOT NULL,
	"mode" text NOT NULL,
	"ingested_by_user_id" uuid,
	"organisation_id" uuid,
	"status" text DEFAULT 'RUNNING' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"rows" integer DEFAULT 0 NOT NULL,
	"inserted" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"repeats" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"rejections" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"failure" text,
	CONSTRAINT "ingest_batches_counts_check" CHECK ("transactions"."ingest_batches"."rows" >= 0 and "transactions"."ingest_batches"."rejected" >= 0)
);
--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "transactions"."meter_readings" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."meter_readings" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."meter_readings" ADD COLUMN "details" jsonb;--> statement-breakpoint
CREATE INDEX "ingest_batches_organisation_idx" ON "transactions"."ingest_batches" USING btree ("organisation_id","started_at");