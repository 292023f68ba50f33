-- CreateTable
CREATE TABLE "reconcile_runs" (
    "id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "listed" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "drift" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,

    CONSTRAINT "reconcile_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconcile_leases" (
    "provider" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reconcile_leases_pkey" PRIMARY KEY ("provider")
);

-- CreateIndex
CREATE INDEX "reconcile_runs_provider_started_at_idx" ON "reconcile_runs"("provider", "started_at");

-- CreateIndex
CREATE INDEX "reconcile_runs_started_at_idx" ON "reconcile_runs"("started_at");
