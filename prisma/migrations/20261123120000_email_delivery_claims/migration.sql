-- AlterTable
ALTER TABLE "email_deliveries" ADD COLUMN     "claimed_by" TEXT,
ADD COLUMN     "claimed_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "email_deliveries_notification_id_status_email_idx" ON "email_deliveries"("notification_id", "status", "email");
