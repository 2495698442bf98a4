DROP INDEX "transactions"."meter_readings_provider_idx";--> statement-breakpoint
DROP INDEX "transactions"."dispatch_instructions_asset_idx";--> statement-breakpoint
DROP INDEX "transactions"."dispatch_instructions_market_unit_idx";--> statement-breakpoint
DROP INDEX "transactions"."dispatch_instructions_award_idx";--> statement-breakpoint
DROP INDEX "transactions"."dispatch_instructions_provider_idx";--> statement-breakpoint
DROP INDEX "transactions"."meter_readings_unit_interval_idx";--> statement-breakpoint
CREATE INDEX "dispatch_instructions_asset_idx" ON "transactions"."dispatch_instructions" USING btree ("asset_id") WHERE "transactions"."dispatch_instructions"."asset_id" is not null;--> statement-breakpoint
CREATE INDEX "dispatch_instructions_market_unit_idx" ON "transactions"."dispatch_instructions" USING btree ("market_unit_id") WHERE "transactions"."dispatch_instructions"."market_unit_id" is not null;--> statement-breakpoint
CREATE INDEX "dispatch_instructions_award_idx" ON "transactions"."dispatch_instructions" USING btree ("award_id") WHERE "transactions"."dispatch_instructions"."award_id" is not null;--> statement-breakpoint
CREATE INDEX "dispatch_instructions_provider_idx" ON "transactions"."dispatch_instructions" USING btree ("provider_id") WHERE "transactions"."dispatch_instructions"."provider_id" is not null;--> statement-breakpoint
CREATE INDEX "meter_readings_unit_interval_idx" ON "transactions"."meter_readings" USING btree ("market_unit_id","interval_start") WHERE "transactions"."meter_readings"."market_unit_id" is not null;