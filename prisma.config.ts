// Prisma CLI configuration (Prisma 7 reads this instead of package.json / schema datasource urls).
// The CLI is a developer tool, not a service, so it reads DATABASE_URL directly; the fallback is
// the documented local default so `prisma generate` never needs a database.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/identity_relay',
  },
});
