-- CreateTable
CREATE TABLE "ops_sessions" (
    "id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "name" TEXT,
    "roles" TEXT[] NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "ops_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ops_sessions_expires_at_idx" ON "ops_sessions"("expires_at");
