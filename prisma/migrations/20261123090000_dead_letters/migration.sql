-- CreateTable
CREATE TABLE "dead_letters" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "queue" TEXT NOT NULL,
    "archive_key" TEXT NOT NULL,
    "message_id" TEXT,
    "message_type" TEXT,
    "exchange" TEXT,
    "routing_key" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "properties" JSONB NOT NULL DEFAULT '{}',
    "body" BYTEA NOT NULL,
    "error" TEXT,
    "error_class" TEXT,
    "error_code" TEXT,
    "fingerprint" TEXT NOT NULL,
    "attempts" INTEGER,
    "first_failed_at" TIMESTAMPTZ(3),
    "dead_lettered_at" TIMESTAMPTZ(3) NOT NULL,
    "service" TEXT,
    "host" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    "resolved_at" TIMESTAMPTZ(3),
    "archived_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "dead_letter_ids" UUID[] NOT NULL,
    "count" INTEGER NOT NULL,
    "filter" JSONB,
    "detail" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dead_letters_archive_key_key" ON "dead_letters"("archive_key");

-- CreateIndex
CREATE INDEX "dead_letters_status_dead_lettered_at_idx" ON "dead_letters"("status", "dead_lettered_at");

-- CreateIndex
CREATE INDEX "dead_letters_dead_lettered_at_idx" ON "dead_letters"("dead_lettered_at");

-- CreateIndex
CREATE INDEX "dead_letters_fingerprint_idx" ON "dead_letters"("fingerprint");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");
