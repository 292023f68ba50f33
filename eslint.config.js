import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Boundaries a tool enforces (docs/architecture.md): services never import each other; drivers stay at the edges —
// amqplib only in packages/bus, Prisma's packages only in packages/db and repository files, nodemailer only in the
// notifier's mail transport. Flat config does not merge the options of one rule across blocks, so each block
// below states the whole set for its files. test/boundaries.test.ts proves each rule catches a violation.
const SERVICES = readdirSync(new URL('./services', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** The `no-restricted-imports` rule for files of `service` (if any), with the drivers they may use. */
export function boundaries({ service, amqplib = false, prisma = false, nodemailer = false } = {}) {
  const paths = [];
  const patterns = [];
  if (!amqplib)
    paths.push({
      name: 'amqplib',
      message: 'amqplib is used only in packages/bus: use @identity-relay/bus.',
    });
  if (!nodemailer)
    patterns.push({
      group: ['nodemailer', 'nodemailer/*'],
      message: "nodemailer is used only in the notifier's mail transport (services/notifier/src/mail).",
    });
  if (!prisma)
    patterns.push({
      group: ['prisma', 'prisma/*', '@prisma/*'],
      message: 'Prisma is used only in packages/db and repository files: use @identity-relay/db.',
    });
  if (service) {
    const others = SERVICES.filter((s) => s !== service);
    const message = `A service never imports another service (${service}); share code through packages/.`;
    patterns.push(
      { group: others.flatMap((s) => [`@identity-relay/${s}`, `@identity-relay/${s}/*`]), message },
      { regex: `^(\\.\\./)+(services/)?(${others.join('|')})/`, message },
    );
  }
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/db/src/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  { files: ['**/*.{js,ts}'], rules: boundaries() },
  { files: ['packages/bus/**'], rules: boundaries({ amqplib: true }) },
  { files: ['packages/db/**', 'prisma.config.ts'], rules: boundaries({ prisma: true }) },
  ...SERVICES.flatMap((service) => [
    { files: [`services/${service}/**`], rules: boundaries({ service }) },
    { files: [`services/${service}/**/*repository*.ts`], rules: boundaries({ service, prisma: true }) },
  ]),
  { files: ['services/notifier/src/mail/**'], rules: boundaries({ service: 'notifier', nodemailer: true }) },
  // Integration tests may script the real broker directly (e.g. nack a message until it is dead-lettered).
  ...SERVICES.map((service) => ({
    files: [`services/${service}/test/**`],
    rules: boundaries({ service, amqplib: true }),
  })),
  // test-support's own tests send real mail to its SMTP sink.
  { files: ['packages/test-support/src/**/*.test.ts'], rules: boundaries({ nodemailer: true }) },
  // Benchmarks measure the drivers themselves as baselines (raw amqplib, raw pg, nodemailer).
  { files: ['bench/**'], rules: { 'no-restricted-imports': 'off' } },
);
