-- AlterTable: notifications keep their templates (subject was already kept) for previews and status pages.
ALTER TABLE "notifications" ADD COLUMN     "text" TEXT,
ADD COLUMN     "html" TEXT,
ADD COLUMN     "template_data" JSONB;

-- AlterTable: which identity a delivery renders for, and the SMTP server's full reply.
ALTER TABLE "email_deliveries" ADD COLUMN     "identity_id" UUID,
ADD COLUMN     "smtp_response" TEXT;

-- CreateTable
CREATE TABLE "subscriber_opt_outs" (
    "list" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "opted_out_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "method" TEXT NOT NULL,
    "source_message_id" TEXT,
    "resubscribed_at" TIMESTAMPTZ(3),
    "resubscribed_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscriber_opt_outs_pkey" PRIMARY KEY ("list","email")
);

-- CreateTable
CREATE TABLE "suppressions" (
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "notification_id" TEXT,
    "suppressed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppressions_pkey" PRIMARY KEY ("email")
);

-- CreateIndex
CREATE INDEX "subscriber_opt_outs_email_idx" ON "subscriber_opt_outs"("email");
