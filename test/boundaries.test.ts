// The import boundaries in eslint.config.js catch what they say they catch: ESLint's API on one-line fixtures placed
// (by file path only; nothing is written) where each rule applies.
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** The no-restricted-imports messages for `source` as if it were the file at `path`. */
async function violations(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  test.each([
    [
      'services/notifier/src/worker.ts',
      "import { createIngress } from '@identity-relay/ingress';",
      /never imports another service/,
    ],
    [
      'services/ingress/test/x.test.ts',
      "import { x } from '../../identity-sync/src/index.js';",
      /never imports another service/,
    ],
    [
      'services/ops/src/http/app.ts',
      "import { x } from '@identity-relay/subscribers/src/rules.js';",
      /never imports another service/,
    ],
    ['services/ops/src/archive/x.ts', "import amqp from 'amqplib';", /only in packages\/bus/],
    ['packages/reconcile/src/x.ts', "import type { Channel } from 'amqplib';", /only in packages\/bus/],
    ['services/notifier/src/worker.ts', "import nodemailer from 'nodemailer';", /mail transport/],
    ['packages/test-support/src/smtp-sink.ts', "import nodemailer from 'nodemailer';", /mail transport/],
    [
      'services/subscribers/src/worker.ts',
      "import { PrismaClient } from '@prisma/client';",
      /only in packages\/db/,
    ],
    ['services/ops/src/x.ts', "import { PrismaPg } from '@prisma/adapter-pg';", /only in packages\/db/],
  ])('%s: %s is refused', async (path, source, message) => {
    const found = await violations(path, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  test.each([
    ['packages/bus/src/x.ts', "import amqp from 'amqplib';"],
    ['packages/db/src/x.ts', "import { PrismaClient } from '@prisma/client';"],
    ['services/identity-sync/src/repository.ts', "import type { Prisma } from '@prisma/client';"],
    ['services/notifier/src/mail/x.ts', "import nodemailer from 'nodemailer';"],
    ['services/notifier/src/worker.ts', "import { connectBus } from '@identity-relay/bus';"],
    ['services/notifier/src/worker.ts', "import { x } from '../../notifier/src/x.js';"],
    ['services/ops/test/archive.test.ts', "import { connect } from 'amqplib';"],
    ['packages/test-support/src/smtp-sink.test.ts', "import { createTransport } from 'nodemailer';"],
    ['test/e2e/x.test.ts', "import { createIngress } from '@identity-relay/ingress';"],
  ])('%s: %s is allowed', async (path, source) => {
    expect(await violations(path, source)).toEqual([]);
  });
});
