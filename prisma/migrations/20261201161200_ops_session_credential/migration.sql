-- Console sessions created with the shared OPS_TOKEN keep its fingerprint: rotating the token ends them.

-- AlterTable
ALTER TABLE "ops_sessions" ADD COLUMN "credential" TEXT;
