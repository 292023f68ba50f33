-- CreateTable
CREATE TABLE "identities" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "email" TEXT,
    "username" TEXT,
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL,
    "traits" JSONB NOT NULL DEFAULT '{}',
    "source_updated_at" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_events" (
    "id" UUID NOT NULL,
    "identity_id" UUID NOT NULL,
    "version" INTEGER,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "source_message_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "identity_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_messages" (
    "consumer" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_messages_pkey" PRIMARY KEY ("consumer","message_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "identities_provider_external_id_key" ON "identities"("provider", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "identity_events_identity_id_version_key" ON "identity_events"("identity_id", "version");

-- CreateIndex
CREATE INDEX "identity_events_published_at_created_at_idx" ON "identity_events"("published_at", "created_at");

-- AddForeignKey
ALTER TABLE "identity_events" ADD CONSTRAINT "identity_events_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
