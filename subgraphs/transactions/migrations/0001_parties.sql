-- Who each record concerns, kept with it because this subgraph cannot read the owners' tables at run time:
-- provider_id = the FSP owning the asset, buyer_id = the SO owning the product (looked up when written).
-- Added before any release held records, so no existing row needs filling; provider_id stays nullable on
-- dispatch_instructions, whose asset may be unknown. (No backfill from other subgraphs' tables: one owner per table.)
ALTER TABLE "transactions"."awards" ADD COLUMN "provider_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "buyer_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "provider_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "buyer_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "provider_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "buyer_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ALTER COLUMN "provider_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ALTER COLUMN "buyer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ALTER COLUMN "provider_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ALTER COLUMN "buyer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ALTER COLUMN "buyer_id" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "awards_provider_idx" ON "transactions"."awards" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "awards_buyer_idx" ON "transactions"."awards" USING btree ("buyer_id");--> statement-breakpoint
CREATE INDEX "bids_provider_idx" ON "transactions"."bids" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "bids_buyer_idx" ON "transactions"."bids" USING btree ("buyer_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_provider_idx" ON "transactions"."dispatch_instructions" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_buyer_idx" ON "transactions"."dispatch_instructions" USING btree ("buyer_id");
