CREATE TABLE "rules"."conflict_parties" (
	"conflict_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	CONSTRAINT "conflict_parties_conflict_id_organisation_id_pk" PRIMARY KEY("conflict_id","organisation_id")
);
--> statement-breakpoint
ALTER TABLE "rules"."conflict_parties" ADD CONSTRAINT "conflict_parties_conflict_id_conflicts_id_fk" FOREIGN KEY ("conflict_id") REFERENCES "rules"."conflicts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conflict_parties_organisation_idx" ON "rules"."conflict_parties" USING btree ("organisation_id");