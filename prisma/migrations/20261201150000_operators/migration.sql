-- Operators: identity erasure, dead-letter lineage and edits, identity search.

-- AlterTable: an erased identity keeps its row as a redacted tombstone (provider and external id only).
ALTER TABLE "identities" ADD COLUMN "erased_at" TIMESTAMPTZ(3);

-- AlterTable: a replayed copy that failed again points at the dead letter it was replayed from.
ALTER TABLE "dead_letters" ADD COLUMN "replayed_from_id" UUID,
ADD COLUMN "erased_at" TIMESTAMPTZ(3);

-- CreateTable: every corrected body an operator replayed instead of the original.
CREATE TABLE "dead_letter_edits" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "dead_letter_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "body" BYTEA NOT NULL,
    "diff" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_edits_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dead_letter_edits_dead_letter_id_at_idx" ON "dead_letter_edits"("dead_letter_id", "at");
CREATE INDEX "dead_letters_replayed_from_id_idx" ON "dead_letters"("replayed_from_id");
CREATE INDEX "dead_letters_message_id_idx" ON "dead_letters"("message_id");
CREATE INDEX "identity_events_identity_id_created_at_idx" ON "identity_events"("identity_id", "created_at");

-- AddForeignKey
ALTER TABLE "dead_letter_edits" ADD CONSTRAINT "dead_letter_edits_dead_letter_id_fkey" FOREIGN KEY ("dead_letter_id") REFERENCES "dead_letters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Expression indexes Prisma cannot describe: identity search and timelines match addresses case-insensitively.
CREATE INDEX "identities_lower_email_idx" ON "identities"(lower("email"));
CREATE INDEX "email_deliveries_lower_email_idx" ON "email_deliveries"(lower("email"));

-- An erased identity's history stays erased: whatever a late source message carries, a history row written for
-- an erased identity keeps only the facts, never the payload (identity-sync records stale updates with the
-- identity they carried). Enforced here so every writer of identity_events obeys it.
CREATE FUNCTION "identity_events_keep_erased"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "identities" WHERE "id" = NEW."identity_id" AND "erased_at" IS NOT NULL) THEN
    NEW."payload" := jsonb_build_object('erased', true);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "identity_events_keep_erased" BEFORE INSERT ON "identity_events"
FOR EACH ROW EXECUTE FUNCTION "identity_events_keep_erased"();
