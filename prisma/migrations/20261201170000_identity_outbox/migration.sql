-- The outbox of IdentityChanged becomes a narrow table of its own. Marking a history row published rewrote the
-- whole identity_events row (payload and all, a new entry in each of its four indexes), and the relay's scan for
-- `published_at IS NULL` sorted every pending row's payload; a published event now only loses its outbox row.
-- An identity_events row with a version is published once it has no identity_outbox row.

-- CreateTable
CREATE TABLE "identity_outbox" (
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "event_id" UUID NOT NULL,

    CONSTRAINT "identity_outbox_pkey" PRIMARY KEY ("created_at","event_id")
);

-- Every versioned identity_events row is enqueued by the database itself, whoever inserts it. During a rolling
-- upgrade this migration runs (pre-upgrade hook) while replicas of the previous release still insert
-- identity_events rows and know nothing of identity_outbox: left to the writer, their IdentityChanged
-- events would never be published. A statement-level trigger enqueues for old and new writers alike (the new
-- code does not write identity_outbox itself: one way to enqueue). The created_at of the outbox row is the event's.
CREATE FUNCTION "identity_outbox_enqueue"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "identity_outbox" ("created_at", "event_id")
    SELECT "created_at", "id" FROM inserted WHERE "version" IS NOT NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER "identity_outbox_enqueue"
AFTER INSERT ON "identity_events"
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION "identity_outbox_enqueue"();

-- Events not yet published stay pending.
INSERT INTO "identity_outbox" ("created_at", "event_id")
SELECT "created_at", "id" FROM "identity_events" WHERE "published_at" IS NULL AND "version" IS NOT NULL;

-- DropIndex
DROP INDEX "identity_events_published_at_created_at_idx";

-- AlterTable
ALTER TABLE "identity_events" DROP COLUMN "published_at";
